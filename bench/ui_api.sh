#!/usr/bin/env bash
# The web UI's reads at 10,000 repositories: regmirror and docker-registry each filled with
# REPOS repositories of one small image (bench/gc_fill), then GET req/s and latency
# (bench/head_load -m GET) of
#   - regmirror's repository search (GET /regmirror/v1/repositories?q=...&n=50): the first
#     page, a query no name matches (every name is read and filtered), a query matching the
#     last repository only;
#   - the catalog pages both serve (GET /v2/_catalog?n=50, and ?n=1000, the largest page
#     docker-registry gives): the whole catalog in pages of 1000 is what a script, or a UI
#     over docker-registry such as joxit's, reads to filter names itself;
#   - the per-repository views (tags, manifest) the UI shows for an image;
# and the time to load the UI's page with all its assets (curl, sequential, 20 times).
# Writes the section between <!-- ui-api:begin --> and <!-- ui-api:end --> of bench/RESULTS.md.
#
#   bench/ui_api.sh                         # 10,000 repositories: about 10 minutes
#   REPOS=500 DURATION=3 OUT=- bench/ui_api.sh   # a quick check
#
# Environment (all optional): REPOS=10000, DURATION=10 (seconds per measurement, after a 2 s
# warm-up), CONNECTIONS=16, WORKERS=16 (the filler's connections), PEER=1 (0 skips
# docker-registry), REGMIRROR, OUT (- prints only), KEEP=1 (keep the temp dir).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
PEER_BIN=$(command -v docker-registry || true)
REPOS=${REPOS:-10000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=${WORKERS:-16}
PEER=${PEER:-1}
OUT=${OUT:-$here/RESULTS.md}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-3600}

for tool in curl g++ openssl python3 awk; do
  command -v "$tool" >/dev/null || { echo "ui_api.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "ui_api.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }
if [[ $PEER == 1 && ! -x $PEER_BIN ]]; then
  echo "ui_api.sh: docker-registry not found (apt install docker-registry), or PEER=0" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-ui-bench.XXXXXX")
started_at=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A PID=()
trap_cleanup ui_api.sh
start_watchdog "$WATCHDOG_SECONDS" ui_api.sh

log "compiling gc_fill, head_load into $work/bin"
compile_clients "$work/bin" gc_fill head_load || exit 2
HEAD_LOAD=$work/bin/head_load
MT=application/json

fill() {  # fill NAME URL: one image per repository bench/rN, tagged t<N>
  log "filling $1 with $REPOS repositories"
  "$work/bin/gc_fill" -w "$WORKERS" -n "$REPOS" -g 0 -r "$REPOS" --seed 7 "$2" bench \
    >"$work/fill-$1.txt" 2>&1 || { echo "ui_api.sh: filling $1 failed:" >&2; cat "$work/fill-$1.txt" >&2; exit 1; }
  log "filled $1: $(head -1 "$work/fill-$1.txt")"
}

declare -a ROWS=()
measure() {  # measure LABEL PIDNAME URL -> a table row; sets RPS
  local label=$1 name=$2 url=$3 rps p50 p99 bad
  SETTLE_PID=${PID[$name]}
  read -r rps p50 p99 bad < <(head_run "$work/load-${#ROWS[@]}.txt" "$url" -m GET)
  [[ $bad == 0 ]] || observe "$label: $bad failed requests"
  ROWS+=("| $label | $rps | $p50 | $p99 |")
  log "$label: $rps req/s, p50 $p50 ms, p99 $p99 ms"
  RPS=$rps
}

# --- regmirror -----------------------------------------------------------------------------
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
"$REGMIRROR" serve --listen "127.0.0.1:$PORT" --storage "$work/regmirror-data" \
  --no-access-log --log-level warn >>"$work/regmirror.log" 2>&1 &
PID[regmirror]=$!
wait_up regmirror "$BASE/healthz"
fill regmirror "$BASE"

# The last repository in byte order: a search for its own last component matches it alone.
LAST=$(curl -sf "$BASE/v2/_catalog?n=10000" | python3 -c 'import json,sys; print(json.load(sys.stdin)["repositories"][-1])')
LAST_Q=${LAST##*/}
sample=$(curl -sf "$BASE/v2/$LAST/tags/list" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tags"][0])')
[[ -n $sample ]] || { echo "ui_api.sh: $LAST has no tag" >&2; exit 1; }
found=$(curl -sf "$BASE/regmirror/v1/repositories?q=$LAST_Q&n=50" |
  python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin)["repositories"]))')
[[ $found == "$LAST" ]] || observe "search for $LAST_Q found '$found', not $LAST"
REPOS_HELD=$(curl -sf "$BASE/v2/_catalog?n=10000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["repositories"]))')

measure "regmirror: search, first page (\`repositories?n=50\`)" regmirror "$BASE/regmirror/v1/repositories?n=50"
measure "regmirror: search matching nothing (\`repositories?q=nomatch&n=50\`: all $REPOS_HELD names read)" \
  regmirror "$BASE/regmirror/v1/repositories?q=nomatch&n=50"
SEARCH_ALL=$RPS
measure "regmirror: search matching the last name only (\`q=$LAST_Q\`)" \
  regmirror "$BASE/regmirror/v1/repositories?q=$LAST_Q&n=50"
measure "regmirror: catalog page (\`/v2/_catalog?n=50\`)" regmirror "$BASE/v2/_catalog?n=50"
RM_PAGE=$RPS
measure "regmirror: catalog page of 1000 (\`/v2/_catalog?n=1000\`)" regmirror "$BASE/v2/_catalog?n=1000"
RM_BIG=$RPS
measure "regmirror: a repository's tags (\`repositories/$LAST/tags\`)" regmirror \
  "$BASE/regmirror/v1/repositories/$LAST/tags"
measure "regmirror: an image (\`repositories/$LAST/manifests/$sample\`)" regmirror \
  "$BASE/regmirror/v1/repositories/$LAST/manifests/$sample"

# The page and every asset it needs (those index.html names, and the modules they import), one
# after the other as a first visit would fetch them.
assets=$(curl -sf "$BASE/" | grep -o '/ui/assets/[^"]*' | sort -u)
for _ in 1 2 3; do
  for path in $assets; do
    [[ $path == *.js ]] || continue
    curl -sf "$BASE$path" | { grep -o 'from "\./[^"]*"' || true; } | sed 's|from "\./|/ui/assets/|; s|"$||'
  done >"$work/imports"
  assets=$(printf '%s\n' $assets $(cat "$work/imports") | sort -u)
done
page_ms() {
  local total=0 t
  for _ in $(seq 20); do
    for path in / $assets; do
      t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE$path")
      total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
    done
  done
  awk -v t="$total" 'BEGIN { printf "%.1f", t * 1000 / 20 }'
}
PAGE_MS=$(page_ms)
PAGE_BYTES=$(for path in / $assets; do curl -s "$BASE$path"; done | wc -c)
log "the UI page: $PAGE_MS ms for $(wc -w <<<"/ $assets") files, $PAGE_BYTES bytes"
stop_pid "${PID[regmirror]}"
unset 'PID[regmirror]'

# --- docker-registry -----------------------------------------------------------------------
PEER_PAGE="" PEER_BIG=""
if [[ $PEER == 1 ]]; then
  PPORT=$(free_port)
  write_peer_config "$work/peer.yml" "$PPORT" "$work/peer-data"
  "$PEER_BIN" serve "$work/peer.yml" >>"$work/peer.log" 2>&1 &
  PID[peer]=$!
  wait_up peer "http://127.0.0.1:$PPORT/v2/"
  fill peer "http://127.0.0.1:$PPORT"
  measure "docker-registry: catalog page (\`/v2/_catalog?n=50\`)" peer "http://127.0.0.1:$PPORT/v2/_catalog?n=50"
  PEER_PAGE=$RPS
  measure "docker-registry: catalog page of 1000 (\`/v2/_catalog?n=1000\`)" peer \
    "http://127.0.0.1:$PPORT/v2/_catalog?n=1000"
  PEER_BIG=$RPS
fi

section=$(
  echo "<!-- ui-api:begin -->"
  echo "## The web UI's reads at $REPOS repositories (bench/ui_api.sh)"
  echo
  echo "\`bench/ui_api.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load at start $LOAD_AT_START;"
  echo "\`head_load -m GET -c $CONNECTIONS -t 2 -d $DURATION\` after a 2 s warm-up, each server"
  echo "filled by \`gc_fill\` with one small image per repository."
  echo
  echo "| request | req/s | p50 ms | p99 ms |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "- A search that reads every one of the $REPOS_HELD names (no match): $SEARCH_ALL req/s."
  if [[ -n $PEER_BIG ]]; then
    pages=$(( (REPOS_HELD + 999) / 1000 ))
    echo "- Searching docker-registry means reading its whole catalog, $pages page(s) of 1000:"
    echo "  $(awk -v r="$PEER_BIG" -v p="$pages" 'BEGIN { printf "%.1f", 1000 * p / r }') ms of its time per search at the rate above, against"
    echo "  $(awk -v r="$SEARCH_ALL" 'BEGIN { printf "%.2f", 1000 / r }') ms for regmirror's search matching nothing (req/s $(ratio "$PEER_BIG" "$SEARCH_ALL")× a"
    echo "  docker-registry page of 1000)."
    echo "- Catalog pages: of 50, regmirror $(ratio "$PEER_PAGE" "$RM_PAGE")× docker-registry; of 1000,"
    echo "  $(ratio "$PEER_BIG" "$RM_BIG")×."
  fi
  echo "- The UI's page with its assets, fetched one after the other (curl, mean of 20): $PAGE_MS ms,"
  echo "  $PAGE_BYTES bytes."
  if [[ -s $work/observations ]]; then
    echo "- Observations: $(paste -sd';' "$work/observations")"
  fi
  echo "<!-- ui-api:end -->"
)
echo "$section"
if [[ $OUT != - ]]; then replace_section "$OUT" ui-api "$section"; fi
