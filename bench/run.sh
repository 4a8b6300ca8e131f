#!/usr/bin/env bash
# regmirror vs docker-registry (CNCF distribution 2.8), side by side on loopback, one run.
# Every scenario measures docker-registry first, then regmirror, on servers that both stay up
# for the whole run. Results: Markdown tables on stdout and in bench/RESULTS.md.
#
#   bench/run.sh                      # or: make bench
#
# Environment (all optional):
#   REGMIRROR=path     the binary (default build/src/cli/regmirror)
#   PEER=path          docker-registry binary (default: docker-registry on PATH)
#   DURATION=10        seconds per metadata measurement (plus a 2 s warm-up)
#   CONNECTIONS=64     connections for metadata load
#   MANY=2000          connections for the many-connections run (wrk --timeout MANY_TIMEOUT=10)
#   BIG_MIB=1024       size of the large blob
#   OUT=path           where to write the report (default bench/RESULTS.md)
#   KEEP=1             keep the temp dir (data, logs, raw tool output)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
PEER=${PEER:-$(command -v docker-registry || true)}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
MANY=${MANY:-2000}
MANY_TIMEOUT=${MANY_TIMEOUT:-10}
BIG_MIB=${BIG_MIB:-1024}
CHUNK_MIB=16
SMALL_PUSHES=200
SMALL_WORKERS=8
SMALL_ROUNDS=3
GET_ROUNDS=3
OUT=${OUT:-$here/RESULTS.md}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-1200}

for tool in wrk curl g++ openssl python3 awk /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "run.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }
[[ -n $PEER && -x $PEER ]] || { echo "run.sh: docker-registry not found (apt install docker-registry)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-bench.XXXXXX")
declare -A PID=()        # server name -> pid
declare -A PORT=()
declare -A HWM=()        # server name -> peak VmHWM seen (kB)
declare -A CPU_SEEN=()
watchdog_pid=""
started_at=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

stop_server() {
  stop_pid "${PID[$1]:-}"
  PID[$1]=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for name in "${!PID[@]}"; do stop_server "$name"; done
  [[ -n $watchdog_pid ]] && kill "$watchdog_pid" 2>/dev/null
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM
start_watchdog "$WATCHDOG_SECONDS" run.sh

# --- tools -------------------------------------------------------------------------------
log "compiling head_load, small_push, blob_push, sendfile_serve into $work/bin"
compile_clients "$work/bin" head_load small_push blob_push sendfile_serve || exit 2
HEAD_LOAD=$work/bin/head_load
SMALL_PUSH=$work/bin/small_push
BLOB_PUSH=$work/bin/blob_push

# --- servers -----------------------------------------------------------------------------
NAMES=(peer regmirror)
declare -A LABEL=([peer]=docker-registry [regmirror]=regmirror [ceiling]=sendfile_serve)

start_server() {
  local name=$1
  local port=${PORT[$name]:-$(free_port)}
  PORT[$name]=$port
  if [[ $name == peer ]]; then
    mkdir -p "$work/peer-data"
    write_peer_config "$work/peer.yml" "$port" "$work/peer-data"
    "$PEER" serve "$work/peer.yml" >>"$work/peer.log" 2>&1 &
  else
    "$REGMIRROR" serve --listen "127.0.0.1:$port" --storage "$work/regmirror-data" \
      --no-access-log >>"$work/regmirror.log" 2>&1 &
  fi
  PID[$name]=$!
  local probe=/healthz
  [[ $name == peer ]] && probe=/v2/
  for _ in $(seq 100); do
    if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port$probe"; then return 0; fi
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "run.sh: ${LABEL[$name]} did not come up; log:" >&2
  tail -20 "$work/$name.log" >&2
  exit 1
}

url() { echo "http://127.0.0.1:${PORT[$1]}"; }

sample_rss() {
  local name hwm
  for name in "${NAMES[@]}"; do
    [[ -n ${PID[$name]} ]] || continue
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/${PID[$name]}/status" 2>/dev/null || echo 0)
    hwm=${hwm:-0}
    (( hwm > ${HWM[$name]:-0} )) && HWM[$name]=$hwm
  done
  return 0
}

# After each measurement: is the server still up? If not, say so and start it again on
# the same storage, so the remaining scenarios still run.
check_alive() {
  local name=$1 what=$2 status
  if ! kill -0 "${PID[$name]}" 2>/dev/null; then
    wait "${PID[$name]}" && status=0 || status=$?
    observe "${LABEL[$name]} DIED during '$what' (exit status $status); last log lines: $(tail -3 "$work/$name.log" | tr '\n' ' ')"
    CRASHED[$name]=1
    PID[$name]=""
    start_server "$name"
    return 1
  fi
  return 0
}
declare -A CRASHED=()

# --- report ------------------------------------------------------------------------------
REPORT=()
section() { REPORT+=("" "### $1" ""); }
table_head() {
  REPORT+=("| metric | docker-registry | regmirror | ratio (regmirror / docker-registry) | target | |")
  REPORT+=("|---|---:|---:|---:|---|---|")
}
# row METRIC PEER_VALUE RM_VALUE TARGET VERDICT
row() { REPORT+=("| $1 | $2 | $3 | $(ratio "$2" "$3") | ${4:-} | ${5:-} |"); }
note() { REPORT+=("$@"); }

# --- data --------------------------------------------------------------------------------
for name in "${NAMES[@]}"; do start_server "$name"; done
log "docker-registry on $(url peer) (pid ${PID[peer]}), regmirror on $(url regmirror) (pid ${PID[regmirror]})"

log "preparing data: two ${BIG_MIB} MiB random files, a small image, 100 tags"
head -c $(( BIG_MIB << 20 )) /dev/urandom >"$work/big1" & making=($!)
head -c $(( BIG_MIB << 20 )) /dev/urandom >"$work/big2" & making+=($!)
wait "${making[@]}"
BIG_BYTES=$(( BIG_MIB << 20 ))
BIG1=$(sha "$work/big1")
BIG2=$(sha "$work/big2")
make_small_image "$work"
REPO=bench/app

declare -A TAGS_SEEN=()
for name in "${NAMES[@]}"; do
  for blob in layer config; do
    digest=$LAYER; [[ $blob == config ]] && digest=$CONFIG
    "$BLOB_PUSH" "$(url "$name")" "$REPO" "$work/$blob" "$digest" >"$work/prep-$name-$blob.out" ||
      { echo "run.sh: pushing $blob to ${LABEL[$name]} failed: $(cat "$work/prep-$name-$blob.out")" >&2; exit 1; }
  done
  urls=("$(url "$name")/v2/$REPO/manifests/latest")
  for i in $(seq -w 1 99); do urls+=("$(url "$name")/v2/$REPO/manifests/v1.$i"); done
  codes=$(curl -sS --max-time 60 -X PUT -H "Content-Type: $MT" --data-binary @"$work/manifest" \
    -o /dev/null -w '%{http_code}\n' "${urls[@]}" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
  [[ $codes == " 100 201;" ]] || observe "${LABEL[$name]}: 100 manifest PUTs answered: $codes"
  # Sanity checks before load: right content, right status.
  got=$(curl -sS --max-time 10 -H "Accept: $MT" -D "$work/h" "$(url "$name")/v2/$REPO/manifests/latest" | openssl dgst -sha256 -r | cut -d' ' -f1)
  [[ sha256:$got == "$MANIFEST" ]] || observe "${LABEL[$name]}: GET manifest returned other bytes ($(head -1 "$work/h"))"
  ntags=$(curl -sS --max-time 10 "$(url "$name")/v2/$REPO/tags/list" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tags"]))' || echo "?")
  TAGS_SEEN[$name]=$ntags
  [[ $ntags == 100 ]] || observe "${LABEL[$name]}: GET /v2/$REPO/tags/list lists $ntags tags, expected 100 (the tag list rows measure that response)"
  code=$(curl -sS -I --max-time 10 -o /dev/null -w '%{http_code}' "$(url "$name")/v2/$REPO/blobs/$LAYER")
  [[ $code == 200 ]] || observe "${LABEL[$name]}: HEAD blob answered $code"
done
sync   # the random files are on disk before anything is timed
sample_rss

# --- 1. metadata -------------------------------------------------------------------------
wrk_run() {  # wrk_run OUTFILE URL -> "rps p99_ms errors"
  local out=$1 target=$2
  wrk -c"$CONNECTIONS" -t2 -d2s -H "Accept: $MT" "$target" >/dev/null 2>&1 || true
  timeout $(( DURATION + 30 )) wrk -c"$CONNECTIONS" -t2 -d"${DURATION}s" --latency -H "Accept: $MT" "$target" >"$out" 2>&1 || true
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s %.2f %.2f %d\n", (rps == "" ? "FAIL" : rps), p50, p99, bad }' "$out"
}

section "1. Metadata: req/s and latency at $CONNECTIONS connections (${DURATION} s each)"
note "GETs with \`wrk -c$CONNECTIONS -t2 -d${DURATION}s --latency\`, HEADs with \`bench/head_load\` (same shape: $CONNECTIONS keep-alive connections, 2 threads). Each after a 2 s warm-up. \`GET /v2/\` is the HTTP layer's own speed (routing, no registry work): each request is compared with it as measured by the same client, since the client shares the CPUs with the server."
note ""
table_head
declare -A META_TARGETS=(
  ["GET /v2/ (wrk)"]="wrk /v2/"
  ["GET /v2/ (head_load)"]="head_get /v2/"
  ["manifest GET (tag)"]="wrk /v2/$REPO/manifests/latest"
  ["manifest HEAD (tag)"]="head /v2/$REPO/manifests/latest"
  ["blob HEAD"]="head /v2/$REPO/blobs/$LAYER"
  ["tag list GET (100 tags)"]="wrk /v2/$REPO/tags/list"
)
declare -A BASE_RPS=()   # tool -> regmirror's GET /v2/ req/s with that tool
# at_least_base RPS TOOL FACTOR -> "met (0.91× GET /v2/)" or "**missed** (...)"
at_least_base() {
  local share
  share=$(awk -v a="$1" -v b="${BASE_RPS[$2]:-}" 'BEGIN { if (a+0 == a && b+0 == b && b > 0) printf "%.2f", a / b; else print "-" }')
  echo "$(verdict "x >= $3" "$share") (${share}× GET /v2/)"
}
both() {  # both VERDICT VERDICT -> met only if both are
  if [[ $1 == met* && $2 == met* ]]; then echo "met"; else echo "**missed**"; fi
}
for scenario in "GET /v2/ (wrk)" "GET /v2/ (head_load)" "manifest GET (tag)" "manifest HEAD (tag)" "blob HEAD" "tag list GET (100 tags)"; do
  read -r tool path <<<"${META_TARGETS[$scenario]}"
  declare -A rps=() p50=() p99=() bad=()
  for name in "${NAMES[@]}"; do
    log "$scenario: ${LABEL[$name]}"
    slug=$(tr -c 'a-zA-Z0-9\n' '_' <<<"$scenario")
    case $tool in
      wrk) read -r rps[$name] p50[$name] p99[$name] bad[$name] < <(wrk_run "$work/$slug-$name.txt" "$(url "$name")$path") ;;
      head) read -r rps[$name] p50[$name] p99[$name] bad[$name] < <(head_run "$work/$slug-$name.txt" "$(url "$name")$path") ;;
      head_get) read -r rps[$name] p50[$name] p99[$name] bad[$name] < <(head_run "$work/$slug-$name.txt" "$(url "$name")$path" -m GET) ;;
    esac
    (( ${bad[$name]:-0} == 0 )) || observe "${LABEL[$name]}: $scenario: ${bad[$name]} non-2xx responses or socket errors (${tool} on $path)"
    check_alive "$name" "$scenario" || { rps[$name]=FAIL; p99[$name]=FAIL; }
  done
  sample_rss
  versus_peer() { verdict "x >= $1" "$(ratio "${rps[peer]}" "${rps[regmirror]}")"; }
  p99_target="≤ 10 ms"; p99_limit=10
  case $scenario in
    "GET /v2/ (wrk)") BASE_RPS[wrk]=${rps[regmirror]}; rps_target="reference"; rps_verdict="" ;;
    "GET /v2/ (head_load)") BASE_RPS[head]=${rps[regmirror]}; rps_target="reference"; rps_verdict="" ;;
    "manifest GET (tag)")
      rps_target="≥ 30× and ≥ 0.8× GET /v2/ (wrk)"
      rps_verdict="$(both "$(versus_peer 30)" "$(at_least_base "${rps[regmirror]}" wrk 0.8)") $(at_least_base "${rps[regmirror]}" wrk 0.8 | sed 's/^[^(]*//')"
      p99_target="≤ 5 ms"; p99_limit=5 ;;
    "manifest HEAD (tag)")
      rps_target="≥ 30× and ≥ 0.8× GET /v2/ (head_load)"
      rps_verdict="$(both "$(versus_peer 30)" "$(at_least_base "${rps[regmirror]}" head 0.8)") $(at_least_base "${rps[regmirror]}" head 0.8 | sed 's/^[^(]*//')"
      p99_target="≤ 5 ms"; p99_limit=5 ;;
    "blob HEAD")
      rps_target="≥ 0.8× GET /v2/ (head_load)"
      rps_verdict=$(at_least_base "${rps[regmirror]}" head 0.8) ;;
    tag*) rps_target="≥ 15×"; rps_verdict=$(versus_peer 15) ;;
  esac
  row "$scenario: req/s" "${rps[peer]}" "${rps[regmirror]}" "$rps_target" "$rps_verdict"
  row "$scenario: p50 ms" "${p50[peer]}" "${p50[regmirror]}" "" ""
  row "$scenario: p99 ms" "${p99[peer]}" "${p99[regmirror]}" "$p99_target" "$(verdict "x <= $p99_limit" "${p99[regmirror]}")"
  if [[ $scenario == tag* && ${TAGS_SEEN[regmirror]} != 100 ]]; then
    note "" "**Not comparable:** regmirror's tag list held ${TAGS_SEEN[regmirror]} tags instead of 100 (see observations)." ""
  fi
  unset rps p50 p99 bad
done

# --- 1b. many connections -----------------------------------------------------------------
# wrk_many OUTFILE URL -> "rps p50_ms p99_ms max_ms timeouts errors requests"
wrk_many() {
  local out=$1 target=$2
  timeout $(( DURATION + 60 )) wrk -c"$MANY" -t2 -d"${DURATION}s" --timeout "${MANY_TIMEOUT}s" --latency \
    -H "Accept: $MT" "$target" >"$out" 2>&1 || true
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "Latency" && $2 != "Distribution" { max = ms($4) }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { n = $1 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8; timeouts = $10 }
    END { printf "%s %.2f %.2f %.2f %d %d %d\n", (rps == "" ? "FAIL" : rps), p50, p99, max, timeouts, bad, n }' "$out"
}

section "1b. $MANY concurrent keep-alive connections: manifest GET (tag), ${DURATION} s"
note "\`wrk -c$MANY -t2 -d${DURATION}s --timeout ${MANY_TIMEOUT}s --latency\`, no warm-up: the $MANY connections open at once, so accepting them is part of the measurement. wrk counts a request unanswered after ${MANY_TIMEOUT} s as a timeout (its default, 2 s, would hide how late they come). Descriptor limit of the shell that started both servers: $(ulimit -n) (regmirror raises its own soft limit to the hard limit); listen backlog: \`net.core.somaxconn\` = $(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo '?'). Peak RSS is VmHWM right after this run (it includes everything before it). Target: no request over 1 s (max latency ≤ 1000 ms, no timeouts), peak RSS < 64 MiB."
note ""
table_head
declare -A many=()
for name in "${NAMES[@]}"; do
  log "$MANY connections: ${LABEL[$name]}"
  many[$name]=$(wrk_many "$work/many-$name.txt" "$(url "$name")/v2/$REPO/manifests/latest")
  check_alive "$name" "$MANY connections" || many[$name]="FAIL FAIL FAIL FAIL FAIL FAIL FAIL"
  sleep 2   # let the connections close before the other server's turn
done
sample_rss
read -r m_rps[0] m_p50[0] m_p99[0] m_max[0] m_to[0] m_bad[0] m_n[0] <<<"${many[peer]}"
read -r m_rps[1] m_p50[1] m_p99[1] m_max[1] m_to[1] m_bad[1] m_n[1] <<<"${many[regmirror]}"
row "req/s" "${m_rps[0]}" "${m_rps[1]}" "" ""
row "requests" "${m_n[0]}" "${m_n[1]}" "" ""
row "p50 ms" "${m_p50[0]}" "${m_p50[1]}" "" ""
row "p99 ms" "${m_p99[0]}" "${m_p99[1]}" "" ""
row "max latency ms" "${m_max[0]}" "${m_max[1]}" "≤ 1000 ms" "$(verdict "x <= 1000" "${m_max[1]}")"
row "timeouts (> ${MANY_TIMEOUT} s)" "${m_to[0]}" "${m_to[1]}" "0" "$(verdict "x == 0" "${m_to[1]}")"
row "errors and non-2xx" "${m_bad[0]}" "${m_bad[1]}" "0" "$(verdict "x == 0" "${m_bad[1]}")"
peer_mib=$(awk -v k="${HWM[peer]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
rm_mib=$(awk -v k="${HWM[regmirror]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
row "peak RSS MiB so far" "$peer_mib" "$rm_mib" "< 64 MiB" "$(verdict "x < 64" "$rm_mib")"
(( ${m_bad[1]:-0} == 0 )) || observe "regmirror: $MANY connections: ${m_bad[1]} socket errors or non-2xx responses"

# --- 3. monolithic push (first: it stores the blob that the GETs read) --------------------
# push NAME REPO FILE DIGEST [--chunk N] -> "mb_per_s cpu_seconds" (or FAIL)
push_blob() {
  local name=$1 repo=$2 file=$3 digest=$4; shift 4
  local before after out=$work/push-$name-${repo//\//_}.txt
  sync
  before=$(cpu_ticks "${PID[$name]}")
  if timeout 600 "$BLOB_PUSH" "$@" "$(url "$name")" "$repo" "$file" "$digest" >"$out" 2>&1; then
    after=$(cpu_ticks "${PID[$name]}")
    awk -v b="$before" -v a="$after" -v hz="$CLK_TCK" '/^ok=1/ { for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { printf "%s %.2f\n", v["mb_per_s"], (a - b) / hz }' "$out"
  else
    echo "FAIL FAIL"
    observe "${LABEL[$name]}: blob push ($repo${*:+, $*}) failed: $(tr '\n' ' ' <"$out")"
  fi
}

log "disk ceiling: dd of the big file with fsync"
dd_mbps=$(dd if="$work/big1" of="$work/ddtest" bs=4M conv=fsync 2>&1 | awk '/copied/ { t = $(NF-3); printf "%.0f", '"$BIG_BYTES"' / t / 1e6 }')
rm -f "$work/ddtest"

section "3. Monolithic push of a ${BIG_MIB} MiB blob (POST, then PUT ?digest= with the body)"
note "Client: \`bench/blob_push\` (body by sendfile, then HEAD checks the size). Disk ceiling on this machine: **${dd_mbps} MB/s** (\`dd bs=4M conv=fsync\` of the same file). MB/s = 10^6 bytes/s. Target: ≥ 0.9× that ceiling."
note ""
table_head
declare -A mb=() cpu=()
for name in "${NAMES[@]}"; do
  log "monolithic push: ${LABEL[$name]}"
  read -r mb[$name] cpu[$name] < <(push_blob "$name" bench/big "$work/big1" "$BIG1")
  check_alive "$name" "monolithic push" || mb[$name]=FAIL
done
sample_rss
row "MB/s" "${mb[peer]}" "${mb[regmirror]}" "≥ 0.9× dd (${dd_mbps} MB/s)" "$(verdict "x >= 0.9" "$(ratio "$dd_mbps" "${mb[regmirror]}")") ($(ratio "$dd_mbps" "${mb[regmirror]}")× dd)"
row "server CPU s per GiB" "${cpu[peer]}" "${cpu[regmirror]}" "" ""

note_ceiling_cpu=()
# --- 2. blob GET -------------------------------------------------------------------------
# get_blob NAME STREAMS -> "mb_per_s server_cpu_s_per_gib client_cpu_percent failures"
get_blob() {
  local name=$1 streams=$2 before after t0 t1 i failures=0 rounds=1
  (( streams == 1 )) && rounds=$GET_ROUNDS
  local target
  target="$(url "$name")/v2/bench/big/blobs/$BIG1"
  curl -sS -o /dev/null --max-time 120 "$target" || true   # warm the page cache
  before=$(cpu_ticks "${PID[$name]}")
  t0=$(date +%s.%N)
  for (( r = 0; r < rounds; ++r )); do
    local getting=()
    for (( i = 0; i < streams; ++i )); do
      /usr/bin/time -f '%e %U %S' -o "$work/get-$name-$streams-$r-$i.time" \
        curl -sS -o /dev/null --max-time 300 -w '%{http_code} %{size_download}\n' "$target" \
        >"$work/get-$name-$streams-$r-$i.out" 2>&1 & getting+=($!)
    done
    wait "${getting[@]}" || true
  done
  t1=$(date +%s.%N)
  after=$(cpu_ticks "${PID[$name]}")
  for f in "$work"/get-"$name"-"$streams"-*.out; do
    [[ $(cat "$f") == "200 $BIG_BYTES" ]] || { failures=$((failures + 1)); observe "${LABEL[$name]}: blob GET answered '$(tr '\n' ' ' <"$f")', expected '200 $BIG_BYTES'"; }
  done
  cat "$work"/get-"$name"-"$streams"-*.time | awk -v t0="$t0" -v t1="$t1" -v b="$before" -v a="$after" \
    -v hz="$CLK_TCK" -v n=$(( streams * rounds )) -v size="$BIG_BYTES" -v fails="$failures" '
    { client += $2 + $3 }
    END { wall = t1 - t0; gib = n * size / 1073741824
          printf "%.0f %.3f %.0f %d\n", n * size / wall / 1e6, (a - b) / hz / gib, 100 * client / wall, fails }'
}

# The client's ceiling: the same curl against bench/sendfile_serve, which does nothing but
# sendfile(2) the file (no routing, no metadata, no hashing).
PORT[ceiling]=$(free_port)
"$work/bin/sendfile_serve" "${PORT[ceiling]}" "$work/big1" >"$work/ceiling.log" 2>&1 &
PID[ceiling]=$!
for _ in $(seq 50); do curl -sf -I -o /dev/null --max-time 1 "$(url ceiling)/" && break; sleep 0.1; done

section "2. GET of a ${BIG_MIB} MiB blob (curl -o /dev/null)"
note "One stream ($GET_ROUNDS downloads in a row) and 4 in parallel (one round); after one warm-up download. Server CPU = utime+stime from /proc/PID/stat. Client CPU = curl's user+sys over wall time (100% = one core busy; 2 cores on this machine). The client's ceiling is the same curl against \`bench/sendfile_serve\` (a thread per connection that only sendfile(2)s the file). Target: at the client's ceiling (here: ≥ 90% of it), with ≤ 0.3× docker-registry's server CPU per GiB."
note ""
table_head
for streams in 1 4; do
  declare -A mb=() cpu=() ccpu=() fails=()
  for name in ceiling "${NAMES[@]}"; do
    log "blob GET x$streams: ${LABEL[$name]}"
    read -r mb[$name] cpu[$name] ccpu[$name] fails[$name] < <(get_blob "$name" "$streams")
    [[ $name == ceiling ]] || check_alive "$name" "blob GET x$streams" || mb[$name]=FAIL
  done
  sample_rss
  ceiling_share=$(awk -v a="${mb[regmirror]}" -v c="${mb[ceiling]}" 'BEGIN { if (a+0 == a && c > 0) printf "%.2f", a / c; else print "-" }')
  row "$streams stream(s): MB/s" "${mb[peer]}" "${mb[regmirror]}" "ceiling ${mb[ceiling]} MB/s" \
    "$(verdict "x >= 0.9" "$ceiling_share") (${ceiling_share}× ceiling)"
  row "$streams stream(s): server CPU s per GiB" "${cpu[peer]}" "${cpu[regmirror]}" "≤ 0.3×" \
    "$(verdict "x <= 0.3" "$(ratio "${cpu[peer]}" "${cpu[regmirror]}")")"
  row "$streams stream(s): client (curl) CPU %" "${ccpu[peer]}" "${ccpu[regmirror]}" "ceiling ${ccpu[ceiling]}%" ""
  note_ceiling_cpu+=("$streams stream(s): ${cpu[ceiling]} s/GiB")
  unset mb cpu ccpu fails
done
stop_server ceiling
unset 'PID[ceiling]'
note "" "Server CPU of sendfile_serve (the floor for a server that only copies bytes): $(IFS=';'; echo "${note_ceiling_cpu[*]}" | sed 's/;/, /g')."

# --- 5. small pushes ---------------------------------------------------------------------
section "5. $SMALL_PUSHES small (4 KiB) blob pushes from $SMALL_WORKERS workers (POST, PUT ?digest= with body)"
note "Client: \`bench/small_push\` (C++, one keep-alive connection per worker, blobs generated and hashed before the clock starts). Median of $SMALL_ROUNDS rounds. Target: ≥ 3× docker-registry."
note ""
table_head
declare -A pps=() p99=() ccpu=()
for name in "${NAMES[@]}"; do
  log "small pushes: ${LABEL[$name]}"
  results=()
  for (( r = 0; r < SMALL_ROUNDS; ++r )); do
    out=$work/small-$name-$r.txt
    timeout 120 "$SMALL_PUSH" -w "$SMALL_WORKERS" -n "$SMALL_PUSHES" -s 4096 "$(url "$name")" "bench/small$r" >"$out" 2>&1 ||
      observe "${LABEL[$name]}: small pushes round $r: $(tr '\n' ' ' <"$out")"
    results+=("$(awk '/^pushes=/ { for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { printf "%s %s %.1f\n", (v["pushes_per_s"] == "" ? 0 : v["pushes_per_s"]), v["p99_ms"], (v["seconds"] > 0 ? v["client_cpu_s"] / v["seconds"] * 100 : 0) }' "$out")")
  done
  read -r pps[$name] p99[$name] ccpu[$name] < <(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (SMALL_ROUNDS + 1) / 2 ))p")
  check_alive "$name" "small pushes" || pps[$name]=FAIL
done
sample_rss
row "pushes/s" "${pps[peer]}" "${pps[regmirror]}" "≥ 3×" "$(verdict "x >= 3" "$(ratio "${pps[peer]}" "${pps[regmirror]}")")"
row "p99 ms per push (POST+PUT)" "${p99[peer]}" "${p99[regmirror]}" "" ""
row "client CPU % (of one core)" "${ccpu[peer]}" "${ccpu[regmirror]}" "" ""
unset pps p99 ccpu

# --- 4. chunked push (last: a server that dies here still has its numbers above) ----------
section "4. Chunked push of a ${BIG_MIB} MiB blob in ${CHUNK_MIB} MiB chunks (PATCH with Content-Range, then PUT)"
note "Client: \`bench/blob_push --chunk\` (one connection, sendfile). Target: ≥ 0.9× the disk ceiling of section 3 (${dd_mbps} MB/s)."
note ""
table_head
declare -A mb=() cpu=()
for name in "${NAMES[@]}"; do
  log "chunked push: ${LABEL[$name]}"
  read -r mb[$name] cpu[$name] < <(push_blob "$name" bench/chunked "$work/big2" "$BIG2" --chunk $(( CHUNK_MIB << 20 )))
  check_alive "$name" "chunked push" || mb[$name]=FAIL
done
sample_rss
row "MB/s" "${mb[peer]}" "${mb[regmirror]}" "≥ 0.9× dd (${dd_mbps} MB/s)" "$(verdict "x >= 0.9" "$(ratio "$dd_mbps" "${mb[regmirror]}")") ($(ratio "$dd_mbps" "${mb[regmirror]}")× dd)"
row "server CPU s per GiB" "${cpu[peer]}" "${cpu[regmirror]}" "" ""
unset mb cpu

# --- 6. peak RSS -------------------------------------------------------------------------
section "6. Peak RSS over the run (VmHWM, sampled after every scenario)"
table_head
peer_mib=$(awk -v k="${HWM[peer]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
rm_mib=$(awk -v k="${HWM[regmirror]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
row "peak RSS MiB" "$peer_mib" "$rm_mib" "≤ 0.5×" "$(verdict "x <= 0.5" "$(ratio "$peer_mib" "$rm_mib")")"
for name in "${NAMES[@]}"; do
  [[ -n ${CRASHED[$name]:-} ]] && note "" && note "${LABEL[$name]} was restarted after a crash: its peak covers the samples taken before the crash and after the restart."
done

# Server logs: anything at warn/error level is worth reading.
for name in "${NAMES[@]}"; do
  if [[ -s $work/$name.log ]]; then
    lines=$(grep -v -E ' info |level=info' "$work/$name.log" | head -5 | cut -c1-300 | tr '\n' ' ' || true)
    [[ -n $lines ]] && observe "${LABEL[$name]} log: $lines"
  fi
done

# --- write ------------------------------------------------------------------------------
elapsed=$(( $(date +%s) - started_at ))
{
  echo "# regmirror vs docker-registry: benchmark results"
  echo
  echo "Generated by \`bench/run.sh\` (\`make bench\`); do not edit by hand, run it again."
  echo
  echo "- command: \`$(cd "$root" && echo "bench/run.sh")\` with DURATION=$DURATION CONNECTIONS=$CONNECTIONS BIG_MIB=$BIG_MIB"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), run took ${elapsed} s"
  echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r); load average (1, 5, 15 min) at start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shares the CPUs with the run: above 0.5 or so, expect noise)"
  echo "- regmirror: $("$REGMIRROR" --version 2>&1 | head -1) ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$root" && [[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo ', src/ modified' || true); binary built $(date -u -r "$REGMIRROR" '+%Y-%m-%d %H:%M UTC')), \`serve --no-access-log\`, default threads (one per core)"
  echo "- docker-registry: $("$PEER" --version 2>&1 | head -1), log level error, access log off, storage.delete.enabled"
  echo "- clients: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(curl --version | head -1 | cut -d' ' -f1-2), bench/head_load, bench/blob_push, bench/small_push ($(g++ --version | head -1))"
  echo "- both servers run for the whole run, on 127.0.0.1; each scenario measures docker-registry first, then regmirror"
  echo "- ratio = regmirror / docker-registry (higher is better for req/s, MB/s, pushes/s; lower for latency, CPU, RSS)"
  printf '%s\n' "${REPORT[@]}"
  echo
  echo "### Observations (errors, wrong statuses, crashes)"
  echo
  if [[ -s $work/observations ]]; then sed 's/^/- /' "$work/observations"; else echo "None."; fi
  # The sections of bench/transfer.sh and bench/auth_tls.sh, kept from the previous file.
  if [[ -f $OUT ]]; then
    awk '/^<!-- [a-z_-]+:begin -->$/ { keep = 1; print "" } keep { print } /^<!-- [a-z_-]+:end -->$/ { keep = 0 }' "$OUT"
  fi
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
log "wrote $OUT"
