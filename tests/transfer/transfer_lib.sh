# shellcheck shell=bash
# Helpers for the copy/pull/sync end-to-end tests. Sourced by every tests/transfer/*.sh
# script, never run on its own. Builds on tests/clients/lib.sh (temp dir $T, cleanup,
# start_registry, make_oci_image / make_oci_index, skopeo_, assertions), and adds:
#
#   - require_regmirror_cmd: skip (77) unless the binary has the subcommands a test needs;
#   - rm_run / rm_ok / rm_fails: run `regmirror ...` with a timeout, keeping its output in
#     $RM_OUT / $RM_ERR, and copied_stats to read the "Copied ... (N blobs copied, ...)" line;
#   - start_proxy (fault_proxy.py), start_token_server (token_server.py), start_peer
#     (docker-registry with TLS and/or htpasswd), make_tls_certs, make_htpasswd;
#   - proxy_requests / proxy_upload_bytes: what went through a proxy (its JSON line log);
#   - make_big_image: an image with one large random layer (uncompressed tar).

# shellcheck source=../clients/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../clients/lib.sh"
FIXTURES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)
require_cmd python3 openssl

# ---------------------------------------------------------------------------------------
# The binary under test

# require_regmirror_cmd CMD...: the regmirror binary exists and `regmirror --help` lists
# every CMD as a subcommand; otherwise the test is skipped (the command is not built yet).
require_regmirror_cmd() {
  local help c
  [[ -x $REGMIRROR_BIN ]] || skip "regmirror binary not found: $REGMIRROR_BIN (set REGMIRROR_BIN)"
  help=$("$REGMIRROR_BIN" --help 2>&1 || true)
  for c in "$@"; do
    grep -qE "^ +$c( |$)" <<<"$help" || skip "regmirror at $REGMIRROR_BIN has no '$c' subcommand"
  done
}

RM_OUT="$T/work/regmirror.out"
RM_ERR="$T/work/regmirror.err"
RM_RC=0
RM_TIMEOUT=${RM_TIMEOUT:-$CLIENT_TIMEOUT}

# rm_run ARGS...: run `regmirror ARGS` with a timeout; stdout in $RM_OUT, stderr in
# $RM_ERR, exit status in $RM_RC. Never fails by itself.
rm_run() {
  RM_RC=0
  timeout -k 5 "$RM_TIMEOUT" "$REGMIRROR_BIN" "$@" >"$RM_OUT" 2>"$RM_ERR" || RM_RC=$?
  if [[ ${CLIENT_DEBUG:-0} == 1 ]]; then
    log "regmirror $(quote_cmd "$@")-> exit $RM_RC"
    cat "$RM_OUT" "$RM_ERR" >&2
  fi
  return 0
}

_rm_report() {
  printf -- '--- stdout (last 20 lines) ---\n%s\n--- stderr (last 30 lines) ---\n%s' \
    "$(tail -n 20 "$RM_OUT")" "$(tail -n 30 "$RM_ERR")"
}

# rm_ok ARGS...: rm_run, and fail unless it exited 0.
rm_ok() {
  rm_run "$@"
  if ((RM_RC != 0)); then
    local why="exit $RM_RC"
    ((RM_RC == 124)) && why="timed out after ${RM_TIMEOUT}s"
    fail "regmirror $(quote_cmd "$@")failed ($why)\n$(_rm_report)"
  fi
}

# rm_fails WHAT PATTERN ARGS...: rm_run; it must exit non-zero (not by timeout), and its
# output (stdout + stderr) must match the extended regex PATTERN (case-insensitive).
rm_fails() {
  local what=$1 pattern=$2
  shift 2
  rm_run "$@"
  ((RM_RC != 0)) || fail "$what: expected regmirror $(quote_cmd "$@")to fail, it succeeded\n$(_rm_report)"
  ((RM_RC != 124)) || fail "$what: regmirror timed out after ${RM_TIMEOUT}s instead of failing"
  if [[ -n $pattern ]] && ! cat "$RM_OUT" "$RM_ERR" | grep -qiE -- "$pattern"; then
    fail "$what: regmirror failed (exit $RM_RC) but its output does not match /$pattern/\n$(_rm_report)"
  fi
  ok "$what (exit $RM_RC)"
}

# rm_output: stdout and stderr of the last rm_run.
rm_output() { cat "$RM_OUT" "$RM_ERR"; }

# copied_stats: from the last rm_run's "Copied <digest> to <dst> (N blobs copied, M
# skipped, K mounted, <bytes>)" line, print "DIGEST N M K". Fails without such a line.
copied_stats() {
  local line re='Copied (sha256:[0-9a-f]{64}) to .* \(([0-9]+) blobs? copied, ([0-9]+) skipped, ([0-9]+) mounted'
  line=$(rm_output | grep -E 'Copied sha256:' | tail -n 1 || true)
  [[ $line =~ $re ]] || fail "no 'Copied <digest> to <dst> (N blobs copied, M skipped, K mounted, ...)' line in the output\n$(_rm_report)"
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]} ${BASH_REMATCH[4]}"
}

# ---------------------------------------------------------------------------------------
# Helper servers (proxies, token server, docker-registry with TLS/auth)

declare -A PROXY_LOG=()   # proxy/token server name -> its JSON line request log

# _watch NAME PID: as start_registry does, a watchdog that stops PID if this shell dies
# without running its traps (SIGKILL by a test driver).
_watch() {
  local name=$1 pid=$2
  (
    trap - ERR EXIT INT TERM
    set +e
    while kill -0 "$$" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill -TERM "$pid" 2>/dev/null && sleep 3 && kill -KILL "$pid" 2>/dev/null
  ) >/dev/null 2>&1 </dev/null &
  REG_WATCHDOG[$name]=$!
}

# _start_python NAME KIND SCRIPT ARGS...: start a tests/fixtures python server that writes
# its port to a file; record it like a registry (REG_ADDR[NAME], stopped at exit).
_start_python() {
  local name=$1 kind=$2 script=$3 portf="$T/$1.port" pid i
  shift 3
  [[ -z ${REG_PID[$name]:-} ]] || fail "server '$name' already started"
  rm -f "$portf"
  PROXY_LOG[$name]="$T/$name.requests.jsonl"
  : >"${PROXY_LOG[$name]}"
  python3 -u "$FIXTURES_DIR/$script" --port-file "$portf" --log "${PROXY_LOG[$name]}" "$@" \
    >"$T/$name.log" 2>&1 &
  pid=$!
  REG_PID[$name]=$pid REG_KIND[$name]=$kind REG_LOG[$name]="$T/$name.log"
  _watch "$name" "$pid"
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    [[ -s $portf ]] && break
    kill -0 "$pid" 2>/dev/null || fail "$name ($kind) exited at start:\n$(tail -n 20 "$T/$name.log")"
    sleep 0.1
  done
  [[ -s $portf ]] || fail "$name ($kind) did not start within ${READY_TIMEOUT}s"
  REG_ADDR[$name]="127.0.0.1:$(cat "$portf")"
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "${REG_ADDR[$name]}" >>"$CONTAINERS_REGISTRIES_CONF"
  log "$name: $kind on ${REG_ADDR[$name]} (pid $pid)"
}

# start_proxy NAME UPSTREAM_NAME [fault_proxy.py flags...]: a fault proxy in front of the
# registry UPSTREAM_NAME (started with start_registry/start_peer); see fault_proxy.py.
start_proxy() {
  local name=$1 up=$2
  shift 2
  _start_python "$name" fault-proxy fault_proxy.py --upstream "http://${REG_ADDR[$up]:?unknown upstream $up}" "$@"
}

# start_token_server NAME UPSTREAM_NAME USER PASSWORD [flags]: Bearer token auth in front
# of UPSTREAM_NAME; see token_server.py.
start_token_server() {
  local name=$1 up=$2 user=$3 password=$4
  shift 4
  _start_python "$name" token-server token_server.py --upstream "http://${REG_ADDR[$up]:?unknown upstream $up}" \
    --user "$user" --password "$password" "$@"
}

# proxy_requests NAME [JQ_FILTER]: the proxy's log entries (JSON lines) matching JQ_FILTER
# (a select() body, e.g. '.method == "PATCH"'), compact, one per line.
proxy_requests() {
  jq -c "select(${2:-true})" "${PROXY_LOG[$1]:?unknown proxy $1}"
}

# proxy_mark NAME: print the number of log lines so far (to look only at later requests
# with proxy_requests_since).
proxy_mark() { wc -l <"${PROXY_LOG[$1]:?unknown proxy $1}"; }

# proxy_requests_since NAME MARK [JQ_FILTER]
proxy_requests_since() {
  tail -n +"$(($2 + 1))" "${PROXY_LOG[$1]:?unknown proxy $1}" | jq -c "select(${3:-true})"
}

# proxy_upload_bytes NAME [MARK]: request body bytes sent to .../blobs/uploads/ (POST,
# PATCH, PUT) since MARK (default: since the start).
proxy_upload_bytes() {
  tail -n +"$((${2:-0} + 1))" "${PROXY_LOG[$1]:?unknown proxy $1}" |
    jq -s '[.[] | select((.method == "POST" or .method == "PATCH" or .method == "PUT")
              and (.path | test("/blobs/uploads/"))) | .req_bytes] | add // 0'
}

# make_tls_certs DIR: a CA (DIR/ca.crt, ca.key) and a server certificate it signed for
# 127.0.0.1 and localhost (DIR/server.crt, server.key), valid for a day.
make_tls_certs() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1 -subj "/CN=regmirror test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>"$dir/openssl.log" ||
    fail "openssl: creating the CA failed: $(cat "$dir/openssl.log")"
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>>"$dir/openssl.log" ||
    fail "openssl: creating the server key failed: $(cat "$dir/openssl.log")"
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 1 -sha256 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>>"$dir/openssl.log" ||
    fail "openssl: signing the server certificate failed: $(cat "$dir/openssl.log")"
}

# make_htpasswd FILE USER PASSWORD: a bcrypt htpasswd line as docker-registry wants it.
make_htpasswd() {
  local hash
  hash=$(python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$3")
  [[ $hash == '$2'* ]] || fail "python3 crypt gave no bcrypt hash: $hash"
  printf '%s:%s\n' "$2" "$hash" >>"$1"
}

# start_peer NAME [--tls CERT_DIR] [--htpasswd FILE]: docker-registry on a free port,
# optionally with TLS (CERT_DIR/server.crt, server.key, from make_tls_certs) and/or basic
# auth. Recorded like start_registry's servers; no registries.conf entry for TLS ones.
start_peer() {
  local name=$1 tls="" htpasswd="" attempt port dir logf pid scheme=http curl_tls=()
  shift
  while (($#)); do
    case $1 in
      --tls) tls=$2; shift 2 ;;
      --htpasswd) htpasswd=$2; shift 2 ;;
      *) fail "start_peer: unknown option $1" ;;
    esac
  done
  require_cmd docker-registry
  [[ -z ${REG_PID[$name]:-} ]] || fail "registry '$name' already started"
  [[ -n $tls ]] && scheme=https curl_tls=(--cacert "$tls/ca.crt")
  for attempt in 1 2 3; do
    port=$(free_port)
    dir="$T/$name"
    logf="$T/$name.log"
    rm -rf "$dir" && mkdir -p "$dir/data"
    {
      printf '%s\n' "version: 0.1" "log:" "  level: warn" "  accesslog:" "    disabled: true" \
        "storage:" "  filesystem:" "    rootdirectory: $dir/data" "  delete:" "    enabled: true" \
        "http:" "  addr: 127.0.0.1:$port" "  secret: regmirror-transfer-tests"
      [[ -n $tls ]] && printf '%s\n' "  tls:" "    certificate: $tls/server.crt" "    key: $tls/server.key"
      [[ -n $htpasswd ]] && printf '%s\n' "auth:" "  htpasswd:" "    realm: regmirror-tests" "    path: $htpasswd"
    } >"$dir/config.yml"
    local unset_args=() v
    for v in $(compgen -e); do [[ $v == REGISTRY_* ]] && unset_args+=(-u "$v"); done
    env "${unset_args[@]}" docker-registry serve "$dir/config.yml" >"$logf" 2>&1 &
    pid=$!
    REG_PID[$name]=$pid REG_KIND[$name]=docker-registry REG_LOG[$name]=$logf
    REG_ADDR[$name]="127.0.0.1:$port"
    _watch "$name" "$pid"
    local i code
    for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      # 200, or 401 with htpasswd: either way it answers.
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${curl_tls[@]}" "$scheme://127.0.0.1:$port/v2/" || true)
      if [[ $code == 200 || $code == 401 ]]; then
        [[ -z $tls ]] && printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "${REG_ADDR[$name]}" \
          >>"$CONTAINERS_REGISTRIES_CONF"
        log "$name: docker-registry ($scheme${htpasswd:+, htpasswd}) on ${REG_ADDR[$name]} (pid $pid)"
        return 0
      fi
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "$name (docker-registry) did not answer on $scheme://127.0.0.1:$port/v2/"
    wait "$pid" 2>/dev/null || true
    _forget_server "$name"
    grep -qiE 'address already in use' "$logf" ||
      fail "$name (docker-registry) exited before becoming ready:\n$(tail -n 20 "$logf")"
  done
  fail "$name (docker-registry) could not be started after 3 attempts"
}

# ---------------------------------------------------------------------------------------
# Images

# make_big_image DIR TAG MIB [COUNT]: an image of COUNT (default 1) layers of MIB MiB of
# random bytes each (uncompressed tar layers: nothing to gain by gzipping random data).
make_big_image() {
  local dir=$1 tag=$2 mib=$3 count=${4:-1} i src tarf d sz layers='[]' diffs='[]' cfg cfgd man mand
  _layout_init "$dir"
  for ((i = 0; i < count; i++)); do
    src=$(mktemp -d "$T/tmp/big.XXXXXX")
    head -c $((mib << 20)) /dev/urandom >"$src/big-$i.bin"
    tarf="$src.tar"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$src" -cf "$tarf" .
    rm -rf "$src"
    sz=$(stat -c %s "$tarf")
    d=$(_put_blob "$dir" "$tarf")
    layers=$(jq -c --arg d "$d" --argjson s "$sz" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}]' <<<"$layers")
    diffs=$(jq -c --arg d "$d" '. + [$d]' <<<"$diffs")
  done
  cfg="$T/tmp/config.json"
  jq -cn --argjson diffs "$diffs" --arg tag "$tag" '{architecture: "amd64", os: "linux",
    config: {Labels: {"org.example.tag": $tag}}, rootfs: {type: "layers", diff_ids: $diffs}}' >"$cfg"
  local cfgsz
  cfgsz=$(stat -c %s "$cfg")
  cfgd=$(_put_blob "$dir" "$cfg")
  man="$T/tmp/manifest.json"
  jq -cn --arg mt "$MT_OCI_MANIFEST" --arg cmt "$MT_OCI_CONFIG" --arg cd "$cfgd" --argjson cs "$cfgsz" \
    --argjson layers "$layers" \
    '{schemaVersion: 2, mediaType: $mt, config: {mediaType: $cmt, digest: $cd, size: $cs}, layers: $layers}' >"$man"
  local mansz
  mansz=$(stat -c %s "$man")
  mand=$(_put_blob "$dir" "$man")
  _add_ref "$dir" "$tag" "$(jq -cn --arg mt "$MT_OCI_MANIFEST" --arg d "$mand" --argjson s "$mansz" \
    '{mediaType: $mt, digest: $d, size: $s}')"
}

# push_layout DIR TAG ADDR REPO:TAG [--all]: skopeo copy of a layout tag into a registry,
# digests unchanged (without --preserve-digests skopeo gzips uncompressed layers).
push_layout() {
  local dir=$1 tag=$2 addr=$3 dest=$4
  shift 4
  skopeo_ copy --preserve-digests "$@" --dest-tls-verify=false "oci:$dir:$tag" "docker://$addr/$dest" >/dev/null
}

# served_digest ADDR REPO REF: digest of the manifest a plain-HTTP registry serves for REF
# (checked against its headers), or fails.
served_digest() { fetch_manifest "$1" "$2" "$3" "$T/tmp/served.json"; }

# manifest_status ADDR REPO REF: HTTP status of HEAD /v2/REPO/manifests/REF.
manifest_status() {
  curl -s -o /dev/null -I -w '%{http_code}' --max-time 20 -H "Accept: $MANIFEST_ACCEPT" \
    "http://$1/v2/$2/manifests/$3" || echo 000
}

# assert_manifest_absent WHAT ADDR REPO REF: HEAD answers 404.
assert_manifest_absent() {
  assert_eq "$1: HEAD http://$2/v2/$3/manifests/$4" 404 "$(manifest_status "$2" "$3" "$4")"
}

# image_blobs ADDR REPO REF: every blob (config, layers) of REF and of its children, sorted.
image_blobs() {
  local addr=$1 repo=$2 ref=$3 body="$T/tmp/blobs-of.json" c
  fetch_manifest "$addr" "$repo" "$ref" "$body" >/dev/null
  local children
  children=$(jq -r '.manifests[]?.digest' "$body")
  {
    jq -r '(.config.digest // empty), .layers[]?.digest' "$body"
    for c in $children; do
      fetch_manifest "$addr" "$repo" "$c" "$body" >/dev/null
      jq -r '.config.digest, .layers[].digest' "$body"
    done
  } | sort -u
}

# push_blob ADDR REPO FILE: monolithic upload (POST ?digest=, body in the POST; falls back
# to POST + PUT when the registry wants a session first). Prints the digest.
push_blob() {
  local addr=$1 repo=$2 file=$3 d code loc
  d=$(sha256_of "$file")
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$file" "http://$addr/v2/$repo/blobs/uploads/?digest=$d")
  if [[ $code == 202 ]]; then
    loc=$(curl -s -D - -o /dev/null -X POST "http://$addr/v2/$repo/blobs/uploads/" | tr -d '\r' |
      sed -n 's/^[Ll]ocation: //p')
    [[ $loc == http* ]] || loc="http://$addr$loc"
    [[ $loc == *\?* ]] && loc+="&digest=$d" || loc+="?digest=$d"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
      --data-binary @"$file" "$loc")
  fi
  [[ $code == 201 ]] || fail "pushing blob $d to http://$addr/v2/$repo: status $code"
  echo "$d"
}

# push_referrer ADDR REPO SUBJECT_DIGEST SUBJECT_MEDIA_TYPE SUBJECT_SIZE [ARTIFACT_TYPE]: an
# OCI artifact (empty config, one text layer) whose `subject` is the given manifest,
# pushed by digest with curl. Prints the artifact manifest's digest.
push_referrer() {
  local addr=$1 repo=$2 sd=$3 smt=$4 ssz=$5 at=${6:-application/vnd.example.sbom.v1+json}
  local dir empty layer ld man md code
  dir=$(mktemp -d "$T/tmp/referrer.XXXXXX")
  printf '{}' >"$dir/empty"
  printf '{"sbom":"for %s","nonce":"%s"}\n' "$sd" "$RANDOM$RANDOM" >"$dir/layer"
  empty=$(push_blob "$addr" "$repo" "$dir/empty")
  ld=$(push_blob "$addr" "$repo" "$dir/layer")
  man="$dir/manifest.json"
  jq -cn --arg mt "$MT_OCI_MANIFEST" --arg at "$at" --arg e "$empty" --arg ld "$ld" \
    --argjson ls "$(stat -c %s "$dir/layer")" --arg sd "$sd" --arg smt "$smt" --argjson ssz "$ssz" \
    '{schemaVersion: 2, mediaType: $mt, artifactType: $at,
      config: {mediaType: "application/vnd.oci.empty.v1+json", digest: $e, size: 2},
      layers: [{mediaType: $at, digest: $ld, size: $ls}],
      subject: {mediaType: $smt, digest: $sd, size: $ssz},
      annotations: {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}}' >"$man"
  md=$(sha256_of "$man")
  code=$(curl -s -o "$dir/put.out" -w '%{http_code}' -X PUT -H "Content-Type: $MT_OCI_MANIFEST" \
    --data-binary @"$man" "http://$addr/v2/$repo/manifests/$md")
  [[ $code == 201 ]] || fail "pushing the referrer of $sd to http://$addr/v2/$repo: status $code: $(cat "$dir/put.out")"
  echo "$md"
}

# referrer_digests ADDR REPO SUBJECT_DIGEST: digests the registry's referrers API lists.
referrer_digests() {
  curl -s --max-time 20 "http://$1/v2/$2/referrers/$3" | jq -r '.manifests[].digest' | sort
}

# fallback_referrer_digests ADDR REPO SUBJECT_DIGEST: digests listed by the referrers tag
# schema fallback (the index tagged sha256-<hex>), for registries without the API.
fallback_referrer_digests() {
  local body="$T/tmp/fallback.json" code
  code=$(curl -s -o "$body" -w '%{http_code}' -H "Accept: $MT_OCI_INDEX" \
    "http://$1/v2/$2/manifests/sha256-${3#sha256:}")
  [[ $code == 200 ]] || return 0
  jq -r '.manifests[].digest' "$body" | sort
}

# layout_size DIR DIGEST: size of a blob in an OCI layout.
layout_size() { stat -c %s "$1/blobs/sha256/${2#sha256:}"; }
