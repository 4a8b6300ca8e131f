#!/usr/bin/env bash
# Node-side fit: a mirror whose upstream is reached through the upstream's own mirrors, as a
# node reaches it. The mirror is given a registries.conf whose entry for the upstream host
# lists a mirror (a docker-registry holding the images); the upstream itself is down (a port
# nobody listens on). skopeo pulls through the mirror by tag and by digest, and gets the
# image from the upstream's mirror; a digest-only mirror serves digests but not tags.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo jq

start_registry peer docker-registry
PEER=${REG_ADDR[peer]}
DOWN=127.0.0.1:$(free_port)
SRC="$T/work/src"
make_oci_index "$SRC" multi linux/amd64 linux/arm64
IDX=$(layout_digest "$SRC" multi)
skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$PEER/ns/app:v1" >/dev/null
skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$PEER/ns/digests:v1" >/dev/null
ok "the upstream's mirror $PEER holds ns/app:v1 and ns/digests:v1 ($IDX)"

cat >"$T/work/upstream-registries.conf" <<CONF
[[registry]]
location = "$DOWN/ns/app"
insecure = true
[[registry.mirror]]
location = "$PEER/ns/app"
insecure = true

[[registry]]
location = "$DOWN/ns/digests"
insecure = true
[[registry.mirror]]
location = "$PEER/ns/digests"
insecure = true
pull-from-mirror = "digest-only"
CONF
cat >"$T/work/mirror.yaml" <<CONF
mirror:
  registries_conf: $T/work/upstream-registries.conf
  upstreams:
    - prefix: up
      url: http://$DOWN
CONF
start_registry mirror regmirror --config "$T/work/mirror.yaml"
M=${REG_ADDR[mirror]}

skopeo_ copy --all --src-tls-verify=false "docker://$M/up/ns/app:v1" "oci:$T/work/by-tag:v1" >/dev/null
assert_eq "pulled by tag through the upstream's mirror" "$IDX" "$(layout_digest "$T/work/by-tag" v1)"
skopeo_ copy --all --src-tls-verify=false "docker://$M/up/ns/digests@$IDX" \
  "oci:$T/work/by-digest:v1" >/dev/null
assert_eq "pulled by digest through a digest-only mirror" "$IDX" \
  "$(layout_digest "$T/work/by-digest" v1)"
must_fail "a tag is not asked of a digest-only mirror (and the upstream is down)" "500" \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$M/up/ns/digests:v1"

status=$(curl -sf "http://$M/regmirror/v1/upstreams")
assert_eq "the upstream is reported unreachable" "false" "$(jq -r '.upstreams[0].reachable' <<<"$status")"
[[ $(jq -r '.upstreams[0].fetches' <<<"$status") -ge 4 ]] ||
  fail "expected the index, two manifests and their blobs fetched, got: $status"
[[ $(jq -r '.upstreams[0].cached_bytes' <<<"$status") -gt 0 ]] || fail "no cached bytes: $status"
ok "status: $(jq -c '.upstreams[0] | {reachable, fetches, cached_bytes}' <<<"$status")"
