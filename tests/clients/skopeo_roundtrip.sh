#!/usr/bin/env bash
# skopeo against the registry under test: a multi-arch image (OCI index of three
# platform manifests) and a single-arch image go from an OCI layout into the registry and
# back out to another layout with every digest unchanged; inspect, inspect --raw,
# inspect --config, list-tags, delete.
source "$(dirname "$0")/lib.sh"
require_cmd skopeo

start_registry sut "$REGISTRY_UNDER_TEST"
R=${REG_ADDR[sut]}
SRC="$T/work/src"

make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
make_oci_image "$SRC" single linux/amd64
IDX=$(layout_digest "$SRC" multi)
SINGLE=$(layout_digest "$SRC" single)
mapfile -t CHILDREN < <(layout_children "$SRC" "$IDX")
assert_eq "platform manifests in the test index" 3 "${#CHILDREN[@]}"
log "multi-arch index $IDX, single-arch manifest $SINGLE"

# --- multi-arch: OCI layout -> registry ------------------------------------------------
skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$R/clients/multi:v1" >/dev/null
ok "skopeo copy --all oci:multi -> docker://$R/clients/multi:v1"

# What the registry serves, byte for byte: the index by tag and by digest, each child.
check_served_manifest "$R" clients/multi v1 "$IDX" "$MT_OCI_INDEX"
check_served_manifest "$R" clients/multi "$IDX" "$IDX" "$MT_OCI_INDEX"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  check_served_manifest "$R" clients/multi "$cd" "$cd" "$MT_OCI_MANIFEST"
done
ok "registry serves the index and its 3 manifests with the source digests"

# skopeo inspect --raw returns the exact bytes.
skopeo_ inspect --raw --tls-verify=false "docker://$R/clients/multi:v1" >"$T/work/raw-index"
assert_eq "sha256 of skopeo inspect --raw clients/multi:v1" "$IDX" "$(sha256_of "$T/work/raw-index")"
cmp -s "$T/work/raw-index" "$SRC/blobs/sha256/${IDX#sha256:}" ||
  fail "skopeo inspect --raw clients/multi:v1 differs from the source index"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  skopeo_ inspect --raw --tls-verify=false "docker://$R/clients/multi@$cd" >"$T/work/raw-child"
  assert_eq "sha256 of skopeo inspect --raw clients/multi@$cd ($cp)" "$cd" "$(sha256_of "$T/work/raw-child")"
done
ok "skopeo inspect --raw: index and children byte-identical"

# skopeo inspect picks the platform's manifest out of the index.
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  IFS=/ read -r os arch variant <<<"$cp"
  args=(--override-os "$os" --override-arch "$arch")
  [[ -n $variant ]] && args+=(--override-variant "$variant")
  skopeo_ "${args[@]}" inspect --tls-verify=false "docker://$R/clients/multi:v1" >"$T/work/inspect.json"
  assert_eq "skopeo inspect ($cp) .Digest" "$IDX" "$(jq -r .Digest "$T/work/inspect.json")"
  assert_eq "skopeo inspect ($cp) .Architecture" "$arch" "$(jq -r .Architecture "$T/work/inspect.json")"
  assert_eq "skopeo inspect ($cp) platform label" "$cp" \
    "$(jq -r '.Labels["org.example.platform"]' "$T/work/inspect.json")"
  assert_eq "skopeo inspect ($cp) .Layers" \
    "$(layout_blob "$SRC" "$cd" | jq -c '[.layers[].digest]')" "$(jq -c .Layers "$T/work/inspect.json")"
  assert_eq "skopeo inspect ($cp) .RepoTags" '["v1"]' "$(jq -c .RepoTags "$T/work/inspect.json")"
  skopeo_ "${args[@]}" inspect --config --raw --tls-verify=false "docker://$R/clients/multi:v1" >"$T/work/config.json"
  assert_eq "sha256 of skopeo inspect --config --raw ($cp)" \
    "$(layout_config_digest "$SRC" "$cd")" "$(sha256_of "$T/work/config.json")"
done
ok "skopeo inspect / inspect --config per platform"

# A second tag on the same index, and a tag of another image in the same repository.
skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$R/clients/multi:v2" >/dev/null
skopeo_ copy --dest-tls-verify=false "oci:$SRC:single" "docker://$R/clients/multi:keep" >/dev/null
skopeo_ list-tags --tls-verify=false "docker://$R/clients/multi" >"$T/work/tags.json"
assert_eq "skopeo list-tags clients/multi .Repository" "$R/clients/multi" "$(jq -r .Repository "$T/work/tags.json")"
assert_eq "skopeo list-tags clients/multi .Tags (sorted)" '["keep","v1","v2"]' "$(jq -c '.Tags | sort' "$T/work/tags.json")"
ok "skopeo list-tags"

# --- multi-arch: registry -> another OCI layout ---------------------------------------
OUT="$T/work/out"
skopeo_ copy --all --src-tls-verify=false "docker://$R/clients/multi:v1" "oci:$OUT:multi" >/dev/null
assert_eq "index digest after registry -> oci:out" "$IDX" "$(layout_digest "$OUT" multi)"
mapfile -t OUT_CHILDREN < <(layout_children "$OUT" "$IDX")
assert_eq "children (digest platform) after the round trip" "$(printf '%s\n' "${CHILDREN[@]}")" \
  "$(printf '%s\n' "${OUT_CHILDREN[@]}")"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  # Every blob the child references arrived, with its digest.
  for b in $(layout_blob "$SRC" "$cd" | jq -r '.config.digest, .layers[].digest'); do
    [[ -f $OUT/blobs/sha256/${b#sha256:} ]] || fail "blob $b of $cp missing from oci:out"
    assert_eq "sha256 of blob $b in oci:out" "$b" "$(sha256_of "$OUT/blobs/sha256/${b#sha256:}")"
  done
done
ok "skopeo copy --all registry -> oci layout: index, children and blobs identical"

# --- single-arch: by tag and by digest, both directions --------------------------------
skopeo_ copy --dest-tls-verify=false "oci:$SRC:single" "docker://$R/clients/single:v1" >/dev/null
check_served_manifest "$R" clients/single v1 "$SINGLE" "$MT_OCI_MANIFEST"
skopeo_ copy --dest-tls-verify=false "oci:$SRC:single" "docker://$R/clients/single-bydigest@$SINGLE" >/dev/null
check_served_manifest "$R" clients/single-bydigest "$SINGLE" "$SINGLE" "$MT_OCI_MANIFEST"
ok "single-arch pushed by tag and by digest"

skopeo_ copy --src-tls-verify=false "docker://$R/clients/single:v1" "oci:$T/work/out-single:bytag" >/dev/null
assert_eq "single-arch digest after registry:v1 -> oci" "$SINGLE" "$(layout_digest "$T/work/out-single" bytag)"
skopeo_ copy --src-tls-verify=false "docker://$R/clients/single@$SINGLE" "oci:$T/work/out-single:bydigest" >/dev/null
assert_eq "single-arch digest after registry@digest -> oci" "$SINGLE" "$(layout_digest "$T/work/out-single" bydigest)"
skopeo_ copy --src-tls-verify=false "docker://$R/clients/single-bydigest@$SINGLE" "oci:$T/work/out-single:bydigest2" >/dev/null
assert_eq "single-arch digest after untagged registry@digest -> oci" "$SINGLE" \
  "$(layout_digest "$T/work/out-single" bydigest2)"
skopeo_ inspect --tls-verify=false "docker://$R/clients/single:v1" >"$T/work/inspect.json"
assert_eq "skopeo inspect clients/single:v1 .Digest" "$SINGLE" "$(jq -r .Digest "$T/work/inspect.json")"
ok "single-arch pulled by tag and by digest"

# --- delete ------------------------------------------------------------------------------
must_fail "skopeo delete of a tag that does not exist fails" 'manifest unknown|not found|404|may not exist' \
  "${SKOPEO[@]}" delete --tls-verify=false "docker://$R/clients/single:nope"

skopeo_ delete --tls-verify=false "docker://$R/clients/single:v1"
must_fail "after delete, skopeo inspect clients/single:v1 fails" 'manifest unknown|not found|404' \
  "${SKOPEO[@]}" inspect --tls-verify=false "docker://$R/clients/single:v1"
must_fail "after delete, skopeo inspect clients/single@digest fails" 'manifest unknown|not found|404' \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$R/clients/single@$SINGLE"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" "http://$R/v2/clients/single/manifests/$SINGLE")
assert_eq "GET /v2/clients/single/manifests/$SINGLE after delete: status" 404 "$code"
# The same manifest under another repository is untouched.
check_served_manifest "$R" clients/single-bydigest "$SINGLE" "$SINGLE"

# Delete the index by digest: both tags pointing at it go, the other tag stays.
skopeo_ delete --tls-verify=false "docker://$R/clients/multi@$IDX"
must_fail "after delete, skopeo inspect clients/multi:v1 fails" 'manifest unknown|not found|404' \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$R/clients/multi:v1"
must_fail "after delete, skopeo inspect clients/multi:v2 fails" 'manifest unknown|not found|404' \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$R/clients/multi:v2"
skopeo_ list-tags --tls-verify=false "docker://$R/clients/multi" >"$T/work/tags.json"
assert_eq "skopeo list-tags clients/multi after deleting the index" '["keep"]' "$(jq -c '.Tags | sort' "$T/work/tags.json")"
check_served_manifest "$R" clients/multi keep "$SINGLE"
ok "skopeo delete"

stop_registry sut
