#!/usr/bin/env bash
# regmirror copy when things go wrong, and with auth and TLS:
#   - a corrupted blob fails the copy with a digest error and no manifest is written;
#   - an upload of a large blob interrupted half way (the process killed) resumes on the
#     next run: it sends less than the blob (the proxy counts the bytes);
#   - a download cut half way is resumed with a Range request;
#   - 429 with Retry-After and 503 are retried (after the Retry-After delay);
#   - htpasswd (docker-registry): wrong credentials fail clearly, right ones (flag or
#     authfile) work; Bearer tokens through token_server.py; TLS trusted through
#     --certs-d ROOT/127.0.0.1:PORT/ca.crt or --dest-cert-dir, refused without.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd copy serve
BIG_MIB=${BIG_MIB:-40}
RM_TIMEOUT=120

start_registry src regmirror
start_registry dst regmirror
start_peer peer
S=${REG_ADDR[src]}
DST=${REG_ADDR[dst]}
P=${REG_ADDR[peer]}
SRC="$T/work/src"
make_oci_image "$SRC" single linux/amd64
SINGLE=$(layout_digest "$SRC" single)
LAYER=$(layout_blob "$SRC" "$SINGLE" | jq -r '.layers[-1].digest')
push_layout "$SRC" single "$S" ft/single:v1

# --- corrupted blob ----------------------------------------------------------------------------
start_proxy corrupt src --corrupt-blob "$LAYER"
rm_fails "copy of an image with a corrupted layer fails with a digest error" 'digest' \
  copy --tls-verify=false "docker://${REG_ADDR[corrupt]}/ft/single:v1" "docker://$P/ft/corrupt:v1"
assert_manifest_absent "after the corrupted copy, docker-registry" "$P" ft/corrupt v1
assert_manifest_absent "after the corrupted copy, docker-registry (by digest)" "$P" ft/corrupt "$SINGLE"
code=$(curl -s -o /dev/null -I -w '%{http_code}' "http://$P/v2/ft/corrupt/blobs/$LAYER")
assert_eq "the corrupted layer is not in the destination" 404 "$code"

# --- an interrupted upload resumes ---------------------------------------------------------------
make_big_image "$SRC" big "$BIG_MIB"
BIG=$(layout_digest "$SRC" big)
BIG_LAYER=$(layout_blob "$SRC" "$BIG" | jq -r '.layers[0].digest')
BIG_SIZE=$(layout_size "$SRC" "$BIG_LAYER")
CUT=$((BIG_SIZE * 9 / 10))
start_proxy upl dst --stall-upload-after "$CUT" --stall-seconds 60
STATE="$T/work/state"
mkdir -p "$STATE"
log "run 1: copy of a $BIG_SIZE-byte layer, stalled after $CUT bytes, then killed"
# Not under `timeout`: the pid must be regmirror's own, for the SIGKILL below.
"$REGMIRROR_BIN" copy --dest-tls-verify=false --state-dir "$STATE" \
  "oci:$SRC:big" "docker://${REG_ADDR[upl]}/ft/big:v1" >"$T/work/run1.out" 2>&1 &
run1=$!
for ((i = 0; i < 600; i++)); do
  [[ -n $(proxy_requests upl '.event == "stalled"') ]] && break
  kill -0 "$run1" 2>/dev/null || fail "run 1 ended before the upload stalled:\n$(tail -n 20 "$T/work/run1.out")"
  sleep 0.1
done
[[ -n $(proxy_requests upl '.event == "stalled"') ]] || fail "the upload never reached $CUT bytes"
kill -KILL "$run1"
{ wait "$run1" || true; } 2>/dev/null
assert_manifest_absent "after the killed run" "$DST" ft/big v1
mark=$(proxy_mark upl)
sent1=$(proxy_upload_bytes upl)
rm_ok copy --dest-tls-verify=false --state-dir "$STATE" "oci:$SRC:big" "docker://${REG_ADDR[upl]}/ft/big:v1"
sent2=$(proxy_upload_bytes upl "$mark")
check_served_manifest "$DST" ft/big v1 "$BIG"
check_served_blob "$DST" ft/big "$BIG_LAYER"
log "run 1 sent $sent1 bytes before it was killed; run 2 sent $sent2 bytes (layer: $BIG_SIZE)"
((sent2 < BIG_SIZE / 2)) ||
  fail "run 2 sent $sent2 bytes of uploads for a $BIG_SIZE-byte layer after run 1 got $sent1 through: not resumed\n$(proxy_requests_since upl "$mark" | cut -c1-300)"
ok "interrupted upload resumed: the second run sent $sent2 of $BIG_SIZE bytes"

# --- an interrupted download resumes with a Range request ---------------------------------
push_layout "$SRC" big "$S" ft/big:v1
start_proxy dl src --cut-get-after $((BIG_SIZE / 2)) --cut-times 1 --match "$BIG_LAYER"
rm_ok copy --retry-times 3 --tls-verify=false "docker://${REG_ADDR[dl]}/ft/big:v1" "docker://$P/ft/big:v1"
check_served_manifest "$P" ft/big v1 "$BIG"
check_served_blob "$P" ft/big "$BIG_LAYER"
gets=$(proxy_requests dl ".method == \"GET\" and (.path | endswith(\"$BIG_LAYER\"))")
assert_eq "GETs of the big layer (cut, then resumed)" 2 "$(wc -l <<<"$gets")"
range=$(tail -n1 <<<"$gets" | jq -r '.range // empty')
assert_match "the second GET asks for the rest" "^bytes=$((BIG_SIZE / 2))-" "$range"
ok "download cut at $((BIG_SIZE / 2)) bytes resumed with Range: $range"

# --- 429 with Retry-After, 503 ---------------------------------------------------------------
start_proxy busy dst --fail-status 429 --fail-times 2 --retry-after 2 --fail-match '/manifests/'
rm_ok copy --retry-times 3 --dest-tls-verify=false "oci:$SRC:single" "docker://${REG_ADDR[busy]}/ft/busy:v1"
check_served_manifest "$DST" ft/busy v1 "$SINGLE"
mapfile -t times < <(proxy_requests busy '.path | test("/manifests/")' | jq -r '"\(.time) \(.status)"')
assert_eq "the first two manifest requests got 429" "429 429" "$(awk '{print $2}' <<<"${times[0]}
${times[1]}" | tr '\n' ' ' | sed 's/ $//')"
gap=$(awk -v a="${times[0]% *}" -v b="${times[1]% *}" 'BEGIN { print (b - a >= 1.9) ? "yes" : "no" }')
assert_eq "Retry-After: 2 honoured (>= 2 s between the first two attempts: ${times[0]% *} -> ${times[1]% *})" yes "$gap"
ok "429 with Retry-After retried after the delay"

start_proxy unavailable dst --fail-status 503 --fail-times 2 --fail-match '/blobs/'
rm_ok copy --retry-times 3 --dest-tls-verify=false "oci:$SRC:single" "docker://${REG_ADDR[unavailable]}/ft/unavailable:v1"
check_served_manifest "$DST" ft/unavailable v1 "$SINGLE"
assert_eq "503 answers given" 2 "$(proxy_requests unavailable '.status == 503' | wc -l)"
ok "503 retried"

# --- htpasswd ---------------------------------------------------------------------------------
make_htpasswd "$T/htpasswd" bob hunter2
start_peer locked --htpasswd "$T/htpasswd"
L=${REG_ADDR[locked]}
rm_fails "copy to the htpasswd registry without credentials" 'unauthorized|authentication|401|credentials' \
  copy --dest-tls-verify=false "oci:$SRC:single" "docker://$L/ft/single:v1"
rm_fails "copy to the htpasswd registry with a wrong password" 'unauthorized|authentication|401|credentials' \
  copy --dest-tls-verify=false --dest-creds bob:wrong "oci:$SRC:single" "docker://$L/ft/single:v1"
rm_ok copy --dest-tls-verify=false --dest-creds bob:hunter2 "oci:$SRC:single" "docker://$L/ft/single:v1"
skopeo_ inspect --raw --tls-verify=false --creds bob:hunter2 "docker://$L/ft/single:v1" >"$T/work/raw"
assert_eq "htpasswd registry holds the image" "$SINGLE" "$(sha256_of "$T/work/raw")"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$L" "$(printf 'bob:hunter2' | base64)" >"$T/work/auth.json"
rm_ok copy --src-tls-verify=false --dest-tls-verify=false --src-authfile "$T/work/auth.json" \
  "docker://$L/ft/single:v1" "docker://$P/ft/from-locked:v1"
check_served_manifest "$P" ft/from-locked v1 "$SINGLE"
rm_ok copy --tls-verify=false --authfile "$T/work/auth.json" "docker://$L/ft/single:v1" "docker://$L/ft/again:v1"
skopeo_ inspect --raw --tls-verify=false --creds bob:hunter2 "docker://$L/ft/again:v1" >"$T/work/raw"
assert_eq "copy within the htpasswd registry with --authfile" "$SINGLE" "$(sha256_of "$T/work/raw")"
ok "htpasswd: refused without or with wrong credentials; --dest-creds, --src-authfile, --authfile work"

# --- Bearer tokens -------------------------------------------------------------------------------
start_token_server tok dst alice s3cret
K=${REG_ADDR[tok]}
rm_fails "copy through the token server without credentials" 'unauthorized|authentication|401|credentials' \
  copy --dest-tls-verify=false "oci:$SRC:single" "docker://$K/ft/tok:v1"
rm_fails "copy through the token server with a wrong password" 'unauthorized|authentication|401|credentials' \
  copy --dest-tls-verify=false --dest-creds alice:nope "oci:$SRC:single" "docker://$K/ft/tok:v1"
rm_ok copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$SRC:single" "docker://$K/ft/tok:v1"
check_served_manifest "$DST" ft/tok v1 "$SINGLE"
[[ -n $(proxy_requests tok '(.path | startswith("/token")) and .status == 200') ]] ||
  fail "regmirror never got a token from the token server"
rm_ok copy --src-tls-verify=false --dest-tls-verify=false --src-creds alice:s3cret \
  "docker://$K/ft/tok:v1" "docker://$P/ft/from-tok:v1"
check_served_manifest "$P" ft/from-tok v1 "$SINGLE"
ok "Bearer: a token for the right credentials, both as destination and as source"

# --- TLS -------------------------------------------------------------------------------------------
make_tls_certs "$T/tls"
start_peer secure --tls "$T/tls"
SEC=${REG_ADDR[secure]}
rm_fails "copy to a TLS registry whose CA is not trusted" 'x509|certificate|verify|SSL|TLS' \
  copy "oci:$SRC:single" "docker://$SEC/ft/single:v1"
mkdir -p "$T/certs.d/$SEC" && cp "$T/tls/ca.crt" "$T/certs.d/$SEC/ca.crt"
rm_ok copy --certs-d "$T/certs.d" "oci:$SRC:single" "docker://$SEC/ft/single:v1"
code=$(curl -s -o "$T/work/raw" -w '%{http_code}' --cacert "$T/tls/ca.crt" -H "Accept: $MT_OCI_MANIFEST" \
  "https://$SEC/v2/ft/single/manifests/v1")
assert_eq "TLS registry holds the image" "200 $SINGLE" "$code $(sha256_of "$T/work/raw")"
rm_ok copy --dest-cert-dir "$T/certs.d/$SEC" --src-tls-verify=false "docker://$S/ft/single:v1" "docker://$SEC/ft/by-cert-dir:v1"
rm_ok copy --certs-d "$T/certs.d" --dest-tls-verify=false "docker://$SEC/ft/by-cert-dir:v1" "docker://$P/ft/from-tls:v1"
check_served_manifest "$P" ft/from-tls v1 "$SINGLE"
ok "TLS: refused without the CA; trusted with --certs-d ROOT/$SEC/ca.crt and with --dest-cert-dir"

for r in src dst peer locked secure; do stop_registry "$r"; done
