#!/usr/bin/env bash
# Online garbage collection under load: a regmirror store (SQLite, local storage) filled with
# IMAGES small images (a config and 4 layers of 100 B to 4 KiB each, all their own; a fifth
# of them pushed by digest only, so they and their blobs are garbage), then manifest HEAD
# req/s and p99 (bench/head_load) without GC and while `regmirror gc --grace $GRACE` runs over
# the store, run after run until the window ends, in ROUNDS alternating pairs. The first run
# of the first pair meets the whole garbage: its time, what it removed and freed are checked
# against what the filler pushed. The peer reference: docker-registry filled with the same
# bytes, stopped (its garbage collector works offline only), then
# `docker-registry garbage-collect --delete-untagged`, timed.
# Writes the section between <!-- gc:begin --> and <!-- gc:end --> of bench/RESULTS.md.
#
#   bench/gc.sh                         # 10,000 images, 50,000 blobs: about 10 minutes
#   SCALE=0.05 DURATION=3 ROUNDS=1 OUT=- bench/gc.sh   # a quick check, under a minute
#
# Environment (all optional):
#   SCALE=1          IMAGES = 10000 x SCALE, repositories = 100 x SCALE (at least 1)
#   DURATION=15      seconds per HEAD measurement (after a 2 s warm-up)
#   ROUNDS=3         pairs of measurements (without GC, with GC)
#   CONNECTIONS=64   HEAD load's keep-alive connections
#   WORKERS=16       the filler's connections (limits.uploads.per_client is 16 by default)
#   GRACE=1s         regmirror gc --grace (the smallest it accepts)
#   GC_VIA=cli       cli: `regmirror gc` beside the server; http: POST /regmirror/v1/gc (the
#                    server's own gc.grace is then GRACE)
#   PEER_GC=1        0 skips the docker-registry reference
#   REGMIRROR, PEER, OUT (- prints only), KEEP=1 (keep the temp dir)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
PEER=${PEER:-$(command -v docker-registry || true)}
SCALE=${SCALE:-1}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-16}
GRACE=${GRACE:-1s}
GC_VIA=${GC_VIA:-cli}
PEER_GC=${PEER_GC:-1}
OUT=${OUT:-$here/RESULTS.md}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-3600}
IMAGES=$(awk -v s="$SCALE" 'BEGIN { n = int(10000 * s + 0.5); print (n < 10 ? 10 : n) }')
GARBAGE=$(( IMAGES / 5 ))
REPOS=$(awk -v s="$SCALE" 'BEGIN { n = int(100 * s + 0.5); print (n < 1 ? 1 : n) }')
SEED=13

for tool in curl g++ openssl python3 awk /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "gc.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "gc.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }
[[ $GC_VIA == cli || $GC_VIA == http ]] || { echo "gc.sh: GC_VIA is cli or http" >&2; exit 2; }
if [[ $PEER_GC == 1 && ! -x $PEER ]]; then
  echo "gc.sh: docker-registry not found (apt install docker-registry), or PEER_GC=0" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-gc-bench.XXXXXX")
started_at=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A PID=()
trap_cleanup gc.sh
start_watchdog "$WATCHDOG_SECONDS" gc.sh

log "compiling gc_fill, head_load into $work/bin"
compile_clients "$work/bin" gc_fill head_load || exit 2
HEAD_LOAD=$work/bin/head_load
MT=application/vnd.oci.image.manifest.v1+json

# kv FILE KEY: the value of KEY=value in a key=value line.
kv() { tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }'; }
# json FILE KEY: a top-level number of a JSON object.
json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
blob_files() { find "$1" -type f 2>/dev/null | wc -l; }
mib() { du -sb "$1" | awk '{ printf "%.1f", $1 / 1048576 }'; }

fill() {  # fill NAME URL -> $work/fill-NAME.txt
  log "filling ${1}: $IMAGES images ($GARBAGE garbage) in $REPOS repositories, $WORKERS connections"
  "$work/bin/gc_fill" -w "$WORKERS" -n "$IMAGES" -g "$GARBAGE" -r "$REPOS" --seed "$SEED" \
    "$2" bench >"$work/fill-$1.txt" 2>&1 || { echo "gc.sh: filling $1 failed:" >&2; cat "$work/fill-$1.txt" >&2; exit 1; }
  log "filled $1: $(head -1 "$work/fill-$1.txt")"
}

# --- regmirror ---------------------------------------------------------------------------
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
DATA=$work/regmirror-data
# No schedule: the only runs are this script's. gc.grace matters for GC_VIA=http.
printf 'gc:\n  schedule: ""\n  grace: %s\n' "$GRACE" >"$work/regmirror.yml"
"$REGMIRROR" serve --config "$work/regmirror.yml" --listen "127.0.0.1:$PORT" --storage "$DATA" \
  --no-access-log --log-level warn >>"$work/regmirror.log" 2>&1 &
PID[regmirror]=$!
wait_up regmirror "$BASE/healthz"
fill regmirror "$BASE"
FILL_RM=$(kv "$work/fill-regmirror.txt" seconds)
FILL_REQUESTS=$(kv "$work/fill-regmirror.txt" requests)
SAMPLE=$(kv "$work/fill-regmirror.txt" sample)
HEAD_URL=$BASE/v2/${SAMPLE%%:*}/manifests/${SAMPLE##*:}
BLOB_FILES_BEFORE=$(blob_files "$DATA/blobs")
DATA_MIB_BEFORE=$(mib "$DATA")

# One collection: its JSON report in FILE, its wall seconds on stdout.
gc_once() {
  local file=$1 t0 t1
  t0=$(date +%s.%N)
  if [[ $GC_VIA == cli ]]; then
    /usr/bin/time -f '%U %S' -o "$file.time" \
      "$REGMIRROR" gc --config "$work/regmirror.yml" --storage "$DATA" --grace "$GRACE" --json \
      >"$file" 2>"$file.err" || { echo "gc.sh: regmirror gc failed: $(cat "$file.err")" >&2; return 1; }
  else
    curl -sS --fail-with-body --max-time 3600 -X POST -d '{}' "$BASE/regmirror/v1/gc" >"$file" ||
      { echo "gc.sh: POST /regmirror/v1/gc failed: $(cat "$file")" >&2; return 1; }
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# head_measure OUT -> "rps p99 errors", after a 2 s warm-up.
head_measure() {
  timeout $(( DURATION + 30 )) "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d "$DURATION" -H "Accept: $MT" \
    "$HEAD_URL" >"$1" 2>&1 || true
  awk '{ for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
       END { if (v["rps"] == "") print "0 0 1"; else printf "%s %s %d\n", v["rps"], v["p99_ms"], v["non2xx"] + v["errors"] }' "$1"
}
warm_up() { timeout 30 "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d 2 -H "Accept: $MT" "$HEAD_URL" >/dev/null 2>&1 || true; }

declare -a OFF_RPS=() OFF_P99=() ON_RPS=() ON_P99=() ROWS=()
FIRST_SECONDS="" ALL_RUNS=0
for round in $(seq "$ROUNDS"); do
  warm_up
  wait_idle "${PID[regmirror]}"
  read -r rps p99 bad < <(head_measure "$work/head-off-$round.txt")
  [[ $bad == 0 ]] || observe "round $round without GC: $bad failed HEADs"
  OFF_RPS+=("$rps") OFF_P99+=("$p99")
  log "round $round without GC: $rps req/s, p99 $p99 ms"

  warm_up
  wait_idle "${PID[regmirror]}"
  head_measure "$work/head-on-$round.txt" >"$work/head-on-$round.sum" &
  load_pid=$!
  runs=0 run_seconds=""
  while kill -0 "$load_pid" 2>/dev/null; do
    runs=$(( runs + 1 ))
    seconds=$(gc_once "$work/gc-$round-$runs.json") || exit 1
    run_seconds+="$seconds "
    if [[ -z $FIRST_SECONDS ]]; then
      FIRST_SECONDS=$seconds
      cp "$work/gc-$round-$runs.json" "$work/gc-first.json"
      if [[ -f $work/gc-$round-$runs.json.time ]]; then
        cp "$work/gc-$round-$runs.json.time" "$work/gc-first.json.time"
      fi
    fi
  done
  wait "$load_pid"
  ALL_RUNS=$(( ALL_RUNS + runs ))
  read -r rps p99 bad <"$work/head-on-$round.sum"
  [[ $bad == 0 ]] || observe "round $round with GC: $bad failed HEADs"
  ON_RPS+=("$rps") ON_P99+=("$p99")
  ROWS+=("| $round | ${OFF_RPS[-1]} | ${OFF_P99[-1]} | $rps | $p99 | $runs (${run_seconds% }) |")
  log "round $round with GC: $rps req/s, p99 $p99 ms; $runs runs (${run_seconds}s)"
done

FIRST=$work/gc-first.json
GC_MANIFESTS=$(json "$FIRST" manifests_removed)
GC_BLOBS=$(json "$FIRST" blobs_removed)
GC_LINKS=$(json "$FIRST" links_removed)
GC_FREED=$(json "$FIRST" bytes_freed)
GC_MS=$(json "$FIRST" duration_ms)
# The first run's CPU seconds (user + system; GC_VIA=cli only): the rest of its wall time it
# waited, mostly for a CPU, which the HEAD load and the server keep busy.
GC_CPU=$(awk '{ printf "%.2f s CPU", $1 + $2 }' "$work/gc-first.json.time" 2>/dev/null || echo "CPU not measured")
WANT_MANIFESTS=$(kv "$work/fill-regmirror.txt" garbage_images)
WANT_BLOBS=$(kv "$work/fill-regmirror.txt" garbage_blobs)
WANT_BYTES=$(kv "$work/fill-regmirror.txt" garbage_bytes)
# Removed afterwards by any run: what the first left (a run keeps what is younger than grace).
LATER_MANIFESTS=$(cat "$work"/gc-*-*.json | python3 -c '
import json, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
print(sum(r["manifests_removed"] for r in runs))')
code=$(curl -s -o /dev/null -w '%{http_code}' -I -H "Accept: $MT" "$HEAD_URL")
[[ $code == 200 ]] || observe "the sample image $SAMPLE answers $code after GC"
(( GC_MANIFESTS == WANT_MANIFESTS )) ||
  observe "the first GC run removed $GC_MANIFESTS manifests, $WANT_MANIFESTS are garbage (all runs: $LATER_MANIFESTS)"
(( GC_BLOBS >= WANT_BLOBS )) || observe "the first GC run removed $GC_BLOBS blobs, $WANT_BLOBS are garbage"
BLOB_FILES_AFTER=$(blob_files "$DATA/blobs")
DATA_MIB_AFTER=$(mib "$DATA")
RM_VERSION=$("$REGMIRROR" --version 2>&1 | head -1)
stop_pid "${PID[regmirror]}"
unset 'PID[regmirror]'

OFF=$(median "${OFF_RPS[*]}")
ON=$(median "${ON_RPS[*]}")
OFF99=$(median "${OFF_P99[*]}")
ON99=$(median "${ON_P99[*]}")
DROP=$(awk -v a="$OFF" -v b="$ON" 'BEGIN { if (a > 0) printf "%.1f", (1 - b / a) * 100; else print "-" }')
P99_RATIO=$(ratio "$OFF99" "$ON99")

# --- docker-registry, offline ------------------------------------------------------------
PEER_ROW="not measured (PEER_GC=0)"
if [[ $PEER_GC == 1 ]]; then
  PEER_PORT=$(free_port)
  PEER_DATA=$work/peer-data
  mkdir -p "$PEER_DATA"
  write_peer_config "$work/peer.yml" "$PEER_PORT" "$PEER_DATA"
  "$PEER" serve "$work/peer.yml" >>"$work/peer.log" 2>&1 &
  PID[peer]=$!
  wait_up peer "http://127.0.0.1:$PEER_PORT/v2/"
  fill peer "http://127.0.0.1:$PEER_PORT"
  FILL_PEER=$(kv "$work/fill-peer.txt" seconds)
  FILL_PEER_REQUESTS=$(kv "$work/fill-peer.txt" requests)
  stop_pid "${PID[peer]}"   # garbage-collect needs the registry stopped (or read-only)
  unset 'PID[peer]'
  PEER_BLOBS=$PEER_DATA/docker/registry/v2/blobs
  PEER_FILES_BEFORE=$(blob_files "$PEER_BLOBS")
  PEER_MIB_BEFORE=$(mib "$PEER_DATA")
  log "docker-registry garbage-collect --delete-untagged"
  t0=$(date +%s.%N)
  /usr/bin/time -f '%e s wall, %U s user, %S s system, %M KiB max RSS' -o "$work/peer-gc.time" \
    "$PEER" garbage-collect --delete-untagged "$work/peer.yml" >"$work/peer-gc.out" 2>&1 ||
    observe "docker-registry garbage-collect failed: $(tail -3 "$work/peer-gc.out" | tr '\n' ' ')"
  t1=$(date +%s.%N)
  PEER_GC_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  PEER_SUMMARY=$(grep -E 'blobs marked' "$work/peer-gc.out" | tail -1 | sed 's/.*msg="\{0,1\}//; s/"$//')
  PEER_FILES_AFTER=$(blob_files "$PEER_BLOBS")
  PEER_MIB_AFTER=$(mib "$PEER_DATA")
  PEER_ROW="$PEER_GC_SECONDS s ($(cat "$work/peer-gc.time")); its summary: \"$PEER_SUMMARY\"; files under blobs/: $PEER_FILES_BEFORE → $PEER_FILES_AFTER, storage $PEER_MIB_BEFORE → $PEER_MIB_AFTER MiB"
fi

# --- report ------------------------------------------------------------------------------
elapsed=$(( $(date +%s) - started_at ))
gc_how="\`regmirror gc --grace $GRACE --json\` (its own process, on the server's storage and SQLite database)"
[[ $GC_VIA == http ]] && gc_how="\`POST /regmirror/v1/gc\` (in the server, gc.grace $GRACE)"
section=$(
  echo "<!-- gc:begin -->"
  echo "## Online garbage collection under load"
  echo
  echo "- command: \`SCALE=$SCALE DURATION=$DURATION ROUNDS=$ROUNDS GRACE=$GRACE GC_VIA=$GC_VIA bench/gc.sh\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), run took ${elapsed} s; machine: $(nproc) CPUs; load average (1, 5, 15 min) at start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- regmirror: $RM_VERSION ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')), \`serve --no-access-log\`, SQLite, local storage; docker-registry: $("${PEER:-echo}" --version 2>&1 | head -1)"
  echo "- store: $IMAGES images in $REPOS repositories (\`bench/gc_fill\`: a config and 4 layers of 100 B–4 KiB each, all distinct), $(kv "$work/fill-regmirror.txt" blobs) blobs, $(kv "$work/fill-regmirror.txt" bytes) bytes of blobs; $WANT_MANIFESTS images pushed by digest only are garbage with their $WANT_BLOBS blobs ($WANT_BYTES bytes)"
  echo
  echo "| | regmirror | docker-registry |"
  echo "|---|---|---|"
  echo "| fill ($WORKERS keep-alive connections) | $FILL_RM s, $FILL_REQUESTS requests (monolithic \`POST ?digest=\`), $(awk -v n="$IMAGES" -v s="$FILL_RM" 'BEGIN { printf "%.0f", n / s }') images/s | ${FILL_PEER:-–} s, ${FILL_PEER_REQUESTS:-–} requests (POST, then PUT: it ignores a POST's body), $(awk -v n="$IMAGES" -v s="${FILL_PEER:-0}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "–" }') images/s |"
  echo "| GC over the full garbage | **$FIRST_SECONDS s** wall (report: $GC_MS ms; $GC_CPU), online, under HEAD load: removed $GC_MANIFESTS manifests, $GC_BLOBS blobs, $GC_LINKS links, freed $GC_FREED bytes; files under blobs/: $BLOB_FILES_BEFORE → $BLOB_FILES_AFTER, storage $DATA_MIB_BEFORE → $DATA_MIB_AFTER MiB | offline (stopped): ${PEER_ROW} |"
  echo
  echo "Manifest HEAD (\`bench/head_load\`, $CONNECTIONS keep-alive connections, ${DURATION} s after a 2 s warm-up, one kept tag) without GC and while GC runs, run after run until the window ends ($gc_how); pairs in turns:"
  echo
  echo "| round | without GC: req/s | p99 ms | with GC: req/s | p99 ms | GC runs in the window (wall s each) |"
  echo "|---|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo "| **median** | **$OFF** | **$OFF99** | **$ON** | **$ON99** | $ALL_RUNS runs |"
  echo
  echo "req/s drop while GC runs: **${DROP}%** (target ≤ 20%: $(verdict "x <= 20" "$DROP")); p99 with / without GC: **$P99_RATIO×**."
  if [[ -s $work/observations ]]; then
    echo
    echo "Observations:"
    sed 's/^/- /' "$work/observations"
  fi
  echo "<!-- gc:end -->"
)
if [[ $OUT != - ]]; then replace_section "$OUT" gc "$section"; fi
echo "$section"
