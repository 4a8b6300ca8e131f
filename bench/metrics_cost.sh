#!/usr/bin/env bash
# What metrics cost on the hottest path: manifest HEAD req/s (head_load, keep-alive
# connections) of one regmirror with `metrics.enabled: false` and one with the default
# (`true`), both up for the whole run and measured in turns, ROUNDS times each, and the
# server's CPU time per request (utime+stime over the requests answered), which a machine busy
# with other work disturbs less than req/s. Prints each round, the medians and their ratios
# (target: metrics on >= 0.95 of off). The access log is off in both, as in the other HEAD
# measurements.
#
#   bench/metrics_cost.sh
#
# Environment (all optional):
#   REGMIRROR=path   the binary (default build/src/cli/regmirror)
#   DURATION=10      seconds per measurement (plus a 2 s warm-up)
#   CONNECTIONS=64   keep-alive connections
#   ROUNDS=3         measurements of each server, alternating
#   KEEP=1           keep the temp dir (logs, raw head_load output)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-900}

for tool in curl g++ openssl python3 awk; do
  command -v "$tool" >/dev/null || { echo "metrics_cost.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "metrics_cost.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-metrics-bench.XXXXXX")
started_at=$(date +%s)
declare -A PID=() PORT=()
trap_cleanup metrics_cost.sh
start_watchdog "$WATCHDOG_SECONDS" metrics_cost.sh

log "compiling head_load, blob_push into $work/bin"
compile_clients "$work/bin" head_load blob_push || exit 2
HEAD_LOAD=$work/bin/head_load
BLOB_PUSH=$work/bin/blob_push
make_small_image "$work"
REPO=bench/app

NAMES=(off on)
for name in "${NAMES[@]}"; do
  enabled=false
  [[ $name == on ]] && enabled=true
  printf 'metrics:\n  enabled: %s\n' "$enabled" >"$work/$name.yml"
  PORT[$name]=$(free_port)
  "$REGMIRROR" serve --config "$work/$name.yml" --listen "127.0.0.1:${PORT[$name]}" \
    --storage "$work/data-$name" --no-access-log --log-level warn >>"$work/$name.log" 2>&1 &
  PID[$name]=$!
  base=http://127.0.0.1:${PORT[$name]}
  for _ in $(seq 100); do
    curl -sf -o /dev/null --max-time 1 "$base/healthz" && break
    kill -0 "${PID[$name]}" 2>/dev/null || { echo "metrics_cost.sh: metrics $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  for blob in layer config; do
    digest=$LAYER
    [[ $blob == config ]] && digest=$CONFIG
    "$BLOB_PUSH" "$base" "$REPO" "$work/$blob" "$digest" >"$work/push-$name-$blob.out" 2>&1 ||
      { echo "metrics_cost.sh: pushing $blob failed: $(cat "$work/push-$name-$blob.out")" >&2; exit 1; }
  done
  code=$(curl -sS --max-time 60 -X PUT -H "Content-Type: $MT" --data-binary @"$work/manifest" \
    -o /dev/null -w '%{http_code}' "$base/v2/$REPO/manifests/latest")
  [[ $code == 201 ]] || { echo "metrics_cost.sh: manifest PUT answered $code" >&2; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[off]}/metrics")
[[ $code == 404 ]] || { echo "metrics_cost.sh: /metrics of the server without metrics answered $code" >&2; exit 1; }

declare -A RUNS=() CPU=()
for round in $(seq "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    url=http://127.0.0.1:${PORT[$name]}/v2/$REPO/manifests/latest
    out=$work/head-$name-$round.txt
    timeout 30 "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d 2 -H "Accept: $MT" "$url" >/dev/null 2>&1 || true
    wait_idle "${PID[$name]}"
    before=$(cpu_ticks "${PID[$name]}")
    timeout $(( DURATION + 30 )) "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d "$DURATION" -H "Accept: $MT" "$url" \
      >"$out" 2>&1 || true
    after=$(cpu_ticks "${PID[$name]}")
    read -r rps requests bad < <(awk '{ for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { if (v["rps"] == "") print "0 0 1"; else print v["rps"], v["requests"], v["non2xx"] + v["errors"] }' "$out")
    [[ $bad == 0 ]] || observe "metrics $name, round $round: $bad failed requests"
    us=$(awk -v t=$(( after - before )) -v hz="$CLK_TCK" -v n="$requests" \
      'BEGIN { if (n > 0) printf "%.2f", t / hz * 1e6 / n; else print "-" }')
    log "round $round, metrics $name: $rps req/s, $us us of server CPU per request"
    RUNS[$name]+="$rps "
    CPU[$name]+="$us "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
off=$(median "${RUNS[off]}")
on=$(median "${RUNS[on]}")
share=$(ratio "$off" "$on")
cpu_off=$(median "${CPU[off]}")
cpu_on=$(median "${CPU[on]}")
cpu_share=$(ratio "$cpu_on" "$cpu_off")
scraped=$(curl -s "http://127.0.0.1:${PORT[on]}/metrics" |
  awk '/^regmirror_http_requests_total\{route="manifest",method="HEAD",code="200"\}/ { print $2 }')
cat <<EOF

Manifest HEAD, $CONNECTIONS keep-alive connections, ${DURATION}s x $ROUNDS rounds each, access log off
($(nproc) cores, load at start $(cut -d' ' -f1-3 /proc/loadavg)):

| metrics.enabled | req/s per round | median | server CPU per request, us | median |
|---|---|---|---|---|
| false | ${RUNS[off]}| $off | ${CPU[off]}| $cpu_off |
| true | ${RUNS[on]}| $on | ${CPU[on]}| $cpu_on |

req/s on / off = **$share**; requests per CPU second on / off = **$cpu_share** (target >= 0.95:
$(verdict "x >= 0.95" "$share") by req/s, $(verdict "x >= 0.95" "$cpu_share") by CPU); the server
with metrics counted $scraped manifest HEADs answered 200.
EOF
