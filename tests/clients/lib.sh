# shellcheck shell=bash
# Helpers for the real-client tests (skopeo, podman, buildah against a registry).
# Sourced by every tests/clients/*.sh script, never run on its own.
#
# What a script gets by sourcing this file:
#   - strict mode, a fresh temp dir $T (removed on exit; KEEP_TMP=1 keeps it), an EXIT
#     trap that stops every server started here, even when a check fails;
#   - HOME, XDG_*, auth file, policy, registries.conf, storage.conf and containers.conf
#     all pointing into $T, so nothing under /etc/containers or ~/.config is relied on;
#   - start_registry / stop_registry for regmirror or docker-registry on a free port;
#   - make_oci_image / make_oci_index: small test images (a few hundred KB of random
#     files) written as OCI image layouts by hand, without network;
#   - skopeo_ / podman_ / buildah_ wrappers with test-local configuration and a timeout;
#   - assertions that print what was expected and what was seen.
#
# Environment:
#   REGISTRY_UNDER_TEST  regmirror (default) or docker-registry
#   REGMIRROR_BIN        path to the regmirror binary (default build/src/cli/regmirror)
#   CLIENT_TIMEOUT       seconds allowed for one client command (default 60)
#   CLIENT_DEBUG=1       run skopeo/podman/buildah with debug logging (shows every request)
#   KEEP_TMP=1           keep the temp dir (printed at exit) for inspection

set -Eeuo pipefail
shopt -s inherit_errexit

TEST_NAME=$(basename "${0%.sh}")
CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CLIENTS_DIR/../.." && pwd)
REGISTRY_UNDER_TEST=${REGISTRY_UNDER_TEST:-regmirror}
REGMIRROR_BIN=${REGMIRROR_BIN:-$REPO_ROOT/build/src/cli/regmirror}
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-60}
READY_TIMEOUT=${READY_TIMEOUT:-20}
STOP_TIMEOUT=${STOP_TIMEOUT:-10}

# Media types used by the images and the checks.
MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_LAYER_GZIP=application/vnd.oci.image.layer.v1.tar+gzip
MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MT_DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json
MANIFEST_ACCEPT="$MT_OCI_INDEX, $MT_OCI_MANIFEST, $MT_DOCKER_LIST, $MT_DOCKER_MANIFEST"

# ---------------------------------------------------------------------------------------
# Reporting

log() { printf '[%s] %s\n' "$TEST_NAME" "$*" >&2; }
ok() { printf '[%s] ok - %s\n' "$TEST_NAME" "$*" >&2; }

# fail MESSAGE...: print the message (may span lines) and end the test with status 1.
# Called in a command substitution it ends only that subshell; set -e (inherit_errexit)
# then ends the script, whose EXIT trap stops the servers and prints their logs.
fail() {
  printf '[%s] FAIL: %b\n' "$TEST_NAME" "$*" >&2
  exit 1
}

# skip REASON: the test cannot run here (a tool is missing); ctest maps 77 to "skipped".
skip() {
  printf '[%s] SKIP: %s\n' "$TEST_NAME" "$*" >&2
  exit 77
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "required command '$c' is not installed"
  done
}

quote_cmd() { printf '%q ' "$@"; }

_on_err() {
  # Only the top-level shell reports; subshells just propagate their status.
  [[ $BASHPID == "$$" ]] || return 0
  printf '[%s] error: exit %s at %s:%s: %s\n' "$TEST_NAME" "$1" "${BASH_SOURCE[1]:-?}" "$2" "$3" >&2
}
trap '_on_err $? $LINENO "$BASH_COMMAND"' ERR

# ---------------------------------------------------------------------------------------
# Temp dir, isolated client configuration, cleanup

require_cmd curl jq sha256sum tar gzip timeout ss

declare -A REG_PID=() REG_ADDR=() REG_KIND=() REG_LOG=() REG_WATCHDOG=()

_cleanup() {
  local rc=$? name
  trap - ERR
  for name in "${!REG_PID[@]}"; do
    _kill_server "$name"
  done
  if ((rc != 0 && rc != 77)); then
    for name in "${!REG_LOG[@]}"; do
      if [[ -s ${REG_LOG[$name]} ]]; then
        printf '[%s] --- last lines of %s log (%s) ---\n' "$TEST_NAME" "$name" "${REG_KIND[$name]}" >&2
        # (docker-registry logs every 404 HEAD of a blob a client probes: skip those)
        grep -vE 'blob unknown.*method=HEAD' "${REG_LOG[$name]}" | tail -n 20 | cut -c1-600 >&2 || true
      fi
    done
  fi
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    log "temp dir kept: $T"
  else
    rm -rf "$T"
  fi
  if ((rc == 0)); then log "PASS"; elif ((rc != 77)); then log "FAILED (exit $rc)"; fi
  exit "$rc"
}

# Short: podman refuses a runroot path longer than 50 characters.
_tmpbase=${TMPDIR:-/tmp}
((${#_tmpbase} <= 16)) || _tmpbase=/tmp
T=$(mktemp -d "$_tmpbase/rmc-$TEST_NAME.XXXXXX")
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$T/home/.config" "$T/run" "$T/tmp" "$T/conf/registries.d" "$T/work"
chmod 700 "$T/run"
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_RUNTIME_DIR="$T/run"
export XDG_DATA_HOME="$T/home/.local/share" XDG_CACHE_HOME="$T/home/.cache"
export TMPDIR="$T/tmp"
export REGISTRY_AUTH_FILE="$T/conf/auth.json"
echo '{"auths":{}}' >"$REGISTRY_AUTH_FILE"
POLICY="$T/conf/policy.json"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$POLICY"
# Also where containers/image looks first when no --policy/--signature-policy is given.
mkdir -p "$XDG_CONFIG_HOME/containers" && cp "$POLICY" "$XDG_CONFIG_HOME/containers/policy.json"
export CONTAINERS_REGISTRIES_CONF="$T/conf/registries.conf"
export CONTAINERS_STORAGE_CONF="$T/conf/storage.conf"
export CONTAINERS_CONF="$T/conf/containers.conf"
PM="$T/pm"   # podman/buildah storage and state
mkdir -p "$PM/root" "$PM/run" "$PM/tmp" "$PM/networks"
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
runroot = "$PM/run"
graphroot = "$PM/root"
EOF
cat >"$CONTAINERS_CONF" <<EOF
[engine]
events_logger = "file"
events_logfile_path = "$PM/events.log"
cgroup_manager = "cgroupfs"
tmp_dir = "$PM/tmp"
image_copy_tmp_dir = "$PM/tmp"
[network]
network_config_dir = "$PM/networks"
EOF
: >"$CONTAINERS_REGISTRIES_CONF"   # filled by start_registry: one insecure entry each


# ---------------------------------------------------------------------------------------
# Servers

# free_port: print a TCP port on 127.0.0.1 that no socket uses right now, below the
# kernel's ephemeral range (so outgoing connections do not take it meanwhile). Racy by
# nature; start_registry retries with another port when the server cannot bind.
free_port() {
  local low=10000 high=32768 port i
  read -r high _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((high > low + 1000)) || high=32768   # ephemeral range starts at $high
  for ((i = 0; i < 100; i++)); do
    port=$((low + (RANDOM * 32768 + RANDOM) % (high - low)))
    if [[ -z $(ss -Htan "sport = :$port") ]]; then
      echo "$port"
      return 0
    fi
  done
  fail "no free TCP port found"
}

# start_registry NAME KIND [SERVE_ARG...]: start a server of KIND (regmirror|docker-registry)
# called NAME, wait until it answers, and record its address in REG_ADDR[NAME]
# (127.0.0.1:PORT). Its storage lives in $T/NAME, its output in $T/NAME.log.
# SERVE_ARGs (regmirror only) are added to `regmirror serve`; with --tls-cert among them
# it serves HTTPS, is probed trusting the CA file $REG_TLS_CA, and gets no insecure
# registries.conf entry (clients must verify it).
# Must be called from the top-level shell (not in $(...)) so that the PID is ours.
start_registry() {
  local name=$1 kind=$2 attempt port dir logf pid url scheme=http curl_tls=()
  shift 2
  local serve_args=("$@")
  if [[ " ${serve_args[*]} " == *" --tls-cert "* ]]; then
    scheme=https curl_tls=(--cacert "${REG_TLS_CA:?start_registry: set REG_TLS_CA to the CA of --tls-cert}")
  fi
  [[ -z ${REG_PID[$name]:-} ]] || fail "registry '$name' already started"
  for attempt in 1 2 3; do
    port=$(free_port)
    dir="$T/$name"
    logf="$T/$name.log"
    rm -rf "$dir" && mkdir -p "$dir/data"
    case $kind in
      regmirror)
        [[ -x $REGMIRROR_BIN ]] || fail "regmirror binary not found or not executable: $REGMIRROR_BIN (set REGMIRROR_BIN, or REGISTRY_UNDER_TEST=docker-registry)"
        if [[ ${REGMIRROR_TOPOLOGY:-single} == replicas ]]; then
          _start_replicas "$dir" "$logf" "${serve_args[@]}"
          pid=$REPLICAS_PID port=$REPLICAS_PORT url="$scheme://127.0.0.1:$port/healthz"
        else
          "$REGMIRROR_BIN" serve --listen "127.0.0.1:$port" --storage "$dir/data" --log-level warn \
            "${serve_args[@]}" >"$logf" 2>&1 &
          pid=$!
          url="$scheme://127.0.0.1:$port/healthz"
        fi
        ;;
      docker-registry)
        require_cmd docker-registry
        cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: regmirror-client-tests
EOF
        # distribution reads REGISTRY_* variables as configuration overrides, so none of
        # ours (REGISTRY_AUTH_FILE, REGISTRY_UNDER_TEST, ...) may reach it.
        local unset_args=() v
        for v in $(compgen -e); do [[ $v == REGISTRY_* ]] && unset_args+=(-u "$v"); done
        env "${unset_args[@]}" docker-registry serve "$dir/config.yml" >"$logf" 2>&1 &
        pid=$!
        url="http://127.0.0.1:$port/v2/"
        ;;
      *) fail "unknown registry kind '$kind' (want regmirror or docker-registry)" ;;
    esac
    REG_PID[$name]=$pid REG_KIND[$name]=$kind REG_LOG[$name]=$logf
    REG_ADDR[$name]="127.0.0.1:$port"
    # If this shell is killed without running its traps (SIGKILL from a test driver
    # timeout), the watchdog still stops the server.
    (
      trap - ERR EXIT INT TERM
      set +e
      while kill -0 "$$" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
      kill -TERM "$pid" 2>/dev/null && sleep 3 && kill -KILL "$pid" 2>/dev/null
      if ! kill -0 "$$" 2>/dev/null && [[ ${KEEP_TMP:-0} != 1 ]]; then rm -rf "$T"; fi
    ) >/dev/null 2>&1 </dev/null &
    REG_WATCHDOG[$name]=$!
    if _wait_ready "$name" "$url" "${curl_tls[@]}"; then
      if [[ $scheme == http ]]; then
        printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "${REG_ADDR[$name]}" \
          >>"$CONTAINERS_REGISTRIES_CONF"
      fi
      log "$name: $kind listening on $scheme://${REG_ADDR[$name]} (pid $pid)"
      return 0
    fi
    if kill -0 "$pid" 2>/dev/null; then
      fail "$name ($kind) did not answer 200 on GET $url within ${READY_TIMEOUT}s"
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    _forget_server "$name"
    # It exited. If the port was taken meanwhile, try another one; else give up.
    if ! grep -qiE 'address already in use|bind' "$logf"; then
      fail "$name ($kind) exited with status $rc before becoming ready; its output:\n$(tail -n 30 "$logf")"
    fi
    log "$name ($kind): port $port taken (attempt $attempt), trying another"
  done
  fail "$name ($kind) could not be started after 3 attempts"
}

# _start_replicas DIR LOG [SERVE_ARG...]: regmirror as replicas behind HAProxy
# (tests/fixtures/replicas.py, REGMIRROR_TOPOLOGY=replicas); sets REPLICAS_PID (the fixture,
# which stops every replica on SIGTERM and exits 0 when they all did) and REPLICAS_PORT.
_start_replicas() {
  local dir=$1 logf=$2 i
  shift 2
  python3 "$REPO_ROOT/tests/fixtures/replicas.py" serve --dir "$dir/cluster" --port-file "$dir/port" \
    --regmirror "$REGMIRROR_BIN" "$@" >"$logf" 2>&1 &
  REPLICAS_PID=$!
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    [[ -s $dir/port ]] && break
    kill -0 "$REPLICAS_PID" 2>/dev/null || break
    sleep 0.1
  done
  REPLICAS_PORT=$(cat "$dir/port" 2>/dev/null || echo 0)
}

# _wait_ready NAME URL [CURL_ARG...]
_wait_ready() {
  local name=$1 url=$2 deadline code
  shift 2
  deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "${REG_PID[$name]}" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

_forget_server() {
  local name=$1
  kill "${REG_WATCHDOG[$name]}" 2>/dev/null || true
  wait "${REG_WATCHDOG[$name]}" 2>/dev/null || true
  unset "REG_PID[$name]" "REG_WATCHDOG[$name]" "REG_ADDR[$name]"
}

_kill_server() {
  local name=$1 pid=${REG_PID[$1]} i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  _forget_server "$name"
}

# stop_registry NAME: SIGTERM, and check that it stops within STOP_TIMEOUT seconds.
# regmirror must exit 0 (a clean stop); docker-registry dies of the signal (143).
stop_registry() {
  local name=$1 pid=${REG_PID[$1]:?unknown registry} kind=${REG_KIND[$1]} rc=0 i
  kill -TERM "$pid"
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "$name ($kind) still running ${STOP_TIMEOUT}s after SIGTERM"
  fi
  wait "$pid" || rc=$?
  _forget_server "$name"
  case $kind in
    regmirror) [[ $rc == 0 ]] || fail "$name (regmirror) exited with status $rc after SIGTERM, expected 0" ;;
    docker-registry) [[ $rc == 0 || $rc == 143 ]] || fail "$name (docker-registry) exited with status $rc after SIGTERM" ;;
  esac
  ok "$name ($kind) stopped on SIGTERM (exit $rc)"
}

# ---------------------------------------------------------------------------------------
# Running clients

# run CMD...: run with a timeout; on failure print the command and its stderr, then fail.
run() {
  local rc=0 err
  err=$(mktemp "$T/tmp/err.XXXXXX")
  timeout -k 5 "$CLIENT_TIMEOUT" "$@" 2>"$err" || rc=$?
  if ((rc != 0)); then
    local why="exit $rc"
    ((rc == 124)) && why="timed out after ${CLIENT_TIMEOUT}s"
    fail "command failed ($why): $(quote_cmd "$@")\n--- stderr (last 40 lines) ---\n$(tail -n 40 "$err")"
  fi
  if [[ ${CLIENT_DEBUG:-0} == 1 ]]; then cat "$err" >&2; fi
  rm -f "$err"
}

# must_fail DESCRIPTION PATTERN CMD...: CMD must exit non-zero (not by timeout) and its
# stderr must match the extended regex PATTERN (case-insensitive; '' accepts anything).
must_fail() {
  local what=$1 pattern=$2 rc=0 err
  shift 2
  err=$(mktemp "$T/tmp/err.XXXXXX")
  timeout -k 5 "$CLIENT_TIMEOUT" "$@" >/dev/null 2>"$err" || rc=$?
  ((rc != 0)) || fail "$what: expected this command to fail, but it succeeded: $(quote_cmd "$@")"
  ((rc != 124)) || fail "$what: command timed out after ${CLIENT_TIMEOUT}s instead of failing: $(quote_cmd "$@")"
  if [[ -n $pattern ]] && ! grep -qiE -- "$pattern" "$err"; then
    fail "$what: command failed as expected but its error does not match /$pattern/: $(quote_cmd "$@")\n--- stderr ---\n$(tail -n 20 "$err")"
  fi
  rm -f "$err"
  ok "$what"
}

# Client command lines with test-local configuration, for run/must_fail:
# SKOPEO: the test policy and registries.d, temp files under $T. Callers add
# --tls-verify=false / --src-tls-verify=false / --dest-tls-verify=false themselves.
SKOPEO=(skopeo --policy "$POLICY" --registries.d "$T/conf/registries.d" --tmpdir "$T/tmp")
# PODMAN / BUILDAH: vfs storage in $T/containers, nothing global.
PODMAN=(podman --root "$PM/root" --runroot "$PM/run" --storage-driver vfs --tmpdir "$PM/tmp"
  --cgroup-manager cgroupfs --events-backend file)
BUILDAH=(buildah --root "$PM/root" --runroot "$PM/run" --storage-driver vfs)
if [[ ${CLIENT_DEBUG:-0} == 1 ]]; then
  SKOPEO+=(--debug) PODMAN+=(--log-level=debug) BUILDAH+=(--log-level=debug)
fi

# skopeo_ / podman_ / buildah_ ARGS...: run (timeout, failure report) the client.
skopeo_() { run "${SKOPEO[@]}" "$@"; }
podman_() { run "${PODMAN[@]}" "$@"; }
buildah_() { run "${BUILDAH[@]}" "$@"; }

# buildah_hello_image NAME TEXT: a one-file linux/amd64 image (/hello.txt holding TEXT)
# committed by buildah as NAME in its local storage, ready for `buildah push`.
buildah_hello_image() {
  local name=$1 text=$2 ctr
  printf '%s\n' "$text" >"$T/tmp/hello.txt"
  ctr=$(buildah_ from --signature-policy "$POLICY" scratch)
  buildah_ copy "$ctr" "$T/tmp/hello.txt" /hello.txt >/dev/null
  buildah_ config --arch amd64 --os linux "$ctr"
  buildah_ commit -q --format oci --signature-policy "$POLICY" "$ctr" "$name" >/dev/null
  buildah_ rm "$ctr" >/dev/null
}

# ---------------------------------------------------------------------------------------
# Test images as OCI image layouts, written by hand

# sha256_of FILE: "sha256:<hex>"
sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

_layout_init() {
  local dir=$1
  mkdir -p "$dir/blobs/sha256"
  [[ -f $dir/oci-layout ]] || echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  [[ -f $dir/index.json ]] || echo '{"schemaVersion":2,"manifests":[]}' >"$dir/index.json"
}

# _put_blob DIR FILE: move FILE into DIR's blob store; print its digest.
_put_blob() {
  local dir=$1 f=$2 d
  d=$(sha256_of "$f")
  mv "$f" "$dir/blobs/sha256/${d#sha256:}"
  echo "$d"
}

# _make_layer DIR PLATFORM_LABEL NAME: a gzipped tar of a few random files plus a text
# file naming the layer; prints "digest size diff_id".
_make_layer() {
  local dir=$1 label=$2 name=$3 src tarf d sz diff
  src=$(mktemp -d "$T/tmp/layer.XXXXXX")
  mkdir -p "$src/data" "$src/etc"
  printf '%s\n' "$label" >"$src/etc/$name"
  head -c 40000 /dev/urandom >"$src/data/$name-a.bin"
  head -c 24000 /dev/urandom >"$src/data/$name-b.bin"
  tarf="$src.tar"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$src" -cf "$tarf" etc data
  diff=$(sha256_of "$tarf")
  gzip -n -9 "$tarf"
  sz=$(stat -c %s "$tarf.gz")
  d=$(_put_blob "$dir" "$tarf.gz")
  rm -rf "$src"
  echo "$d $sz $diff"
}

# _make_manifest DIR PLATFORM BASE_LAYER: a config + manifest for PLATFORM (os/arch[/variant])
# with BASE_LAYER ("digest size diff_id", may be empty) and one layer of its own.
# Prints the manifest descriptor as compact JSON (with platform).
_make_manifest() {
  local dir=$1 platform=$2 base=$3 os arch variant own cfg cfgd cfgsz man mand mansz
  IFS=/ read -r os arch variant <<<"$platform"
  own=$(_make_layer "$dir" "$platform" "platform-${arch}${variant:+-$variant}")
  local layers=() l ld lsz ldiff
  [[ -n $base ]] && layers+=("$base")
  layers+=("$own")
  local layers_json='[]' diffs_json='[]'
  for l in "${layers[@]}"; do
    read -r ld lsz ldiff <<<"$l"
    layers_json=$(jq -c --arg d "$ld" --argjson s "$lsz" --arg mt "$MT_OCI_LAYER_GZIP" \
      '. + [{mediaType:$mt, digest:$d, size:$s}]' <<<"$layers_json")
    diffs_json=$(jq -c --arg d "$ldiff" '. + [$d]' <<<"$diffs_json")
  done
  cfg="$T/tmp/config.json"
  jq -cn --arg os "$os" --arg arch "$arch" --arg variant "$variant" --arg p "$platform" \
    --argjson diffs "$diffs_json" '{
      created: "2024-01-01T00:00:00Z", architecture: $arch, os: $os,
      config: {Env: ["PATH=/usr/local/bin:/usr/bin:/bin"], Cmd: ["/bin/true"],
               Labels: {"org.example.platform": $p, "org.example.suite": "regmirror-clients"}},
      rootfs: {type: "layers", diff_ids: $diffs},
      history: [$diffs[] | {created: "2024-01-01T00:00:00Z", created_by: "regmirror client tests"}]
    } + (if $variant == "" then {} else {variant: $variant} end)' >"$cfg"
  cfgsz=$(stat -c %s "$cfg")
  cfgd=$(_put_blob "$dir" "$cfg")
  man="$T/tmp/manifest.json"
  jq -cn --arg mt "$MT_OCI_MANIFEST" --arg cmt "$MT_OCI_CONFIG" --arg cd "$cfgd" \
    --argjson cs "$cfgsz" --argjson layers "$layers_json" \
    '{schemaVersion: 2, mediaType: $mt, config: {mediaType: $cmt, digest: $cd, size: $cs},
      layers: $layers}' >"$man"
  mansz=$(stat -c %s "$man")
  mand=$(_put_blob "$dir" "$man")
  jq -cn --arg mt "$MT_OCI_MANIFEST" --arg d "$mand" --argjson s "$mansz" \
    --arg os "$os" --arg arch "$arch" --arg variant "$variant" \
    '{mediaType: $mt, digest: $d, size: $s,
      platform: ({architecture: $arch, os: $os} + (if $variant == "" then {} else {variant: $variant} end))}'
}

# _add_ref DIR TAG DESCRIPTOR_JSON: point TAG in DIR/index.json at the descriptor.
_add_ref() {
  local dir=$1 tag=$2 desc=$3
  jq -c --arg tag "$tag" --argjson desc "$desc" \
    '.manifests = ([.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != $tag)]
       + [$desc + {annotations: {"org.opencontainers.image.ref.name": $tag}}])' \
    "$dir/index.json" >"$dir/index.json.new"
  mv "$dir/index.json.new" "$dir/index.json"
}

# make_oci_image DIR TAG [PLATFORM]: a single-arch image (default linux/amd64) with two
# layers, tagged TAG in the OCI layout DIR (created if needed).
make_oci_image() {
  local dir=$1 tag=$2 platform=${3:-linux/amd64} base desc
  _layout_init "$dir"
  base=$(_make_layer "$dir" "base" "base")
  desc=$(_make_manifest "$dir" "$platform" "$base")
  _add_ref "$dir" "$tag" "$(jq -c 'del(.platform)' <<<"$desc")"
}

# make_test_image DIR TAG [PLATFORM...]: no or one PLATFORM: a single-arch image;
# several: a multi-arch index of them.
make_test_image() {
  if (($# <= 3)); then make_oci_image "$@"; else make_oci_index "$@"; fi
}

# make_oci_index DIR TAG PLATFORM...: a multi-arch image: one manifest per PLATFORM
# (os/arch[/variant]) sharing a base layer, in an OCI image index tagged TAG.
make_oci_index() {
  local dir=$1 tag=$2 base p descs='[]' idx idxd idxsz
  shift 2
  (($# >= 1)) || fail "make_oci_index: no platforms given"
  _layout_init "$dir"
  base=$(_make_layer "$dir" "base" "base")
  for p in "$@"; do
    descs=$(jq -c --argjson d "$(_make_manifest "$dir" "$p" "$base")" '. + [$d]' <<<"$descs")
  done
  idx="$T/tmp/index.json"
  jq -cn --arg mt "$MT_OCI_INDEX" --argjson m "$descs" \
    '{schemaVersion: 2, mediaType: $mt, manifests: $m}' >"$idx"
  idxsz=$(stat -c %s "$idx")
  idxd=$(_put_blob "$dir" "$idx")
  _add_ref "$dir" "$tag" "$(jq -cn --arg mt "$MT_OCI_INDEX" --arg d "$idxd" --argjson s "$idxsz" \
    '{mediaType: $mt, digest: $d, size: $s}')"
}

# layout_digest DIR TAG: digest of the manifest/index TAG points at in the layout.
layout_digest() {
  local d
  d=$(jq -r --arg tag "$2" \
    '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag)][0].digest // empty' \
    "$1/index.json")
  [[ -n $d ]] || fail "no tag '$2' in OCI layout $1 (index.json: $(cat "$1/index.json"))"
  echo "$d"
}

# layout_blob DIR DIGEST: print the blob (fails if the layout lacks it).
layout_blob() {
  local f="$1/blobs/sha256/${2#sha256:}"
  [[ -f $f ]] || fail "blob $2 missing from OCI layout $1"
  cat "$f"
}

# layout_children DIR INDEX_DIGEST: "digest os/arch[/variant]" per line, in index order.
layout_children() {
  layout_blob "$1" "$2" |
    jq -r '.manifests[] | "\(.digest) \(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end)"'
}

# layout_config_digest DIR MANIFEST_DIGEST
layout_config_digest() { layout_blob "$1" "$2" | jq -r .config.digest; }

# ---------------------------------------------------------------------------------------
# Talking to a registry directly (to see what the server itself answers)

# http_manifest ADDR REPO REF OUTFILE: GET the manifest with all manifest types accepted;
# writes the body to OUTFILE and prints "status|content-type|docker-content-digest".
http_manifest() {
  local addr=$1 repo=$2 ref=$3 out=$4 hdr
  hdr=$(mktemp "$T/tmp/hdr.XXXXXX")
  local code
  code=$(curl -s --max-time 20 -o "$out" -D "$hdr" -w '%{http_code}' \
    -H "Accept: $MANIFEST_ACCEPT" "http://$addr/v2/$repo/manifests/$ref") || code=000
  local ct dcd
  ct=$(grep -i '^content-type:' "$hdr" | head -n1 | cut -d: -f2- | tr -d ' \r' || true)
  dcd=$(grep -i '^docker-content-digest:' "$hdr" | head -n1 | cut -d: -f2- | tr -d ' \r' || true)
  rm -f "$hdr"
  echo "$code|$ct|$dcd"
}

# fetch_manifest ADDR REPO REF OUTFILE: GET the manifest (all manifest types accepted)
# into OUTFILE; fails unless the status is 200, Docker-Content-Digest (when sent) is the
# body's sha256 and Content-Type is the body's mediaType. Prints the body's digest.
fetch_manifest() {
  local addr=$1 repo=$2 ref=$3 out=$4 res code ct dcd got mt
  local where="GET http://$addr/v2/$repo/manifests/$ref"
  res=$(http_manifest "$addr" "$repo" "$ref" "$out") || exit 1
  IFS='|' read -r code ct dcd <<<"$res"
  [[ $code == 200 ]] || fail "$where: status $code, expected 200; body: $(head -c 500 "$out")"
  got=$(sha256_of "$out")
  if [[ -n $dcd ]]; then
    assert_eq "$where: Docker-Content-Digest header vs sha256 of the body" "$got" "$dcd"
  fi
  mt=$(jq -r '.mediaType // empty' "$out") || fail "$where: body is not JSON: $(head -c 300 "$out")"
  if [[ -n $mt ]]; then
    assert_eq "$where: Content-Type (the body's mediaType)" "$mt" "${ct%%;*}"
  fi
  echo "$got"
}

# check_served_manifest ADDR REPO REF EXPECTED_DIGEST [EXPECTED_MEDIA_TYPE]: as
# fetch_manifest, and the body hashes to EXPECTED_DIGEST (and has that mediaType).
check_served_manifest() {
  local addr=$1 repo=$2 ref=$3 want=$4 want_mt=${5:-} body got
  body=$(mktemp "$T/tmp/body.XXXXXX")
  got=$(fetch_manifest "$addr" "$repo" "$ref" "$body") || exit 1
  assert_eq "GET http://$addr/v2/$repo/manifests/$ref: sha256 of the body" "$want" "$got"
  if [[ -n $want_mt ]]; then
    assert_eq "GET http://$addr/v2/$repo/manifests/$ref: mediaType in the body" "$want_mt" \
      "$(jq -r '.mediaType // empty' "$body")"
  fi
  rm -f "$body"
}

# check_served_blob ADDR REPO DIGEST: GET the blob: status 200 and the bytes hash to DIGEST.
check_served_blob() {
  local addr=$1 repo=$2 want=$3 body code
  local where="GET http://$addr/v2/$repo/blobs/$want"
  body=$(mktemp "$T/tmp/blob.XXXXXX")
  code=$(curl -sL --max-time 20 -o "$body" -w '%{http_code}' "http://$addr/v2/$repo/blobs/$want") || code=000
  [[ $code == 200 ]] || fail "$where: status $code, expected 200; body: $(head -c 300 "$body")"
  assert_eq "$where: sha256 of the body" "$want" "$(sha256_of "$body")"
  rm -f "$body"
}

# ---------------------------------------------------------------------------------------
# Assertions

assert_eq() {
  local what=$1 want=$2 got=$3
  [[ $want == "$got" ]] || fail "$what:\n  expected: $want\n  got:      $got"
}

assert_ne() {
  local what=$1 a=$2 b=$3
  [[ $a != "$b" ]] || fail "$what: both are '$a', expected them to differ"
}

assert_match() {
  local what=$1 regex=$2 got=$3
  [[ $got =~ $regex ]] || fail "$what:\n  expected to match: $regex\n  got: $got"
}

assert_digest() {
  assert_match "$1 is a sha256 digest" '^sha256:[0-9a-f]{64}$' "$2"
}

# assert_contains_line WHAT NEEDLE HAYSTACK: HAYSTACK (newline-separated) has the line.
assert_contains_line() {
  local what=$1 needle=$2 hay=$3
  grep -qxF -- "$needle" <<<"$hay" || fail "$what: '$needle' not found in:\n$hay"
}

assert_not_contains_line() {
  local what=$1 needle=$2 hay=$3
  if grep -qxF -- "$needle" <<<"$hay"; then fail "$what: '$needle' unexpectedly present in:\n$hay"; fi
}

# layout_unpack DIR MANIFEST_DIGEST DEST: apply the manifest's layers in order into DEST
# (plain tar extraction; the test images have no whiteouts).
layout_unpack() {
  local dir=$1 man=$2 dest=$3 l
  mkdir -p "$dest"
  for l in $(layout_blob "$dir" "$man" | jq -r '.layers[].digest'); do
    tar -xzf "$dir/blobs/sha256/${l#sha256:}" -C "$dest" --no-same-owner
  done
}
