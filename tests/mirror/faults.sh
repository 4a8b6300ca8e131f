#!/usr/bin/env bash
# An upstream that misbehaves behind a pull-through mirror (a fault proxy in front of a
# plain regmirror serve, on a fixed port so it can be replaced):
#   - corrupted bytes (one byte flipped) and a connection cut mid-body: every one of 3
#     concurrent requesters sees an error (error status, short body or closed connection),
#     never a complete 200 body;
#   - nothing is cached: with the proxy gone (upstream unreachable) the mirror does not
#     have the blob (HEAD is not 200);
#   - with a proxy without faults in its place, the next request fetches again and gets
#     the right bytes.
source "$(dirname "$0")/mirror_lib.sh"
REQUESTERS=3

start_registry up regmirror
UP=${REG_ADDR[up]}
for name in corrupt cut; do
  head -c $((4 << 20)) /dev/urandom >"$T/work/$name"
done
CORRUPT=$(push_blob "$UP" ns/app "$T/work/corrupt")
CUT=$(push_blob "$UP" ns/app "$T/work/cut")
SIZE=$((4 << 20))
PP=$(free_port)
start_proxy_at fp "$PP" up --corrupt-blob "$CORRUPT"
start_mirror m "" "$T/m-data" --upstream "up=http://127.0.0.1:$PP"
M=${REG_ADDR[m]}

# get_concurrently DIGEST: REQUESTERS curl GETs of the blob at once; each must fail to
# deliver it: curl error, non-200 status, or fewer than SIZE bytes.
get_concurrently() {
  local d=$1 i pids=() out
  for ((i = 0; i < REQUESTERS; i++)); do
    out="$T/work/got-$i"
    (
      rc=0
      code=$(curl -s --max-time 30 -o "$out" -w '%{http_code}' "http://$M/v2/up/ns/app/blobs/$d") || rc=$?
      echo "$rc $code $(stat -c %s "$out" 2>/dev/null || echo 0) $(sha256_of "$out" 2>/dev/null || echo none)" >"$out.result"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  for ((i = 0; i < REQUESTERS; i++)); do
    read -r rc code bytes sha <"$T/work/got-$i.result"
    if [[ $rc == 0 && $code == 200 && $bytes == "$SIZE" ]]; then
      fail "requester $i got a complete 200 response ($bytes bytes, $sha) for $d from a faulty upstream"
    fi
    [[ $sha != "$d" ]] || fail "requester $i got the right bytes from a faulty upstream (curl exit $rc, status $code)"
    log "requester $i: curl exit $rc, status $code, $bytes of $SIZE bytes"
  done
}

# not_cached WHAT DIGEST: with the upstream unreachable, the mirror has no such blob.
not_cached() {
  stop_proxy fp
  local code
  code=$(blob_status "$M" up/ns/app "$2")
  [[ $code != 200 ]] || fail "$1: HEAD of $2 through the mirror is 200 with the upstream gone: the bad fetch was cached"
  code=$(blob_status "$M" up/ns/app "$2" GET)
  [[ $code != 200 ]] || fail "$1: GET of $2 through the mirror is 200 with the upstream gone: the bad fetch was cached"
  ok "$1: nothing cached (HEAD/GET with the upstream gone: $code)"
}

# fetched_again WHAT DIGEST: a proxy without faults; the next GET fetches and succeeds.
fetched_again() {
  start_proxy_at fp "$PP" up
  check_served_blob "$M" up/ns/app "$2"
  assert_eq "$1: upstream GETs of the blob once the fault is gone" 1 \
    "$(proxy_requests fp ".method == \"GET\" and (.path | endswith(\"$2\"))" | grep -c . || true)"
  ok "$1: the next request fetches again and gets the right bytes"
}

get_concurrently "$CORRUPT"
ok "corrupted upstream bytes: all $REQUESTERS requesters see an error"
not_cached corrupted "$CORRUPT"
fetched_again corrupted "$CORRUPT"

stop_proxy fp
start_proxy_at fp "$PP" up --cut-get-after 1000000 --cut-times 0 --match "$CUT"
get_concurrently "$CUT"
ok "connection cut after 1000000 bytes: all $REQUESTERS requesters see an error"
not_cached cut "$CUT"
fetched_again cut "$CUT"
