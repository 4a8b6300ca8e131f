#!/usr/bin/env bash
# The registry under test and a peer (Debian's docker-registry, CNCF distribution 2.8)
# given the same pushes end up with the same digests: a multi-arch OCI index and a
# single-arch OCI manifest as they are, and converted by skopeo to Docker schema2
# (--format v2s2: a manifest list and a v2 manifest). Then registry-to-registry copies,
# peer -> registry under test -> peer, leave every digest unchanged.
source "$(dirname "$0")/lib.sh"
require_cmd skopeo docker-registry

start_registry peer docker-registry
start_registry sut "$REGISTRY_UNDER_TEST"
P=${REG_ADDR[peer]}
R=${REG_ADDR[sut]}
SRC="$T/work/src"

make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
make_oci_image "$SRC" single linux/amd64

# served_digest ADDR REPO REF: digest of the manifest the registry serves (checked to be
# consistent with its headers by fetch_manifest), keeping the body in $T/work/last.json.
served_digest() { fetch_manifest "$1" "$2" "$3" "$T/work/last.json"; }

# check_same_image WHAT ADDR_A REPO_A ADDR_B REPO_B REF WANT_MEDIA_TYPE
# The manifest behind REF has WANT_MEDIA_TYPE and the same digest in both registries; so
# do its children (for an index), and every blob they reference is served by both with
# its digest. Prints the top digest.
check_same_image() {
  local what=$1 addr_a=$2 repo_a=$3 addr_b=$4 repo_b=$5 ref=$6 want_mt=$7 da db child b
  local children=() blobs=()
  da=$(served_digest "$addr_a" "$repo_a" "$ref")
  assert_eq "$what: mediaType of $addr_a/$repo_a:$ref" "$want_mt" "$(jq -r .mediaType "$T/work/last.json")"
  mapfile -t children < <(jq -r '.manifests[]?.digest' "$T/work/last.json")
  mapfile -t blobs < <(jq -r '(.config.digest // empty), .layers[]?.digest' "$T/work/last.json")
  db=$(served_digest "$addr_b" "$repo_b" "$ref")
  assert_eq "$what: digest of $ref at $addr_b/$repo_b vs at $addr_a/$repo_a" "$da" "$db"
  for child in "${children[@]}"; do
    check_served_manifest "$addr_a" "$repo_a" "$child" "$child"
    served_digest "$addr_b" "$repo_b" "$child" >/dev/null
    assert_eq "$what: child $child at $addr_b/$repo_b" "$child" "$(sha256_of "$T/work/last.json")"
    mapfile -t -O "${#blobs[@]}" blobs < <(jq -r '.config.digest, .layers[].digest' "$T/work/last.json")
  done
  ((${#blobs[@]} >= 2)) || fail "$what: found only ${#blobs[@]} blobs referenced by $ref"
  for b in $(printf '%s\n' "${blobs[@]}" | sort -u); do
    check_served_blob "$addr_a" "$repo_a" "$b"
    check_served_blob "$addr_b" "$repo_b" "$b"
  done
  echo "$da"
}

media_type_for() {
  case $1 in
    multi/oci) echo "$MT_OCI_INDEX" ;;
    single/oci) echo "$MT_OCI_MANIFEST" ;;
    multi/v2s2) echo "$MT_DOCKER_LIST" ;;
    single/v2s2) echo "$MT_DOCKER_MANIFEST" ;;
  esac
}

declare -A TOP=()   # "kind/variant" -> digest both registries agree on

for variant in oci v2s2; do
  for kind in multi single; do
    args=(--dest-tls-verify=false)
    [[ $kind == multi ]] && args+=(--all)
    [[ $variant == v2s2 ]] && args+=(--format v2s2)
    for addr in "$P" "$R"; do
      skopeo_ copy "${args[@]}" "oci:$SRC:$kind" "docker://$addr/peer/$kind:$variant" >/dev/null
    done
    d=$(check_same_image "push $kind ($variant)" "$P" "peer/$kind" "$R" "peer/$kind" "$variant" \
      "$(media_type_for "$kind/$variant")")
    if [[ $variant == oci ]]; then
      assert_eq "push $kind (oci): digest in the registries vs the source layout" "$(layout_digest "$SRC" "$kind")" "$d"
    else
      assert_ne "push $kind (v2s2): converted digest vs the OCI source" "$(layout_digest "$SRC" "$kind")" "$d"
    fi
    TOP[$kind/$variant]=$d
    ok "skopeo copy ${args[*]} $kind: same digest $d in docker-registry and $REGISTRY_UNDER_TEST"
  done
done

# Registry to registry: peer -> registry under test -> peer (another repository).
for variant in oci v2s2; do
  for kind in multi single; do
    args=(--src-tls-verify=false --dest-tls-verify=false)
    [[ $kind == multi ]] && args+=(--all)
    skopeo_ copy "${args[@]}" "docker://$P/peer/$kind:$variant" "docker://$R/r2r/$kind:$variant" >/dev/null
    d=$(check_same_image "peer -> $REGISTRY_UNDER_TEST, $kind ($variant)" "$P" "peer/$kind" "$R" "r2r/$kind" \
      "$variant" "$(media_type_for "$kind/$variant")")
    assert_eq "$kind ($variant): digest after peer -> $REGISTRY_UNDER_TEST" "${TOP[$kind/$variant]}" "$d"
    skopeo_ copy "${args[@]}" "docker://$R/r2r/$kind:$variant" "docker://$P/back/$kind:$variant" >/dev/null
    d=$(served_digest "$P" "back/$kind" "$variant")
    assert_eq "$kind ($variant): digest after $REGISTRY_UNDER_TEST -> peer" "${TOP[$kind/$variant]}" "$d"
    # And by digest, without a tag, into the registry under test.
    skopeo_ copy "${args[@]}" "docker://$P/peer/$kind@$d" "docker://$R/r2r-bydigest/$kind@$d" >/dev/null
    check_served_manifest "$R" "r2r-bydigest/$kind" "$d" "$d"
    ok "registry to registry, $kind ($variant): $d unchanged both ways (by tag and by digest)"
  done
done

stop_registry sut
stop_registry peer
