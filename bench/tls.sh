#!/usr/bin/env bash
# What TLS costs regmirror: the same storage served by two regmirror processes on loopback,
# one plain HTTP and one HTTPS (certificate from tests/fixtures/test_ca.py, EC P-256), in
# one run, measured alternately. Results: a Markdown table on stdout and in OUT.
#
#   bench/tls.sh
#
# Environment (all optional):
#   REGMIRROR=path     the binary (default build/src/cli/regmirror)
#   DURATION=10        seconds per request-rate measurement (after a 2 s warm-up)
#   CONNECTIONS=64     wrk connections
#   BIG_MIB=1024       size of the blob GET
#   ROUNDS=3           blob GETs per server (the median is reported)
#   OUT=path           the report (default bench/RESULTS-tls.md)
#   KEEP=1             keep the temp dir (data, logs, raw wrk output)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
BIG_MIB=${BIG_MIB:-1024}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$here/RESULTS-tls.md}

for tool in wrk curl openssl python3 awk; do
  command -v "$tool" >/dev/null || { echo "tls.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "tls.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-bench-tls.XXXXXX")
declare -A PID=() PORT=() SCHEME=([plain]=http [tls]=https)
cleanup() {
  local rc=$? name
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
log() { printf '[tls.sh] %s\n' "$*" >&2; }

python3 "$root/tests/fixtures/test_ca.py" "$work/ca"
CURL=(curl -sS --cacert "$work/ca/ca.crt")
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
url() { echo "${SCHEME[$1]}://127.0.0.1:${PORT[$1]}"; }

start() {  # start NAME [SERVE_ARG...]
  local name=$1
  shift
  PORT[$name]=$(free_port)
  "$REGMIRROR" serve --listen "127.0.0.1:${PORT[$name]}" --storage "$work/data" --no-access-log \
    "$@" >"$work/$name.log" 2>&1 &
  PID[$name]=$!
  for _ in $(seq 100); do
    "${CURL[@]}" -f -o /dev/null --max-time 1 "$(url "$name")/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "tls.sh: $name did not come up:" >&2
  cat "$work/$name.log" >&2
  exit 1
}
start plain
start tls --tls-cert "$work/ca/server.crt" --tls-key "$work/ca/server.key"
log "plain on $(url plain), TLS on $(url tls), storage $work/data"

# --- content: a blob of BIG_MIB and a small image tagged latest ---------------------------
sha() { echo "sha256:$(openssl dgst -sha256 -r "$1" | cut -d' ' -f1)"; }
put_blob() {  # put_blob FILE: monolithic upload through the plain server
  local location
  location=$("${CURL[@]}" -X POST -D - -o /dev/null "$(url plain)/v2/bench/tls/blobs/uploads/" |
    awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  "${CURL[@]}" -f -o /dev/null -T "$1" -H 'Content-Type: application/octet-stream' \
    "$(url plain)$location?digest=$(sha "$1")"
}
head -c $((BIG_MIB << 20)) /dev/urandom >"$work/big"
BIG=$(sha "$work/big")
put_blob "$work/big"
rm "$work/big"
echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$work/config"
head -c 4096 /dev/urandom >"$work/layer"
put_blob "$work/config"
put_blob "$work/layer"
MT=application/vnd.oci.image.manifest.v1+json
printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
  "$MT" "$(sha "$work/config")" "$(stat -c %s "$work/config")" "$(sha "$work/layer")" \
  "$(stat -c %s "$work/layer")" >"$work/manifest"
"${CURL[@]}" -f -o /dev/null -X PUT -H "Content-Type: $MT" --data-binary @"$work/manifest" \
  "$(url plain)/v2/bench/tls/manifests/latest"

# --- request rates (wrk: keep-alive, or a new connection per request) ---------------------
wrk_rps() {  # wrk_rps OUTFILE URL [WRK_ARG...] -> requests/s
  local out=$1 target=$2
  shift 2
  wrk -c"$CONNECTIONS" -t2 -d2s "$@" "$target" >/dev/null 2>&1 || true
  wrk -c"$CONNECTIONS" -t2 -d"${DURATION}s" "$@" "$target" >"$out" 2>&1 || true
  if grep -q 'Non-2xx' "$out"; then echo "tls.sh: non-2xx answers, see $out" >&2; fi
  awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out"
}
rows=()
for scenario in "GET /v2/|/v2/|" "manifest GET (tag)|/v2/bench/tls/manifests/latest|" \
  "manifest GET (tag), new connection per request|/v2/bench/tls/manifests/latest|close"; do
  IFS='|' read -r label path close <<<"$scenario"
  args=(-H "Accept: $MT")
  [[ -n $close ]] && args+=(-H "Connection: close")
  declare -A rps=()
  for name in plain tls; do
    log "$label: $name"
    rps[$name]=$(wrk_rps "$work/wrk-$name-${#rows[@]}.txt" "$(url "$name")$path" "${args[@]}")
  done
  rows+=("| $label, req/s | ${rps[plain]} | ${rps[tls]} | $(awk -v a="${rps[tls]}" -v b="${rps[plain]}" \
    'BEGIN { printf "%.2f", a / b }') |")
done

# --- blob GET ------------------------------------------------------------------------------
cpu_seconds() {  # utime+stime of a process, in seconds
  local stat
  stat=$(cat "/proc/$1/stat")
  stat=${stat##*) }
  awk -v tck="$(getconf CLK_TCK)" '{printf "%.2f", ($12 + $13) / tck}' <<<"$stat"
}
"${CURL[@]}" -o /dev/null "$(url plain)/v2/bench/tls/blobs/$BIG"  # into the page cache
declare -A speeds=() cpus=()
for ((round = 0; round < ROUNDS; round++)); do
  for name in plain tls; do
    before=$(cpu_seconds "${PID[$name]}")
    speed=$("${CURL[@]}" -o /dev/null -w '%{speed_download}' "$(url "$name")/v2/bench/tls/blobs/$BIG")
    after=$(cpu_seconds "${PID[$name]}")
    speeds[$name]+="$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1e6 }') "
    cpus[$name]+="$(awk -v a="$after" -v b="$before" -v m="$BIG_MIB" 'BEGIN { printf "%.2f", (a - b) * 1024 / m }') "
    log "blob GET $name: ${speed} B/s"
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
mb_plain=$(median "${speeds[plain]}") mb_tls=$(median "${speeds[tls]}")
rows+=("| GET of a ${BIG_MIB} MiB blob (curl), MB/s, median of $ROUNDS | $mb_plain | $mb_tls | $(awk -v a="$mb_tls" -v b="$mb_plain" 'BEGIN { printf "%.2f", a / b }') |")
rows+=("| server CPU seconds per GiB sent, median | $(median "${cpus[plain]}") | $(median "${cpus[tls]}") | |")

negotiated=$(echo | openssl s_client -connect "127.0.0.1:${PORT[tls]}" -CAfile "$work/ca/ca.crt" 2>/dev/null |
  awk '/^New,/ {sub(",", "", $2); print $2 ", " $5}')
{
  echo "# regmirror: plain HTTP vs HTTPS"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(openssl version | cut -d' ' -f1-2), TLS as negotiated by openssl s_client: $negotiated." \
    "Both servers serve one storage; wrk -c$CONNECTIONS -t2 -d${DURATION}s after a 2 s warm-up;" \
    "plain blob GETs use sendfile(2), TLS ones read the file on the blocking pool and encrypt in OpenSSL" \
    "(no kernel TLS). The client shares the CPUs with the servers (and decrypts, over TLS)."
  echo
  echo "| metric | plain HTTP | HTTPS | HTTPS / plain |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT"
