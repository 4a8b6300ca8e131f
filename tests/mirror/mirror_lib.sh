# shellcheck shell=bash disable=SC2034  # globals shared with the scripts that source this
# Helpers for the pull-through mirror tests (tests/mirror/*.sh). Sourced, never run on its
# own. Builds on tests/transfer/transfer_lib.sh (itself on tests/clients/lib.sh: temp dir
# $T, cleanup, start_registry, images, skopeo_/podman_, start_proxy, assertions) and adds:
#
#   - start_mirror NAME PORT STORAGE SERVE_ARG...: `regmirror serve` on a port and storage
#     of the caller's choosing, so that a mirror can be stopped and started again on the
#     same address with the same cache (start_registry picks both itself and wipes storage);
#   - start_proxy_at NAME PORT UPSTREAM_NAME [fault_proxy.py flags]: a fault proxy on a
#     fixed port, so that it can be replaced (faults on, faults off, gone) behind a mirror;
#   - blob_status: what a registry answers for a blob (HEAD or another method), by curl;
#   - upstream_status PREFIX: the mirror's entry for an upstream in /regmirror/v1/upstreams.
#
# The mirror's access log is off and its level is info, so $T/NAME.log holds the
# lines the server writes about fetches and stale tags.

# shellcheck source=../transfer/transfer_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../transfer/transfer_lib.sh"
MIRROR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Skipped (77) until the binary has mirror mode: `serve --upstream`.
[[ -x $REGMIRROR_BIN ]] || skip "regmirror binary not found: $REGMIRROR_BIN (set REGMIRROR_BIN)"
"$REGMIRROR_BIN" serve --help 2>&1 | grep -q -- '--upstream' ||
  skip "regmirror serve at $REGMIRROR_BIN has no --upstream (mirror mode)"

# start_mirror NAME PORT STORAGE SERVE_ARG...: start `regmirror serve --listen
# 127.0.0.1:PORT --storage STORAGE SERVE_ARG...` and wait for /healthz. PORT may be "" (a
# free one is chosen). Registered like start_registry's servers (REG_ADDR[NAME], stopped
# by stop_registry and at exit); output appended to $T/NAME.log.
start_mirror() {
  local name=$1 port=${2:-} storage=$3 pid
  shift 3
  [[ -z ${REG_PID[$name]:-} ]] || fail "mirror '$name' already started"
  [[ -n $port ]] || port=$(free_port)
  mkdir -p "$storage"
  "$REGMIRROR_BIN" serve --listen "127.0.0.1:$port" --storage "$storage" --no-access-log \
    --log-level info "$@" >>"$T/$name.log" 2>&1 &
  pid=$!
  REG_PID[$name]=$pid REG_KIND[$name]=regmirror REG_LOG[$name]="$T/$name.log"
  REG_ADDR[$name]="127.0.0.1:$port"
  _watch "$name" "$pid"
  _wait_ready "$name" "http://127.0.0.1:$port/healthz" ||
    fail "$name (regmirror serve $*) did not become ready on port $port:\n$(tail -n 30 "$T/$name.log")"
  if ! grep -qF "location = \"127.0.0.1:$port\"" "$CONTAINERS_REGISTRIES_CONF"; then
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "127.0.0.1:$port" >>"$CONTAINERS_REGISTRIES_CONF"
  fi
  log "$name: mirror on http://127.0.0.1:$port (pid $pid): $*"
}

# start_proxy_at NAME PORT UPSTREAM_NAME [fault_proxy.py flags...]: start_proxy on PORT.
start_proxy_at() {
  local name=$1 port=$2 up=$3
  shift 3
  start_proxy "$name" "$up" --listen "127.0.0.1:$port" "$@"
}

# stop_proxy NAME: stop a fault proxy (it dies of SIGTERM by design: exit 0).
stop_proxy() { _kill_server "$1"; }

# blob_status ADDR REPO DIGEST [METHOD]: HTTP status of HEAD (or METHOD) of the blob; 000
# when the connection fails.
blob_status() {
  local method=${4:-HEAD} code
  if [[ $method == HEAD ]]; then
    code=$(curl -s -o /dev/null -I -w '%{http_code}' --max-time 20 "http://$1/v2/$2/blobs/$3") || code=000
  else
    code=$(curl -s -o /dev/null -X "$method" -w '%{http_code}' --max-time 20 "http://$1/v2/$2/blobs/$3") || code=000
  fi
  echo "$code"
}

# upstream_status ADDR PREFIX: the entry of /regmirror/v1/upstreams whose prefix is
# PREFIX ("" for the whole-registry upstream), compact JSON; fails if there is none.
upstream_status() {
  local body
  body=$(curl -sf --max-time 10 "http://$1/regmirror/v1/upstreams") ||
    fail "GET http://$1/regmirror/v1/upstreams failed"
  jq -ce --arg p "$2" '.upstreams[] | select((.prefix // "") == $p)' <<<"$body" ||
    fail "no upstream with prefix '$2' in GET /regmirror/v1/upstreams: $body"
}

# mirror_fetches NAME: how many "mirror fetch" lines the mirror NAME has logged.
mirror_fetches() { grep -cE 'mirror fetch|mirror: fetched' "${REG_LOG[$1]:-$T/$1.log}" || true; }
