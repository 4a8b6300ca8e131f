#!/usr/bin/env bash
# The test fixtures themselves, checked with real tools (skopeo, curl, docker-registry),
# so that a transfer test failing means regmirror misbehaved, not the fixture:
# fault_proxy.py passes images through unchanged and injects each fault; token_server.py
# does Bearer auth as skopeo expects; make_tls_certs + start_peer --tls give a registry
# trusted through a cert dir and refused without; start_peer --htpasswd wants credentials.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry

start_peer up
U=${REG_ADDR[up]}
SRC="$T/work/src"
make_oci_index "$SRC" multi linux/amd64 linux/arm64
make_oci_image "$SRC" single linux/amd64
SINGLE=$(layout_digest "$SRC" single)
LAYER=$(layout_blob "$SRC" "$SINGLE" | jq -r '.layers[-1].digest')
LAYER_SIZE=$(layout_blob "$SRC" "$SINGLE" | jq -r '.layers[-1].size')

# --- fault_proxy without faults: push and pull through it, digests unchanged -----------
start_proxy clean up
P=${REG_ADDR[clean]}
push_layout "$SRC" multi "$P" fx/multi:v1 --all
push_layout "$SRC" single "$P" fx/single:v1
check_served_manifest "$U" fx/multi v1 "$(layout_digest "$SRC" multi)"
check_served_manifest "$U" fx/single v1 "$SINGLE"
skopeo_ copy --all --src-tls-verify=false "docker://$P/fx/multi:v1" "oci:$T/work/back:multi" >/dev/null
assert_eq "index digest after a pull through the proxy" "$(layout_digest "$SRC" multi)" "$(layout_digest "$T/work/back" multi)"
n=$(proxy_requests clean '.method == "PATCH" or .method == "PUT"' | wc -l)
((n >= 3)) || fail "the proxy log has $n upload requests, expected the pushes' PATCH/PUTs"
assert_eq "a logged blob GET has the blob's size as resp_bytes" "$LAYER_SIZE" \
  "$(curl -s -o /dev/null "http://$P/v2/fx/single/blobs/$LAYER" && proxy_requests clean ".path | endswith(\"$LAYER\")" | tail -n1 | jq .resp_bytes)"
curl -s -o "$T/work/part" -r 10-99 "http://$P/v2/fx/single/blobs/$LAYER"
assert_eq "a Range GET through the proxy returns the range" 90 "$(stat -c %s "$T/work/part")"
assert_eq "the proxy log records the request's Range header" '"bytes=10-99"' \
  "$(proxy_requests clean '.range != null' | tail -n1 | jq .range)"
ok "fault_proxy passes pushes, pulls and Range GETs through unchanged and logs them"

# --- corrupt a blob: skopeo refuses it with a digest error ---------------------------
start_proxy corrupt up --corrupt-blob "$LAYER"
C=${REG_ADDR[corrupt]}
curl -s -o "$T/work/corrupt" "http://$C/v2/fx/single/blobs/$LAYER"
assert_eq "corrupted blob keeps its size" "$LAYER_SIZE" "$(stat -c %s "$T/work/corrupt")"
assert_eq "bytes differing from the real blob" 1 \
  "$(cmp -l "$T/work/corrupt" "$SRC/blobs/sha256/${LAYER#sha256:}" | wc -l)"
must_fail "skopeo copy of an image whose layer the proxy corrupts fails with a digest error" \
  'digest' "${SKOPEO[@]}" copy --src-tls-verify=false "docker://$C/fx/single:v1" "oci:$T/work/corrupted:x"
ok "--corrupt-blob flips one byte"

# --- cut blob GETs ---------------------------------------------------------------------
start_proxy cutget up --cut-get-after 1000 --cut-times 0
rc=0
curl -s -o "$T/work/cut" "http://${REG_ADDR[cutget]}/v2/fx/single/blobs/$LAYER" || rc=$?
assert_eq "curl exit status for a cut blob GET (18: partial file)" 18 "$rc"
assert_eq "bytes received before the cut" 1000 "$(stat -c %s "$T/work/cut")"
must_fail "skopeo copy through a proxy cutting every blob GET fails" '' \
  "${SKOPEO[@]}" copy --retry-times 1 --src-tls-verify=false "docker://${REG_ADDR[cutget]}/fx/single:v1" "oci:$T/work/cut-copy:x"
start_proxy cutonce up --cut-get-after 1000 --cut-times 1
curl -s -o /dev/null "http://${REG_ADDR[cutonce]}/v2/fx/single/blobs/$LAYER" || true
code=$(curl -s -o "$T/work/whole" -w '%{http_code}' "http://${REG_ADDR[cutonce]}/v2/fx/single/blobs/$LAYER")
assert_eq "second GET through a cut-once proxy" "200 $LAYER" "$code $(sha256_of "$T/work/whole")"
ok "--cut-get-after cuts once or always"

# --- cut and stall uploads -----------------------------------------------------------------
make_big_image "$T/work/big" big 1
start_proxy cutup up --cut-upload-after 100000 --cut-times 0
must_fail "skopeo push through a proxy cutting every upload after 100000 bytes fails" '' \
  "${SKOPEO[@]}" copy --dest-tls-verify=false "oci:$T/work/big:big" "docker://${REG_ADDR[cutup]}/fx/big:v1"
assert_eq "the proxy logged a cut upload" cut "$(proxy_requests cutup '.event == "cut"' | head -n1 | jq -r .event)"
assert_eq "bytes forwarded by the cut request" 100000 "$(proxy_requests cutup '.event == "cut"' | head -n1 | jq .req_bytes)"
assert_manifest_absent "after a cut push" "$U" fx/big v1

start_proxy stall up --stall-upload-after 50000 --stall-seconds 60
loc=$(curl -s -D - -o /dev/null -X POST "http://${REG_ADDR[stall]}/v2/fx/stall/blobs/uploads/" |
  tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
[[ -n $loc ]] || fail "no Location from POST through the stall proxy"
[[ $loc == http* ]] || loc="http://${REG_ADDR[stall]}$loc"
head -c 200000 /dev/urandom >"$T/work/chunk"
curl -s -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @"$T/work/chunk" "$loc" &
curl_pid=$!
for ((i = 0; i < 100; i++)); do
  [[ -n $(proxy_requests stall '.event == "stalled"') ]] && break
  sleep 0.1
done
[[ -n $(proxy_requests stall '.event == "stalled"') ]] || fail "the stall proxy logged no 'stalled' event"
kill -0 "$curl_pid" 2>/dev/null || fail "the client of a stalled upload ended by itself"
kill "$curl_pid" && wait "$curl_pid" 2>/dev/null || true
ok "--cut-upload-after / --stall-upload-after interrupt uploads (stall: client hangs, 'stalled' logged)"

# --- 429 / 503 the first K times, throttle -------------------------------------------------
start_proxy busy up --fail-status 429 --fail-times 2 --retry-after 1 --fail-match '/manifests/'
for want in 429 429 200; do
  got=$(curl -s -o /dev/null -D "$T/work/h" -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" \
    "http://${REG_ADDR[busy]}/v2/fx/single/manifests/v1")
  assert_eq "GET manifest through --fail-status 429 --fail-times 2" "$want" "$got"
  [[ $got == 429 ]] && assert_eq "Retry-After header" "Retry-After: 1" "$(grep -i '^retry-after' "$T/work/h" | tr -d '\r')"
done
start_proxy flaky up --fail-status 503 --fail-times 1
for want in 503 200; do
  got=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" \
    "http://${REG_ADDR[flaky]}/v2/fx/single/manifests/v1")
  assert_eq "GET manifest through --fail-status 503 --fail-times 1" "$want" "$got"
done
assert_eq "503 answers logged" 1 "$(proxy_requests flaky '.status == 503' | wc -l)"
ok "--fail-status answers 429 (with Retry-After) / 503 the first K times, then forwards"

start_proxy slow up --throttle 200000
start=$(date +%s%N)
curl -s -o /dev/null "http://${REG_ADDR[slow]}/v2/fx/single/blobs/$LAYER"
ms=$((($(date +%s%N) - start) / 1000000))
min_ms=$((LAYER_SIZE * 1000 / 200000 * 8 / 10))
((ms >= min_ms)) || fail "a $LAYER_SIZE-byte GET at 200000 B/s took ${ms} ms, expected >= ${min_ms} ms"
ok "--throttle 200000: $LAYER_SIZE bytes in ${ms} ms"

# --- token server ----------------------------------------------------------------------------
start_token_server tok up alice s3cret
K=${REG_ADDR[tok]}
code=$(curl -s -o /dev/null -D "$T/work/h" -w '%{http_code}' "http://$K/v2/fx/single/manifests/v1")
assert_eq "anonymous GET through the token server" 401 "$code"
assert_match "WWW-Authenticate challenge" "Bearer realm=\"http://$K/token\",service=\"[^\"]+\",scope=\"repository:fx/single:pull\"" \
  "$(grep -i '^www-authenticate' "$T/work/h" | tr -d '\r')"
must_fail "skopeo without credentials is refused by the token server" 'unauthorized|authentication required|401' \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$K/fx/single:v1"
must_fail "skopeo with a wrong password is refused by the token server" 'unauthorized|401|wrong user' \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false --creds alice:wrong "docker://$K/fx/single:v1"
skopeo_ copy --src-tls-verify=false --dest-tls-verify=false --src-creds alice:s3cret --dest-creds alice:s3cret \
  "docker://$K/fx/single:v1" "docker://$K/fx/tokened:v1" >/dev/null
check_served_manifest "$U" fx/tokened v1 "$SINGLE"
((${#PROXY_LOG[tok]} > 0)) && [[ -n $(proxy_requests tok '.path | startswith("/token")') ]] ||
  fail "skopeo got no token from the token server"
ok "token_server: 401 + Bearer challenge, token for the right credentials, skopeo copies"

# --- TLS: trusted through a cert dir, refused without -----------------------------------
make_tls_certs "$T/tls"
start_peer secure --tls "$T/tls"
S=${REG_ADDR[secure]}
mkdir -p "$T/certs.d/$S" && cp "$T/tls/ca.crt" "$T/certs.d/$S/ca.crt"
skopeo_ copy --dest-cert-dir "$T/certs.d/$S" "oci:$SRC:single" "docker://$S/fx/single:v1" >/dev/null
skopeo_ inspect --cert-dir "$T/certs.d/$S" --raw "docker://$S/fx/single:v1" >"$T/work/raw"
assert_eq "digest from the TLS registry" "$SINGLE" "$(sha256_of "$T/work/raw")"
must_fail "skopeo without the CA refuses the TLS registry" 'x509|certificate' \
  "${SKOPEO[@]}" inspect --raw "docker://$S/fx/single:v1"
ok "TLS docker-registry: trusted with --cert-dir holding ca.crt, refused without"

# --- htpasswd docker-registry ------------------------------------------------------------------
make_htpasswd "$T/htpasswd" bob hunter2
start_peer locked --htpasswd "$T/htpasswd"
L=${REG_ADDR[locked]}
must_fail "skopeo push without credentials to the htpasswd registry fails" 'unauthorized|authentication required|401' \
  "${SKOPEO[@]}" copy --dest-tls-verify=false "oci:$SRC:single" "docker://$L/fx/single:v1"
must_fail "skopeo push with a wrong password fails" 'unauthorized|authentication required|401' \
  "${SKOPEO[@]}" copy --dest-tls-verify=false --dest-creds bob:wrong "oci:$SRC:single" "docker://$L/fx/single:v1"
skopeo_ copy --dest-tls-verify=false --dest-creds bob:hunter2 "oci:$SRC:single" "docker://$L/fx/single:v1" >/dev/null
assert_eq "anonymous GET of the pushed manifest" 401 "$(manifest_status "$L" fx/single v1)"
skopeo_ inspect --raw --tls-verify=false --creds bob:hunter2 "docker://$L/fx/single:v1" >"$T/work/raw"
assert_eq "digest from the htpasswd registry" "$SINGLE" "$(sha256_of "$T/work/raw")"
ok "htpasswd docker-registry: wrong or no credentials refused, the right ones work"
