#!/usr/bin/env bash
# What metrics and events cost together: one regmirror with `metrics.enabled: false` and no
# events endpoint ("off"), one with metrics on and an events endpoint with the default actions
# ("on": every action but pull, on a loopback webhook receiver, bench/webhook_sink, that
# answers 200 at once) and one whose endpoint lists pull too ("pull"), all up for the whole
# run, measured in turns (off, on, pull, off...) ROUNDS times on
#   - manifest GET req/s (wrk; every GET is a pull event for the "pull" server),
#   - small image pushes/s (bench/small_push -m: a 4 KiB blob, then a manifest by tag
#     naming it; every push is a push and a tag event, answered once both are in the outbox),
# with the server's CPU time per request (until it is idle again after the load: delivering
# the events counts), which other work on the machine disturbs less than req/s. Before each measurement both servers are left to go idle, so the "on" server's
# deliverer, catching up with the events of its last turn, does not run in the "off" turn.
# Prints medians and ratios (target: on >= 0.95 of off) and writes the section between
# <!-- events-cost:begin --> and <!-- events-cost:end --> of bench/RESULTS.md.
# bench/metrics_cost.sh measures metrics alone (manifest HEAD).
#
#   bench/events_cost.sh                    # about 6 minutes
#   DURATION=3 ROUNDS=1 PUSHES=200 OUT=- bench/events_cost.sh   # a quick check
#
# Environment (all optional):
#   REGMIRROR=path   the binary (default build/src/cli/regmirror)
#   DURATION=10      seconds per GET measurement (plus a 2 s warm-up)
#   CONNECTIONS=64   wrk's keep-alive connections
#   PUSHES=1000      image pushes per push measurement, from WORKERS=8 connections
#   ROUNDS=5         measurements of each server, alternating
#   FORMAT=distribution  the endpoint's format: distribution (up to 100 events per POST) or
#                    cloudevents (one per POST: its deliverer cannot keep up with a
#                    GET load, whose events then pile up in the outbox)
#   OUT=path         the report (default bench/RESULTS.md; - prints only), KEEP=1 keeps the
#                    temp dir
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PUSHES=${PUSHES:-1000}
WORKERS=${WORKERS:-8}
ROUNDS=${ROUNDS:-5}
FORMAT=${FORMAT:-distribution}
OUT=${OUT:-$here/RESULTS.md}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-1800}

for tool in wrk curl g++ openssl python3 awk; do
  command -v "$tool" >/dev/null || { echo "events_cost.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "events_cost.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-events-bench.XXXXXX")
started_at=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A PID=() PORT=()
trap_cleanup events_cost.sh
start_watchdog "$WATCHDOG_SECONDS" events_cost.sh

log "compiling blob_push, small_push, webhook_sink into $work/bin"
compile_clients "$work/bin" blob_push small_push webhook_sink || exit 2
make_small_image "$work"
REPO=bench/app

PORT[sink]=$(free_port)
"$work/bin/webhook_sink" "${PORT[sink]}" >"$work/sink.log" 2>&1 &
PID[sink]=$!
SINK=http://127.0.0.1:${PORT[sink]}

NAMES=(off on pull)
printf 'metrics:\n  enabled: false\n' >"$work/off.yml"
cat >"$work/on.yml" <<EOF
metrics:
  enabled: true
events:
  endpoints:
    - name: sink
      url: $SINK/hook
      format: $FORMAT
EOF
cp "$work/on.yml" "$work/pull.yml"
echo "      actions: [push, pull, delete, tag, mirror.fetch, gc.delete]" >>"$work/pull.yml"
for name in "${NAMES[@]}"; do
  PORT[$name]=$(free_port)
  "$REGMIRROR" serve --config "$work/$name.yml" --listen "127.0.0.1:${PORT[$name]}" \
    --storage "$work/data-$name" --no-access-log --log-level warn >>"$work/$name.log" 2>&1 &
  PID[$name]=$!
  base=http://127.0.0.1:${PORT[$name]}
  for _ in $(seq 100); do
    curl -sf -o /dev/null --max-time 1 "$base/healthz" && break
    kill -0 "${PID[$name]}" 2>/dev/null || { echo "events_cost.sh: server $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  for blob in layer config; do
    digest=$LAYER
    [[ $blob == config ]] && digest=$CONFIG
    "$work/bin/blob_push" "$base" "$REPO" "$work/$blob" "$digest" >"$work/push-$name-$blob.out" 2>&1 ||
      { echo "events_cost.sh: pushing $blob failed: $(cat "$work/push-$name-$blob.out")" >&2; exit 1; }
  done
  code=$(curl -sS --max-time 60 -X PUT -H "Content-Type: $MT" --data-binary @"$work/manifest" \
    -o /dev/null -w '%{http_code}' "$base/v2/$REPO/manifests/latest")
  [[ $code == 201 ]] || { echo "events_cost.sh: manifest PUT answered $code" >&2; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[off]}/metrics")
[[ $code == 404 ]] || { echo "events_cost.sh: /metrics of the server without metrics answered $code" >&2; exit 1; }
for _ in $(seq 50); do
  [[ $(curl -s "$SINK/") == *" events=4 "* ]] && break  # the "on" and "pull" servers' push and tag
  sleep 0.1
done
[[ $(curl -s "$SINK/") == *" events=4 "* ]] ||
  { echo "events_cost.sh: the webhook did not get the first pushes' 4 events: $(curl -s "$SINK/")" >&2; exit 1; }

settle() { local n; for n in "${NAMES[@]}"; do wait_idle "${PID[$n]}"; done; }
# per_request TICKS COUNT -> microseconds of server CPU per request
per_request() { awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "-" }'; }

declare -A GET=() GET_CPU=() PUSH=() PUSH_CPU=()
for round in $(seq "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    url=http://127.0.0.1:${PORT[$name]}/v2/$REPO/manifests/latest
    out=$work/get-$name-$round.txt
    timeout 30 wrk -c "$CONNECTIONS" -t 2 -d 2s -H "Accept: $MT" "$url" >/dev/null 2>&1 || true
    settle
    before=$(cpu_ticks "${PID[$name]}")
    timeout $(( DURATION + 30 )) wrk -c "$CONNECTIONS" -t 2 -d "${DURATION}s" -H "Accept: $MT" "$url" \
      >"$out" 2>&1 || true
    wait_idle "${PID[$name]}"  # the CPU the request costs includes delivering its event
    after=$(cpu_ticks "${PID[$name]}")
    read -r rps requests bad < <(awk '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 }
      /Non-2xx|Socket errors/ { bad = 1 } END { print (r == "" ? 0 : r), n + 0, bad + 0 }' "$out")
    [[ $bad == 0 ]] || observe "GET, $name, round $round: $(grep -E 'Non-2xx|Socket errors' "$out" | tr '\n' ' ')"
    us=$(per_request $(( after - before )) "$requests")
    log "round $round, $name: manifest GET $rps req/s, $us us of server CPU per request"
    GET[$name]+="$rps "
    GET_CPU[$name]+="$us "
  done
  for name in "${NAMES[@]}"; do
    out=$work/push-$name-$round.txt
    settle
    before=$(cpu_ticks "${PID[$name]}")
    "$work/bin/small_push" -m -w "$WORKERS" -n "$PUSHES" -s 4096 "http://127.0.0.1:${PORT[$name]}" "$REPO" \
      >"$out" 2>&1 || observe "push, $name, round $round: $(tail -1 "$out")"
    wait_idle "${PID[$name]}"
    after=$(cpu_ticks "${PID[$name]}")
    rate=$(tr ' ' '\n' <"$out" | awk -F= '$1 == "pushes_per_s" { print $2 }')
    pushes=$(tr ' ' '\n' <"$out" | awk -F= '$1 == "pushes" { print $2 }')
    us=$(per_request $(( after - before )) "${pushes:-0}")
    log "round $round, $name: ${rate:-0} image pushes/s, $us us of server CPU per push"
    PUSH[$name]+="${rate:-0} "
    PUSH_CPU[$name]+="$us "
  done
done
settle

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A M=()
for name in "${NAMES[@]}"; do
  M[get-$name]=$(median "${GET[$name]}")
  M[getcpu-$name]=$(median "${GET_CPU[$name]}")
  M[push-$name]=$(median "${PUSH[$name]}")
  M[pushcpu-$name]=$(median "${PUSH_CPU[$name]}")
done
# ratio3 A B -> B / A with three decimals: lib.sh's two would round 0.946 up to a target of 0.95.
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 != 0) printf "%.3f", b / a; else print "-" }'; }
declare -A SHARE=()
for name in on pull; do
  SHARE[get-$name]=$(ratio3 "${M[get-off]}" "${M[get-$name]}")
  SHARE[push-$name]=$(ratio3 "${M[push-off]}" "${M[push-$name]}")
  SHARE[getcpu-$name]=$(ratio3 "${M[getcpu-$name]}" "${M[getcpu-off]}")  # requests per CPU second / off
  SHARE[pushcpu-$name]=$(ratio3 "${M[pushcpu-$name]}" "${M[pushcpu-off]}")
done
recorded() { python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])' "$work/data-$1/metadata.sqlite" 2>/dev/null || echo '?'; }
# verdicts NAME -> the target's verdicts for that server against off
verdicts() {
  echo "Manifest GET: $(verdict "x >= 0.95" "${SHARE[get-$1]}") by req/s (${SHARE[get-$1]}), $(verdict "x >= 0.95" "${SHARE[getcpu-$1]}") by requests per CPU second (${SHARE[getcpu-$1]}). Image push: $(verdict "x >= 0.95" "${SHARE[push-$1]}") by pushes/s (${SHARE[push-$1]}), $(verdict "x >= 0.95" "${SHARE[pushcpu-$1]}") by pushes per CPU second (${SHARE[pushcpu-$1]})."
}
received=$(curl -s "$SINK/")
elapsed=$(( $(date +%s) - started_at ))

section=$(
  echo "<!-- events-cost:begin -->"
  echo "## What metrics and events cost"
  echo
  echo "- command: \`DURATION=$DURATION ROUNDS=$ROUNDS PUSHES=$PUSHES FORMAT=$FORMAT bench/events_cost.sh\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), run took ${elapsed} s; machine: $(nproc) CPUs; load average (1, 5, 15 min) at start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- regmirror: $("$REGMIRROR" --version 2>&1 | head -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')), three servers up for the whole run (SQLite, local storage, \`--no-access-log\`): **off** = \`metrics.enabled: false\`, no events endpoint; **on** = metrics on, one events endpoint (\`format: $FORMAT\`, default actions: every one but pull) on a loopback receiver (\`bench/webhook_sink\`, answers 200 at once); **pull** = the same with \`actions: [push, pull, delete, tag, mirror.fetch, gc.delete]\`; measured in turns, off, on, pull, each after every server went idle (the deliverers done with their last turn's events)"
  echo "- manifest GET: \`wrk -c$CONNECTIONS -t2 -d${DURATION}s\` after a 2 s warm-up (a pull event for the pull server); image push: \`bench/small_push -m -w $WORKERS -n $PUSHES\` (a 4 KiB blob POST + PUT, then a manifest PUT by tag: a push and a tag event, answered once they are in the outbox); CPU = the server's utime+stime per request or push, from the start of the load until the server is idle again (so it includes delivering the events after the load ended)"
  echo
  echo "| | off: per round | median | on: per round | median | on / off | pull: per round | median | pull / off |"
  echo "|---|---|---:|---|---:|---:|---|---:|---:|"
  echo "| manifest GET req/s | ${GET[off]}| ${M[get-off]} | ${GET[on]}| ${M[get-on]} | **${SHARE[get-on]}** | ${GET[pull]}| ${M[get-pull]} | **${SHARE[get-pull]}** |"
  echo "| server CPU per GET, µs | ${GET_CPU[off]}| ${M[getcpu-off]} | ${GET_CPU[on]}| ${M[getcpu-on]} | $(ratio "${M[getcpu-off]}" "${M[getcpu-on]}") | ${GET_CPU[pull]}| ${M[getcpu-pull]} | $(ratio "${M[getcpu-off]}" "${M[getcpu-pull]}") |"
  echo "| image pushes/s | ${PUSH[off]}| ${M[push-off]} | ${PUSH[on]}| ${M[push-on]} | **${SHARE[push-on]}** | ${PUSH[pull]}| ${M[push-pull]} | **${SHARE[push-pull]}** |"
  echo "| server CPU per push, µs | ${PUSH_CPU[off]}| ${M[pushcpu-off]} | ${PUSH_CPU[on]}| ${M[pushcpu-on]} | $(ratio "${M[pushcpu-off]}" "${M[pushcpu-on]}") | ${PUSH_CPU[pull]}| ${M[pushcpu-pull]} | $(ratio "${M[pushcpu-off]}" "${M[pushcpu-pull]}") |"
  echo
  echo "Target: on ≥ 0.95 × off (≤ 5% cost). **on** (default actions): $(verdicts on) **pull** (pull events on): $(verdicts pull) Events recorded: on $(recorded on), pull $(recorded pull); the receiver got $received (POSTs, events, body bytes)."
  if [[ -s $work/observations ]]; then
    echo
    echo "Observations:"
    sed 's/^/- /' "$work/observations"
  fi
  echo "<!-- events-cost:end -->"
)
if [[ $OUT != - ]]; then replace_section "$OUT" events-cost "$section"; fi
echo "$section"
