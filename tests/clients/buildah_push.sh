#!/usr/bin/env bash
# buildah (vfs storage of its own) commits a scratch image holding two small files and
# pushes it to the registry under test with --tls-verify=false, as OCI and as Docker
# schema2; skopeo then sees exactly what buildah pushed (digest, label, files), and
# buildah pulls it back to the same image id.
source "$(dirname "$0")/lib.sh"
require_cmd skopeo buildah

start_registry sut "$REGISTRY_UNDER_TEST"
R=${REG_ADDR[sut]}
W="$T/work"
NONCE=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')

# --- build -------------------------------------------------------------------------------
mkdir -p "$W/files/data"
echo "hello from buildah $NONCE" >"$W/files/hello.txt"
head -c 30000 /dev/urandom >"$W/files/data/payload.bin"
ctr=$(buildah_ from --signature-policy "$POLICY" scratch)
buildah_ copy "$ctr" "$W/files/hello.txt" /hello.txt >/dev/null
buildah_ copy "$ctr" "$W/files/data/payload.bin" /data/payload.bin >/dev/null
buildah_ config --label "org.example.nonce=$NONCE" --arch amd64 --os linux --cmd '["/hello"]' "$ctr"
IMAGE_ID=$(buildah_ commit -q --format oci --signature-policy "$POLICY" "$ctr" localhost/clients/buildah:latest)
buildah_ rm "$ctr" >/dev/null
assert_match "buildah commit image id" '^[0-9a-f]{64}$' "$IMAGE_ID"
ok "buildah committed scratch image $IMAGE_ID"

# check_pushed TAG DIGESTFILE MEDIA_TYPE: what skopeo sees at clients/buildah:TAG is what
# buildah said it pushed, carries our label, and its single layer holds our two files.
check_pushed() {
  local tag=$1 want_mt=$3 pushed
  pushed=$(cat "$2")
  assert_digest "buildah push --digestfile ($tag)" "$pushed"
  check_served_manifest "$R" clients/buildah "$tag" "$pushed" "$want_mt"

  skopeo_ inspect --tls-verify=false "docker://$R/clients/buildah:$tag" >"$W/inspect.json"
  assert_eq "skopeo inspect clients/buildah:$tag .Digest" "$pushed" "$(jq -r .Digest "$W/inspect.json")"
  assert_eq "skopeo inspect clients/buildah:$tag nonce label" "$NONCE" \
    "$(jq -r '.Labels["org.example.nonce"]' "$W/inspect.json")"
  assert_eq "skopeo inspect clients/buildah:$tag .Architecture" amd64 "$(jq -r .Architecture "$W/inspect.json")"
  assert_eq "skopeo inspect clients/buildah:$tag number of layers" 1 "$(jq '.Layers | length' "$W/inspect.json")"
  skopeo_ inspect --raw --tls-verify=false "docker://$R/clients/buildah:$tag" >"$W/raw.json"
  assert_eq "sha256 of skopeo inspect --raw clients/buildah:$tag" "$pushed" "$(sha256_of "$W/raw.json")"
  skopeo_ inspect --config --raw --tls-verify=false "docker://$R/clients/buildah:$tag" >"$W/config.json"
  assert_eq "sha256 of skopeo inspect --config --raw clients/buildah:$tag" \
    "$(jq -r .config.digest "$W/raw.json")" "$(sha256_of "$W/config.json")"
  assert_eq "config of clients/buildah:$tag: Cmd" '["/hello"]' "$(jq -c .config.Cmd "$W/config.json")"

  # The files, byte for byte, through a copy out to an OCI layout.
  rm -rf "$W/out" "$W/unpacked"
  skopeo_ copy --src-tls-verify=false "docker://$R/clients/buildah:$tag" "oci:$W/out:x" >/dev/null
  layout_unpack "$W/out" "$(layout_digest "$W/out" x)" "$W/unpacked"
  cmp "$W/files/hello.txt" "$W/unpacked/hello.txt" || fail "hello.txt in clients/buildah:$tag differs from the original"
  cmp "$W/files/data/payload.bin" "$W/unpacked/data/payload.bin" ||
    fail "data/payload.bin in clients/buildah:$tag differs from the original"
  ok "buildah push ($tag): skopeo sees digest $pushed, the label and the files"
}

# --- push as OCI (the committed format) -----------------------------------------------
buildah_ push -q --signature-policy "$POLICY" --tls-verify=false --digestfile "$W/digest-oci" \
  localhost/clients/buildah:latest "docker://$R/clients/buildah:oci"
check_pushed oci "$W/digest-oci" "$MT_OCI_MANIFEST"
assert_eq "config digest of the OCI push vs buildah's image id" "sha256:$IMAGE_ID" "$(jq -r .config.digest "$W/raw.json")"

# --- push as Docker schema2 ----------------------------------------------------------
buildah_ push -q --signature-policy "$POLICY" --tls-verify=false --format v2s2 --digestfile "$W/digest-v2s2" \
  localhost/clients/buildah:latest "docker://$R/clients/buildah:v2s2"
check_pushed v2s2 "$W/digest-v2s2" "$MT_DOCKER_MANIFEST"
assert_ne "digest of the v2s2 push vs the OCI push" "$(cat "$W/digest-oci")" "$(cat "$W/digest-v2s2")"

skopeo_ list-tags --tls-verify=false "docker://$R/clients/buildah" >"$W/tags.json"
assert_eq "skopeo list-tags clients/buildah" '["oci","v2s2"]' "$(jq -c '.Tags | sort' "$W/tags.json")"

# --- and back: buildah pulls what it pushed (insecure via the test registries.conf) ----
buildah_ rmi -a -f >/dev/null
pulled=$(buildah_ pull -q --signature-policy "$POLICY" "$R/clients/buildah:oci")
assert_eq "image id after buildah pull clients/buildah:oci" "$IMAGE_ID" "$(tail -n1 <<<"$pulled")"
ok "buildah pull of its own push gives back image $IMAGE_ID"

stop_registry sut
