#!/usr/bin/env bash
# 20 clients GET the same uncached 50 MiB blob through a pull-through mirror at once. A
# counting proxy between the mirror and the upstream (a plain regmirror serve) delivers
# the blob at about 17 MB/s (~3 s), so the clients' requests overlap the upstream transfer:
#   - the upstream sees exactly one GET of the blob (and at most one HEAD);
#   - all 20 clients get the right bytes (sha256);
#   - every client's first body byte arrives before the proxy has finished sending;
#   - meanwhile, 3 Range GETs (from 1 MiB on) and 2 HEADs of the blob get the right answer
#     from the same fetch.
source "$(dirname "$0")/mirror_lib.sh"
CLIENTS=${CLIENTS:-20}
RATE=${RATE:-17000000}

start_registry up regmirror
UP=${REG_ADDR[up]}
head -c $((50 << 20)) /dev/urandom >"$T/work/big"
D=$(push_blob "$UP" ns/app "$T/work/big")
SIZE=$(stat -c %s "$T/work/big")
RANGE_FROM=$((1 << 20))
RANGE_SHA=$(tail -c +$((RANGE_FROM + 1)) "$T/work/big" | sha256sum | cut -d' ' -f1)
rm -f "$T/work/big"
start_proxy count up --throttle "$RATE"
start_mirror m "" "$T/m-data" --upstream "up=http://${REG_ADDR[count]}"
M=${REG_ADDR[m]}

URL="http://$M/v2/up/ns/app/blobs/$D"
python3 "$MIRROR_DIR/fetch_many.py" --clients 3 --header "Range: bytes=$RANGE_FROM-" --url "$URL" \
  >"$T/work/range.jsonl" &
range_pid=$!
python3 "$MIRROR_DIR/fetch_many.py" --clients 2 --method HEAD --url "$URL" >"$T/work/head.jsonl" &
head_pid=$!
python3 "$MIRROR_DIR/fetch_many.py" --clients "$CLIENTS" --url "$URL" >"$T/work/clients.jsonl"
wait "$range_pid" "$head_pid"

blob_path="/v2/ns/app/blobs/$D"
gets=$(proxy_requests count ".path == \"$blob_path\" and .method == \"GET\"")
heads=$(proxy_requests count ".path == \"$blob_path\" and .method == \"HEAD\"")
assert_eq "upstream GETs of the blob for all the concurrent requests" 1 "$(grep -c . <<<"$gets" || true)"
(($(grep -c . <<<"$heads" || true) <= 1)) || fail "more than one upstream HEAD of the blob:\n$heads"
ok "one upstream GET for $CLIENTS clients and 5 Range/HEAD requests"

bad=$(jq -c --arg d "$D" --argjson size "$SIZE" \
  'select(.status != 200 or .bytes != $size or .sha256 != $d or .error != null)' "$T/work/clients.jsonl")
[[ -z $bad ]] || fail "clients that did not get the blob ($SIZE bytes, $D):\n$bad"
ok "all $CLIENTS clients got $SIZE bytes hashing to $D"

upstream_done=$(jq -r .time <<<"$gets")
upstream_started=$(jq -r .started <<<"$gets")
late=$(jq -c --argjson upstream_end "$upstream_done" 'select(.first_byte >= $upstream_end)' "$T/work/clients.jsonl")
[[ -z $late ]] || fail "clients whose first byte came after the upstream transfer ended ($upstream_done):\n$late"
summary=$(jq -rs --argjson s "$upstream_started" --argjson e "$upstream_done" \
  '"upstream GET \($e - $s | . * 100 | round / 100)s; first bytes after \(map(.first_byte - $s) | min | . * 100 | round / 100)s..\(map(.first_byte - $s) | max | . * 100 | round / 100)s; clients done \(map(.done - $s) | max | . * 100 | round / 100)s"' \
  "$T/work/clients.jsonl")
ok "every client's first byte arrived before the upstream transfer ended ($summary)"

bad=$(jq -c --arg d "sha256:$RANGE_SHA" --argjson n $((SIZE - RANGE_FROM)) \
  'select(.status != 206 or .bytes != $n or .sha256 != $d or .error != null)' "$T/work/range.jsonl")
[[ -z $bad ]] || fail "Range GETs (bytes=$RANGE_FROM-) during the fetch that went wrong:\n$bad"
bad=$(jq -c --arg size "$SIZE" 'select(.status != 200 or .content_length != $size or .error != null)' \
  "$T/work/head.jsonl")
[[ -z $bad ]] || fail "HEADs during the fetch that went wrong (expected 200, Content-Length $SIZE):\n$bad"
ok "Range GETs and HEADs during the fetch are answered from it"

# Now cached: one more GET is served without the upstream.
check_served_blob "$M" up/ns/app "$D"
assert_eq "upstream GETs of the blob after a cached GET" 1 \
  "$(proxy_requests count ".path == \"$blob_path\" and .method == \"GET\"" | grep -c . || true)"
ok "a later GET is served from the cache"
