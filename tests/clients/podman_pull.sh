#!/usr/bin/env bash
# podman pulls from the registry under test, as a node would: vfs storage of its own,
# the registry marked insecure in a test registries.conf (no --tls-verify flag). By tag
# and by digest, each platform of a multi-arch index and a single-arch image; the image
# id, digest and repo digests podman records, and the unpacked files, are checked.
source "$(dirname "$0")/lib.sh"
require_cmd skopeo podman

start_registry sut "$REGISTRY_UNDER_TEST"
R=${REG_ADDR[sut]}
SRC="$T/work/src"

make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
make_oci_image "$SRC" single linux/amd64
IDX=$(layout_digest "$SRC" multi)
SINGLE=$(layout_digest "$SRC" single)
declare -A CHILD=()
while read -r cd cp; do CHILD[$cp]=$cd; done < <(layout_children "$SRC" "$IDX")

skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$R/clients/multi:v1" >/dev/null
skopeo_ copy --dest-tls-verify=false "oci:$SRC:single" "docker://$R/clients/single:v1" >/dev/null
ok "test images pushed with skopeo"

# check_pulled REF PULL_OUTPUT MANIFEST TOP_DIGEST PLATFORM
# The image podman stored for REF: id = config digest of MANIFEST, .Digest = TOP_DIGEST
# (what REF resolved to: the index for a multi-arch image), repo digests include both,
# the layers are the config's diff_ids and the files are those of the source layers.
check_pulled() {
  local ref=$1 pulled=$2 man=$3 top=$4 platform=$5 cfg want_id info mnt
  cfg=$(layout_config_digest "$SRC" "$man")
  want_id=${cfg#sha256:}
  assert_eq "podman pull $ref ($platform): image id printed" "$want_id" "$(tail -n1 <<<"$pulled")"
  podman_ image inspect "$ref" >"$T/work/pinspect.json"
  info=$(jq -c '.[0]' "$T/work/pinspect.json")
  assert_eq "podman image inspect $ref: .Id (= config digest)" "$want_id" "$(jq -r .Id <<<"$info")"
  assert_eq "podman image inspect $ref: .Digest" "$top" "$(jq -r .Digest <<<"$info")"
  local repo
  if [[ $ref == *@* ]]; then repo=${ref%@*}; else repo=${ref%:*}; fi
  assert_contains_line "podman image inspect $ref: .RepoDigests" "$repo@$top" "$(jq -r '.RepoDigests[]' <<<"$info")"
  assert_contains_line "podman image inspect $ref: .RepoDigests" "$repo@$man" "$(jq -r '.RepoDigests[]' <<<"$info")"
  assert_eq "podman image inspect $ref: .Architecture" "$(cut -d/ -f2 <<<"$platform")" "$(jq -r .Architecture <<<"$info")"
  assert_eq "podman image inspect $ref: .RootFS.Layers (= config diff_ids)" \
    "$(layout_blob "$SRC" "$cfg" | jq -c .rootfs.diff_ids)" "$(jq -c .RootFS.Layers <<<"$info")"
  assert_eq "podman image inspect $ref: platform label" "$platform" \
    "$(jq -r '.Labels["org.example.platform"]' <<<"$info")"
  # The root filesystem podman unpacked is exactly the source layers' files.
  mnt=$(podman_ image mount "$ref")
  [[ -d $mnt ]] || fail "podman image mount $ref: '$mnt' is not a directory"
  rm -rf "$T/work/expect" && layout_unpack "$SRC" "$man" "$T/work/expect"
  diff -r "$T/work/expect" "$mnt" >"$T/work/diff.txt" 2>&1 ||
    fail "files of $ref ($platform) differ from the source layers:\n$(head -n 20 "$T/work/diff.txt")"
  podman_ image unmount "$ref" >/dev/null
  ok "podman pull $ref ($platform): id $want_id, digest $top, files match"
}

# Multi-arch by tag, one platform.
out=$(podman_ pull -q --platform linux/amd64 "$R/clients/multi:v1")
check_pulled "$R/clients/multi:v1" "$out" "${CHILD[linux/amd64]}" "$IDX" linux/amd64

# Multi-arch by digest of the index, other platforms (one with a variant).
out=$(podman_ pull -q --platform linux/arm64 "$R/clients/multi@$IDX")
check_pulled "$R/clients/multi@$IDX" "$out" "${CHILD[linux/arm64]}" "$IDX" linux/arm64
podman_ rmi "$R/clients/multi@$IDX" >/dev/null
out=$(podman_ pull -q --platform linux/arm/v7 "$R/clients/multi@$IDX")
check_pulled "$R/clients/multi@$IDX" "$out" "${CHILD[linux/arm/v7]}" "$IDX" linux/arm/v7

# One platform's manifest directly by its digest.
podman_ rmi -a -f >/dev/null
out=$(podman_ pull -q "$R/clients/multi@${CHILD[linux/arm64]}")
check_pulled "$R/clients/multi@${CHILD[linux/arm64]}" "$out" "${CHILD[linux/arm64]}" "${CHILD[linux/arm64]}" linux/arm64

# Single-arch, by digest first (nothing local yet), then by tag.
out=$(podman_ pull -q "$R/clients/single@$SINGLE")
check_pulled "$R/clients/single@$SINGLE" "$out" "$SINGLE" "$SINGLE" linux/amd64
out=$(podman_ pull -q "$R/clients/single:v1")
check_pulled "$R/clients/single:v1" "$out" "$SINGLE" "$SINGLE" linux/amd64

podman_ images --format '{{.Repository}}:{{.Tag}}' >"$T/work/images.txt"
assert_contains_line "podman images" "$R/clients/single:v1" "$(cat "$T/work/images.txt")"

# What does not exist is reported as such.
must_fail "podman pull of an unknown tag fails with 'manifest unknown'" 'manifest unknown' \
  "${PODMAN[@]}" pull -q "$R/clients/single:nope"
must_fail "podman pull of an unknown digest fails with 'manifest unknown'" 'manifest unknown' \
  "${PODMAN[@]}" pull -q "$R/clients/single@sha256:$(printf 'nope' | sha256sum | cut -d' ' -f1)"
must_fail "podman pull from an unknown repository fails" 'manifest unknown|name unknown|not found' \
  "${PODMAN[@]}" pull -q "$R/clients/nosuchrepo:v1"

stop_registry sut
