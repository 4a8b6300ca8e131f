#!/usr/bin/env bash
# What TLS and auth cost, in one run on loopback: manifest HEAD req/s (head_load) and the GET
# of a 1 GiB blob (curl) for regmirror over HTTP, HTTP + token auth, TLS (no auth) and
# TLS + token auth, next to docker-registry (CNCF distribution 2.8) over HTTP and with TLS +
# htpasswd. Writes its section of bench/RESULTS.md (between the "auth-tls" markers; bench/run.sh
# keeps it when it rewrites the file) and prints it.
#
#   bench/auth_tls.sh            # or: make bench (after bench/run.sh and bench/transfer.sh)
#
# regmirror's TLS rows need `serve --tls-cert/--tls-key`; a build without them reports those
# rows as not measured. Environment (all optional):
#   REGMIRROR=path     the binary (default build/src/cli/regmirror)
#   PEER=path          docker-registry binary (default: docker-registry on PATH)
#   DURATION=10        seconds per HEAD measurement (after a 2 s warm-up)
#   CONNECTIONS=64     keep-alive connections for the HEAD load
#   BIG_MIB=1024       size of the large blob
#   GET_ROUNDS=3       downloads of it per configuration (after one warm-up), median reported
#   BCRYPT_COST=10     cost of the user's bcrypt hash (regmirror passwd's default)
#   OUT=path           where the section goes (default bench/RESULTS.md)
#   KEEP=1             keep the temp dir (certificates, data, logs, raw tool output)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
REGMIRROR=${REGMIRROR:-$root/build/src/cli/regmirror}
PEER=${PEER:-$(command -v docker-registry || true)}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
BIG_MIB=${BIG_MIB:-1024}
GET_ROUNDS=${GET_ROUNDS:-3}
BCRYPT_COST=${BCRYPT_COST:-10}
OUT=${OUT:-$here/RESULTS.md}
WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-1200}

for tool in curl g++ openssl python3 awk base64; do
  command -v "$tool" >/dev/null || { echo "auth_tls.sh: $tool is required" >&2; exit 2; }
done
[[ -x $REGMIRROR ]] || { echo "auth_tls.sh: no regmirror binary at $REGMIRROR (make build)" >&2; exit 2; }
[[ -n $PEER && -x $PEER ]] || { echo "auth_tls.sh: docker-registry not found (apt install docker-registry)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/regmirror-auth-bench.XXXXXX")
started_at=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
server_pid=""
watchdog_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$server_pid"
  [[ -n $watchdog_pid ]] && kill "$watchdog_pid" 2>/dev/null
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "auth_tls.sh: interrupted" >&2; exit 130' INT TERM
start_watchdog "$WATCHDOG_SECONDS" auth_tls.sh

HAVE_TLS=0
"$REGMIRROR" serve --help 2>&1 | grep -q -- --tls-cert && HAVE_TLS=1
NO_TLS="not measured: no TLS in this build"

log "compiling head_load, blob_push into $work/bin"
compile_clients "$work/bin" head_load blob_push || exit 2
# shellcheck disable=SC2034  # head_run (lib.sh) runs it
HEAD_LOAD=$work/bin/head_load
BLOB_PUSH=$work/bin/blob_push

# --- a CA, a server certificate, one user -------------------------------------------------
# The clients verify the server against this CA (head_load --cacert, curl --cacert), as a
# cluster does with additionalTrustedCA; the certificate names 127.0.0.1 and localhost.
tls=$work/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=regmirror bench CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
  "keyUsage=digitalSignature" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
chmod 600 "$tls"/*.key
BENCH_USER=bench
BENCH_PASSWORD=bench-$RANDOM$RANDOM
printf '%s' "$BENCH_PASSWORD" | "$REGMIRROR" passwd "$BENCH_USER" --htpasswd "$work/htpasswd" \
  --password-stdin --cost "$BCRYPT_COST" >/dev/null
BASIC="Authorization: Basic $(printf '%s:%s' "$BENCH_USER" "$BENCH_PASSWORD" | base64 -w0)"

# --- configurations ------------------------------------------------------------------------
# Each runs alone, one after the other; a product's configurations share its storage, which
# its first (plain HTTP) configuration fills.
CONFIGS=(peer-plain peer-tls rm-plain rm-token rm-tls-noauth rm-tls)
declare -A LABEL=(
  [peer-plain]="docker-registry, HTTP"
  [peer-tls]="docker-registry, TLS + htpasswd"
  [rm-plain]="regmirror, HTTP"
  [rm-token]="regmirror, HTTP + token auth"
  [rm-tls-noauth]="regmirror, TLS"
  [rm-tls]="regmirror, TLS + token auth"
)
declare -A CLIENT_AUTH=(
  [peer-plain]="none" [peer-tls]="Basic on every request" [rm-plain]="none"
  [rm-token]="Bearer (GET /token with Basic)" [rm-tls-noauth]="none" [rm-tls]="Bearer (GET /token with Basic)"
)
uses_tls() { [[ $1 == *tls* ]]; }

# start_config NAME: starts the server; sets server_pid, BASE, CA_ARGS (for curl and head_load).
start_config() {
  local name=$1 port probe=/healthz
  port=$(free_port)
  BASE=http://127.0.0.1:$port
  CA_ARGS=()
  if uses_tls "$name"; then BASE=https://127.0.0.1:$port; CA_ARGS=(--cacert "$tls/ca.crt"); fi
  local probe_auth=()
  case $name in
    peer-*)
      local extra=()
      if [[ $name == peer-tls ]]; then
        extra=("  tls:" "    certificate: $tls/server.crt" "    key: $tls/server.key"
               "auth:" "  htpasswd:" "    realm: regmirror-bench" "    path: $work/htpasswd")
        probe_auth=(-H "$BASIC")
      fi
      write_peer_config "$work/$name.yml" "$port" "$work/peer-data" "${extra[@]}"
      "$PEER" serve "$work/$name.yml" >>"$work/$name.log" 2>&1 &
      probe=/v2/ ;;
    rm-*)
      local flags=()
      [[ $name == rm-token || $name == rm-tls ]] && flags+=(--htpasswd "$work/htpasswd")
      uses_tls "$name" && flags+=(--tls-cert "$tls/server.crt" --tls-key "$tls/server.key")
      "$REGMIRROR" serve --listen "127.0.0.1:$port" --storage "$work/regmirror-data" --no-access-log \
        "${flags[@]}" >>"$work/$name.log" 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null --max-time 1 "${CA_ARGS[@]}" "${probe_auth[@]}" "$BASE$probe" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "auth_tls.sh: ${LABEL[$name]} did not come up; log:" >&2
  tail -20 "$work/$name.log" >&2
  exit 1
}

# auth_header NAME -> the Authorization header its clients send (empty: none). Token
# configurations get a fresh token each time (they expire after 5 minutes).
auth_header() {
  case $1 in
    peer-tls) echo "$BASIC" ;;
    rm-token | rm-tls)
      local token
      token=$(curl -sS --max-time 10 "${CA_ARGS[@]}" -u "$BENCH_USER:$BENCH_PASSWORD" \
        "$BASE/token?service=regmirror&scope=repository:$REPO:pull&scope=repository:$BIG_REPO:pull" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') ||
        { observe "${LABEL[$1]}: GET /token gave no token"; return 0; }
      echo "Authorization: Bearer $token" ;;
  esac
}

# --- data ----------------------------------------------------------------------------------
log "preparing data: a ${BIG_MIB} MiB random file, a small image"
head -c $(( BIG_MIB << 20 )) /dev/urandom >"$work/big"
BIG_BYTES=$(( BIG_MIB << 20 ))
BIG=$(sha "$work/big")
make_small_image "$work"
REPO=bench/app
BIG_REPO=bench/big

push_data() {  # over plain HTTP, without auth: the product's first configuration
  local name=$1 blob digest code
  for blob in layer config big; do
    case $blob in layer) digest=$LAYER ;; config) digest=$CONFIG ;; big) digest=$BIG ;; esac
    local repo=$REPO
    [[ $blob == big ]] && repo=$BIG_REPO
    timeout 600 "$BLOB_PUSH" "$BASE" "$repo" "$work/$blob" "$digest" >"$work/push-$name-$blob.out" 2>&1 ||
      { echo "auth_tls.sh: pushing $blob to ${LABEL[$name]} failed: $(cat "$work/push-$name-$blob.out")" >&2; exit 1; }
  done
  code=$(curl -sS --max-time 60 -X PUT -H "Content-Type: $MT" --data-binary @"$work/manifest" \
    -o /dev/null -w '%{http_code}' "$BASE/v2/$REPO/manifests/latest")
  [[ $code == 201 ]] || { echo "auth_tls.sh: manifest PUT to ${LABEL[$name]} answered $code" >&2; exit 1; }
  sync
}

# Before load: the request the load makes answers 200, and without credentials 401.
check_config() {
  local name=$1 auth=$2 code header=()
  [[ -n $auth ]] && header=(-H "$auth")
  code=$(curl -sS -I --max-time 10 "${CA_ARGS[@]}" "${header[@]}" -H "Accept: $MT" -o /dev/null \
    -w '%{http_code}' "$BASE/v2/$REPO/manifests/latest") || true
  [[ $code == 200 ]] || observe "${LABEL[$name]}: manifest HEAD answered $code before the load"
  if [[ -n $auth ]]; then
    code=$(curl -sS -I --max-time 10 "${CA_ARGS[@]}" -o /dev/null -w '%{http_code}' \
      "$BASE/v2/$REPO/manifests/latest") || true
    [[ $code == 401 ]] || observe "${LABEL[$name]}: manifest HEAD without credentials answered $code, expected 401"
  fi
}

# get_big NAME AUTH -> "median_mb_per_s server_cpu_s_per_gib"
get_big() {
  local name=$1 auth=$2 header=() before after r line
  [[ -n $auth ]] && header=(-H "$auth")
  local target=$BASE/v2/$BIG_REPO/blobs/$BIG
  curl -sS -o /dev/null --max-time 300 "${CA_ARGS[@]}" "${header[@]}" "$target" || true   # page cache
  before=$(cpu_ticks "$server_pid")
  for (( r = 0; r < GET_ROUNDS; ++r )); do
    line=$(curl -sS -o /dev/null --max-time 300 "${CA_ARGS[@]}" "${header[@]}" \
      -w '%{http_code} %{size_download} %{speed_download}' "$target" 2>&1) || true
    echo "$line" >>"$work/get-$name.txt"
    [[ $line == "200 $BIG_BYTES "* ]] || observe "${LABEL[$name]}: blob GET answered '$line', expected '200 $BIG_BYTES …'"
  done
  after=$(cpu_ticks "$server_pid")
  sort -n -k3 "$work/get-$name.txt" | awk -v n="$GET_ROUNDS" -v b="$before" -v a="$after" -v hz="$CLK_TCK" \
    -v size="$BIG_BYTES" '
    $1 == 200 { speed[++ok] = $3 }
    END { if (ok == 0) { print "FAIL FAIL"; exit }
          printf "%.0f %.3f\n", speed[int((ok + 1) / 2)] / 1e6, (a - b) / hz / (n * size / 1073741824) }'
}

declare -A RPS=() P50=() P99=() MBS=() CPU=() TLS_USED=() HEAD_NOTE=()
for name in "${CONFIGS[@]}"; do
  if uses_tls "$name" && [[ $name == rm-* ]] && (( ! HAVE_TLS )); then
    log "${LABEL[$name]}: $NO_TLS"
    continue
  fi
  start_config "$name"
  log "${LABEL[$name]} on $BASE (pid $server_pid)"
  [[ $name == peer-plain || $name == rm-plain ]] && push_data "$name"
  auth=$(auth_header "$name")
  check_config "$name" "$auth"
  header=()
  [[ -n $auth ]] && header=(-H "$auth")
  log "${LABEL[$name]}: manifest HEAD"
  read -r "RPS[$name]" "P50[$name]" "P99[$name]" bad < <(SETTLE_PID=$server_pid head_run \
    "$work/head-$name.txt" "$BASE/v2/$REPO/manifests/latest" "${CA_ARGS[@]}" "${header[@]}")
  if [[ ${RPS[$name]} == 0.0 ]] && (( bad == 0 )); then
    # Every connection still waits for its first answer (a bcrypt per request on a busy
    # machine): a longer measurement gives a rate instead of a zero.
    long=$(( DURATION * 6 ))
    log "${LABEL[$name]}: no manifest HEAD answered within ${DURATION} s; measuring over ${long} s"
    read -r "RPS[$name]" "P50[$name]" "P99[$name]" bad < <(DURATION=$long SETTLE_PID=$server_pid head_run \
      "$work/head-$name.txt" "$BASE/v2/$REPO/manifests/latest" "${CA_ARGS[@]}" "${header[@]}")
    HEAD_NOTE[$name]=" (none answered within ${DURATION} s: measured over ${long} s)"
    [[ ${RPS[$name]} != 0.0 ]] || observe "${LABEL[$name]}: manifest HEAD: no response within ${long} s"
  fi
  (( bad == 0 )) || observe "${LABEL[$name]}: manifest HEAD: $bad non-2xx responses or connection errors ($(grep -v '^requests=' "$work/head-$name.txt" | head -1))"
  TLS_USED[$name]=$(grep -o 'tls=[^ ]*' "$work/head-$name.txt" | cut -d= -f2 || true)
  wait_idle "$server_pid"
  log "${LABEL[$name]}: ${BIG_MIB} MiB blob GET x$GET_ROUNDS"
  auth=$(auth_header "$name")
  read -r "MBS[$name]" "CPU[$name]" < <(get_big "$name" "$auth")
  if ! kill -0 "$server_pid" 2>/dev/null; then
    observe "${LABEL[$name]} DIED; last log lines: $(tail -3 "$work/$name.log" | tr '\n' ' ')"
  fi
  stop_pid "$server_pid"
  server_pid=""
  lines=$(grep -v -E ' info |level=info' "$work/$name.log" | head -5 | cut -c1-300 | tr '\n' ' ' || true)
  [[ -n $lines ]] && observe "${LABEL[$name]} log: $lines"
done

# --- report --------------------------------------------------------------------------------
# share NUMERATOR_CONFIG DENOMINATOR_CONFIG ARRAY -> "0.83×" or "-"
share() {
  local -n values=$3
  local x
  x=$(ratio "${values[$2]:-}" "${values[$1]:-}")
  if [[ $x == - ]]; then echo -; else echo "${x}×"; fi
}
# target_row TEXT SHARE MIN: a target met when SHARE ≥ MIN; not measured without TLS rows
target_row() {
  local text=$1 x=$2 min=$3 result
  if [[ $x == - ]] && (( ! HAVE_TLS )); then result=$NO_TLS; else result="$(verdict "x >= $min" "${x%×}")"; fi
  echo "| $text | $x | ≥ ${min}× | $result |"
}
cipher=""
for name in "${CONFIGS[@]}"; do
  [[ -n ${TLS_USED[$name]:-} ]] && cipher+="${cipher:+; }${LABEL[$name]}: ${TLS_USED[$name]}"
done
cipher=${cipher:-none}

begin='<!-- auth-tls:begin -->'
end='<!-- auth-tls:end -->'
section=$(
  echo "$begin"
  echo "## TLS and auth: what they cost, regmirror vs docker-registry"
  echo
  echo "- command: \`bench/auth_tls.sh\` with DURATION=$DURATION CONNECTIONS=$CONNECTIONS BIG_MIB=$BIG_MIB GET_ROUNDS=$GET_ROUNDS BCRYPT_COST=$BCRYPT_COST (\`make bench\` runs it after bench/run.sh)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), run took $(( $(date +%s) - started_at )) s; machine: $(nproc) CPUs; load average (1, 5, 15 min) at start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (above 0.5 or so, expect noise)"
  echo "- regmirror: $("$REGMIRROR" --version 2>&1 | head -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); binary built $(date -u -r "$REGMIRROR" '+%Y-%m-%d %H:%M UTC')), \`serve --no-access-log\`, plus \`--htpasswd\` (token mode, the default) and \`--tls-cert/--tls-key\` as the row says$( (( HAVE_TLS )) || echo "; **this build has no TLS** (\`serve --help\` names no \`--tls-cert\`): its TLS rows are not measured")"
  echo "- docker-registry: $("$PEER" --version 2>&1 | head -1), log level error, access log off; TLS + htpasswd: \`http.tls.certificate/key\`, \`auth.htpasswd\`"
  echo "- TLS: a throwaway CA and an EC P-256 server certificate for IP 127.0.0.1 (openssl); both clients verify it against that CA (\`head_load --cacert\`, \`curl --cacert\`). Negotiated: $cipher"
  echo "- user: one, in an htpasswd file written by \`regmirror passwd --cost $BCRYPT_COST\` (bcrypt \$2y\$), read by both servers. docker-registry is sent Basic on every request, as clients do when it challenges with Basic; regmirror is sent a Bearer token from \`GET /token\` (Basic there), as clients do when it challenges with Bearer"
  echo "- each configuration runs alone, one after the other; a product's configurations share one storage, filled (small image, ${BIG_MIB} MiB blob) through its plain HTTP configuration"
  echo
  echo "### Manifest HEAD and ${BIG_MIB} MiB blob GET"
  echo
  echo "HEAD: \`bench/head_load -c $CONNECTIONS -t 2 -d $DURATION\` after a 2 s warm-up, keep-alive (TLS handshakes happen once per connection). Before each measurement the server is left to finish what it still works on (until it uses < 10% of a core): a closed connection does not stop a bcrypt check that is under way. GET: \`curl -o /dev/null\`, one stream, median of $GET_ROUNDS downloads after a warm-up one; server CPU = utime+stime from /proc/PID/stat over those $GET_ROUNDS downloads. MB/s = 10^6 bytes/s."
  echo
  echo "| configuration | client sends | manifest HEAD req/s | p50 ms | p99 ms | blob GET MB/s | server CPU s per GiB |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for name in "${CONFIGS[@]}"; do
    if [[ -z ${RPS[$name]:-} ]]; then
      echo "| ${LABEL[$name]} | ${CLIENT_AUTH[$name]} | $NO_TLS | | | | |"
    else
      echo "| ${LABEL[$name]} | ${CLIENT_AUTH[$name]} | ${RPS[$name]}${HEAD_NOTE[$name]:-} | ${P50[$name]} | ${P99[$name]} | ${MBS[$name]} | ${CPU[$name]} |"
    fi
  done
  echo
  echo "### Targets"
  echo
  echo "The issue's targets are about req/s (manifest HEAD); the GET ratios are shown for what TLS does to the large-blob path."
  echo
  echo "| | measured | target | |"
  echo "|---|---:|---|---|"
  target_row "TLS + auth costs ≤ 20% of plain req/s: regmirror TLS + token / regmirror HTTP, manifest HEAD" \
    "$(share rm-tls rm-plain RPS)" 0.8
  target_row "regmirror TLS + token / docker-registry TLS + htpasswd, manifest HEAD" "$(share rm-tls peer-tls RPS)" 10
  echo "| token auth alone: regmirror HTTP + token / HTTP, manifest HEAD | $(share rm-token rm-plain RPS) | | |"
  echo "| TLS alone: regmirror TLS / HTTP, manifest HEAD | $(share rm-tls-noauth rm-plain RPS) | | |"
  echo "| regmirror TLS + token / HTTP, blob GET MB/s | $(share rm-tls rm-plain MBS) | | |"
  echo "| regmirror TLS + token / docker-registry TLS + htpasswd, blob GET MB/s | $(share rm-tls peer-tls MBS) | | |"
  echo "| for reference: docker-registry TLS + htpasswd / HTTP, manifest HEAD | $(share peer-tls peer-plain RPS) | | |"
  echo "| for reference: regmirror HTTP + token / docker-registry TLS + htpasswd, manifest HEAD | $(share rm-token peer-tls RPS) | | |"
  echo
  echo "### Observations (errors, wrong statuses)"
  echo
  if [[ -s $work/observations ]]; then sed 's/^/- /' "$work/observations"; else echo "None."; fi
  echo "$end"
)
replace_section "$OUT" auth-tls "$section"
echo "$section"
log "wrote $OUT"
