#!/usr/bin/env bash
# A pull-through mirror is read-only inside its upstream namespace and a normal registry
# outside it, and reports its upstreams:
#   - POST/PATCH/PUT/DELETE under MIRROR/up/... answer 403 DENIED; skopeo's push fails;
#   - a local repository (outside every namespace) accepts a push and serves it back;
#   - repositories an upstream's include/exclude leave out answer NAME_UNKNOWN, though the
#     upstream has them;
#   - GET /regmirror/v1/upstreams lists the upstream with its misses, hits and fetches,
#     and says it is unreachable (with the error) once the upstream is gone.
source "$(dirname "$0")/mirror_lib.sh"
require_cmd skopeo

start_registry up regmirror
UP=${REG_ADDR[up]}
SRC="$T/work/src"
make_oci_image "$SRC" v1
DIGEST=$(layout_digest "$SRC" v1)
push_layout "$SRC" v1 "$UP" ns/app:v1
start_mirror m "" "$T/m-data" --upstream "up=http://$UP"
M=${REG_ADDR[m]}

# Pull twice: the first time from the upstream (misses), the second from the cache (hits).
skopeo_ copy --preserve-digests --src-tls-verify=false "docker://$M/up/ns/app:v1" "oci:$T/work/pulled:1" >/dev/null
skopeo_ copy --preserve-digests --src-tls-verify=false "docker://$M/up/ns/app@$DIGEST" "oci:$T/work/pulled:2" >/dev/null
assert_eq "digest pulled through the mirror" "$DIGEST" "$(layout_digest "$T/work/pulled" 2)"

# expect_denied METHOD PATH [CURL_ARG...]: the mirror answers 403 with error code DENIED.
expect_denied() {
  local method=$1 path=$2 body="$T/tmp/denied.json" code
  shift 2
  code=$(curl -s --max-time 20 -o "$body" -w '%{http_code}' -X "$method" "$@" "http://$M$path") || code=000
  assert_eq "$method $path: status" 403 "$code"
  assert_eq "$method $path: error code" DENIED "$(jq -r '.errors[0].code' "$body" 2>/dev/null || true)"
}
CONFIG=$(layout_config_digest "$SRC" "$DIGEST")
expect_denied POST /v2/up/ns/app/blobs/uploads/
expect_denied POST "/v2/up/ns/app/blobs/uploads/?digest=$CONFIG" --data-binary @"$SRC/blobs/sha256/${CONFIG#sha256:}"
expect_denied POST "/v2/up/ns/app/blobs/uploads/?mount=$CONFIG&from=local/other"
expect_denied PATCH /v2/up/ns/app/blobs/uploads/0123456789abcdef --data-binary x
expect_denied PUT "/v2/up/ns/app/blobs/uploads/0123456789abcdef?digest=$CONFIG" --data-binary x
expect_denied PUT /v2/up/ns/app/manifests/v2 -H "Content-Type: $MT_OCI_MANIFEST" \
  --data-binary @"$SRC/blobs/sha256/${DIGEST#sha256:}"
expect_denied DELETE "/v2/up/ns/app/manifests/$DIGEST"
expect_denied DELETE "/v2/up/ns/app/blobs/$CONFIG"
expect_denied POST /v2/up/ns/new/blobs/uploads/
ok "pushes and deletes into the upstream namespace answer 403 DENIED"
must_fail "skopeo cannot push into the upstream namespace" "denied" \
  "${SKOPEO[@]}" copy --dest-tls-verify=false "oci:$SRC:v1" "docker://$M/up/ns/new:v1"
check_served_manifest "$M" up/ns/app v1 "$DIGEST"

push_layout "$SRC" v1 "$M" local/app:v1
check_served_manifest "$M" local/app v1 "$DIGEST"
ok "a local repository outside the namespace accepts a push"

for repo in ns/secret other/app; do push_layout "$SRC" v1 "$UP" "$repo:v1"; done
cat >"$T/work/scoped.yaml" <<YAML
mirror:
  upstreams:
    - prefix: up
      url: http://$UP
      include: ["ns/**"]
      exclude: ["ns/secret"]
YAML
start_mirror scoped "" "$T/scoped-data" --config "$T/work/scoped.yaml"
S=${REG_ADDR[scoped]}
check_served_manifest "$S" up/ns/app v1 "$DIGEST"
for repo in up/ns/secret up/other/app; do
  code=$(curl -s --max-time 20 -o "$T/tmp/unknown.json" -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" \
    "http://$S/v2/$repo/manifests/v1") || code=000
  assert_eq "GET $repo:v1 (left out by include/exclude): status" 404 "$code"
  assert_eq "GET $repo:v1 (left out by include/exclude): error code" NAME_UNKNOWN \
    "$(jq -r '.errors[0].code' "$T/tmp/unknown.json" 2>/dev/null || true)"
done
ok "repositories left out by include/exclude answer NAME_UNKNOWN"

st=$(upstream_status "$M" up)
log "status: $st"
assert_eq "status: url" "http://$UP" "$(jq -r .url <<<"$st")"
assert_eq "status: reachable" true "$(jq -r .reachable <<<"$st")"
jq -e '.misses >= 1 and .hits >= 1 and .fetches >= 1 and .cached_bytes > 0 and .fetched_bytes > 0' <<<"$st" >/dev/null ||
  fail "status after a cold and a warm pull: expected misses, hits, fetches >= 1 and cached_bytes, fetched_bytes > 0, got $st"
ok "GET /regmirror/v1/upstreams reports the upstream with its hits and misses"

stop_registry up
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Accept: $MANIFEST_ACCEPT" \
  "http://$M/v2/up/ns/app/manifests/never-pushed") || code=000
[[ $code != 200 ]] || fail "an unknown tag with the upstream gone answered 200"
st=$(upstream_status "$M" up)
jq -e '.reachable == false and (.last_error | type == "string" and length > 0)' <<<"$st" >/dev/null ||
  fail "status with the upstream gone: expected reachable false and a last_error, got $st"
ok "with the upstream gone the status says unreachable: $(jq -r .last_error <<<"$st")"
