#!/usr/bin/env bash
# regmirror copy between regmirror and docker-registry (and back), OCI layouts and OCI
# archives, keeps every digest: single-arch, multi-arch with --all (checked with skopeo
# inspect --raw), one platform with --platform; referrers travel with an image (over the
# referrers API or the sha256-<hex> tag fallback) unless --no-referrers; a second copy
# copies nothing; a copy within one registry mounts instead of copying.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd copy serve

start_registry rm regmirror
start_peer dr
R=${REG_ADDR[rm]}
D=${REG_ADDR[dr]}
SRC="$T/work/src"
make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
make_oci_image "$SRC" single linux/amd64
IDX=$(layout_digest "$SRC" multi)
SINGLE=$(layout_digest "$SRC" single)
mapfile -t CHILDREN < <(layout_children "$SRC" "$IDX")
mapfile -t SINGLE_BLOBS < <(layout_blob "$SRC" "$SINGLE" | jq -r '.config.digest, .layers[].digest' | sort -u)
push_layout "$SRC" multi "$R" rt/multi:v1 --all
push_layout "$SRC" single "$R" rt/single:v1

# raw_digest ADDR REPO REF: sha256 of `skopeo inspect --raw`.
raw_digest() {
  local sep=:
  [[ $3 == sha256:* ]] && sep=@
  skopeo_ inspect --raw --tls-verify=false "docker://$1/$2$sep$3" >"$T/work/raw"
  sha256_of "$T/work/raw"
}

# expect_copied WHAT DIGEST COPIED SKIPPED MOUNTED: the last copy's summary line.
expect_copied() {
  local what=$1 stats d n m k
  stats=$(copied_stats)
  read -r d n m k <<<"$stats"
  assert_eq "$what: digest in the summary" "$2" "$d"
  assert_eq "$what: blobs copied/skipped/mounted" "$3/$4/$5" "$n/$m/$k"
}

# --- single-arch: regmirror -> docker-registry -> regmirror ---
rm_ok copy --src-tls-verify=false --dest-tls-verify=false "docker://$R/rt/single:v1" "docker://$D/rt/single:v1"
expect_copied "single-arch regmirror -> docker-registry" "$SINGLE" "${#SINGLE_BLOBS[@]}" 0 0
check_served_manifest "$D" rt/single v1 "$SINGLE" "$MT_OCI_MANIFEST"
for b in "${SINGLE_BLOBS[@]}"; do check_served_blob "$D" rt/single "$b"; done
rm_ok copy --tls-verify=false "docker://$D/rt/single:v1" "docker://$R/rt/single-back:v1"
check_served_manifest "$R" rt/single-back v1 "$SINGLE" "$MT_OCI_MANIFEST"
ok "single-arch: regmirror -> docker-registry -> regmirror keeps $SINGLE and its blobs"

rm_ok copy --tls-verify=false "docker://$R/rt/single:v1" "docker://$D/rt/single:v1"
expect_copied "second identical copy" "$SINGLE" 0 "${#SINGLE_BLOBS[@]}" 0
ok "second copy of the same image copies nothing (${#SINGLE_BLOBS[@]} skipped)"

# --- same registry, another repository: mount (before any referrer exists) ---
rm_ok copy --tls-verify=false "docker://$R/rt/single:v1" "docker://$R/rt/mounted:v1"
expect_copied "copy within regmirror to another repository" "$SINGLE" 0 0 "${#SINGLE_BLOBS[@]}"
check_served_manifest "$R" rt/mounted v1 "$SINGLE"
rm_ok copy --tls-verify=false "docker://$D/rt/single:v1" "docker://$D/rt/mounted:v1"
expect_copied "copy within docker-registry to another repository" "$SINGLE" 0 0 "${#SINGLE_BLOBS[@]}"
for b in "${SINGLE_BLOBS[@]}"; do check_served_blob "$D" rt/mounted "$b"; done
ok "copies within one registry mount every blob (regmirror and docker-registry)"

# By digest, without a tag at the destination.
rm_ok copy --tls-verify=false "docker://$R/rt/single@$SINGLE" "docker://$D/rt/bydigest@$SINGLE"
check_served_manifest "$D" rt/bydigest "$SINGLE" "$SINGLE"
ok "copy by digest"

# --- multi-arch --all ---
rm_ok copy --all --tls-verify=false "docker://$R/rt/multi:v1" "docker://$D/rt/multi:v1"
read -r got _ <<<"$(copied_stats)"
assert_eq "--all: digest in the summary" "$IDX" "$got"
assert_eq "--all: skopeo inspect --raw digest at docker-registry" "$IDX" "$(raw_digest "$D" rt/multi v1)"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  assert_eq "--all: skopeo inspect --raw of child $cp at docker-registry" "$cd" "$(raw_digest "$D" rt/multi "$cd")"
done
assert_eq "--all: every blob of every platform at docker-registry" "$(image_blobs "$R" rt/multi v1)" \
  "$(image_blobs "$D" rt/multi v1)"
rm_ok copy --all --tls-verify=false "docker://$D/rt/multi:v1" "docker://$R/rt/multi-back:v1"
assert_eq "--all back to regmirror: index digest" "$IDX" "$(raw_digest "$R" rt/multi-back v1)"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  check_served_manifest "$R" rt/multi-back "$cd" "$cd"
done
ok "multi-arch --all: index and ${#CHILDREN[@]} children keep their digests both ways"

# --- --platform picks one manifest out of the index ---
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  [[ $cp == linux/arm64 ]] && ARM64=$cd
done
rm_ok copy --platform linux/arm64 --tls-verify=false "docker://$R/rt/multi:v1" "docker://$D/rt/arm64:v1"
read -r got _ <<<"$(copied_stats)"
assert_eq "--platform linux/arm64: digest in the summary" "$ARM64" "$got"
check_served_manifest "$D" rt/arm64 v1 "$ARM64" "$MT_OCI_MANIFEST"
for c in "${CHILDREN[@]}"; do
  read -r cd cp <<<"$c"
  [[ $cp == linux/arm64 ]] || assert_manifest_absent "--platform linux/arm64: $cp not copied" "$D" rt/arm64 "$cd"
done
assert_manifest_absent "--platform linux/arm64: the index not copied" "$D" rt/arm64 "$IDX"
ok "--platform linux/arm64 copies only $ARM64"

# --- referrers ---
ART=$(push_referrer "$R" rt/single "$SINGLE" "$MT_OCI_MANIFEST" "$(layout_size "$SRC" "$SINGLE")")
assert_eq "referrers API of regmirror lists the pushed artifact" "$ART" "$(referrer_digests "$R" rt/single "$SINGLE")"
rm_ok copy --tls-verify=false "docker://$R/rt/single:v1" "docker://$D/rt/withref:v1"
check_served_manifest "$D" rt/withref "$ART" "$ART"
assert_eq "docker-registry: the sha256-<hex> fallback tag lists the referrer" "$ART" \
  "$(fallback_referrer_digests "$D" rt/withref "$SINGLE")"
ok "a referrer comes along by default (docker-registry gets the tag-schema fallback)"

rm_ok copy --no-referrers --tls-verify=false "docker://$R/rt/single:v1" "docker://$D/rt/noref:v1"
check_served_manifest "$D" rt/noref v1 "$SINGLE"
assert_manifest_absent "--no-referrers: no artifact" "$D" rt/noref "$ART"
assert_manifest_absent "--no-referrers: no fallback tag" "$D" rt/noref "sha256-${SINGLE#sha256:}"
ok "--no-referrers leaves the referrer behind"

rm_ok copy --tls-verify=false "docker://$D/rt/withref:v1" "docker://$R/rt/refback:v1"
assert_eq "back in regmirror, the referrers API lists the artifact found through the fallback tag" "$ART" \
  "$(referrer_digests "$R" rt/refback "$SINGLE")"
check_served_manifest "$R" rt/refback "$ART" "$ART"
ok "referrer found through docker-registry's fallback tag comes back to regmirror's referrers API"

# --- oci: and oci-archive:, both directions ---
rm_ok copy --all --dest-tls-verify=false "oci:$SRC:multi" "docker://$D/rt/fromoci:v1"
assert_eq "oci: -> docker-registry --all" "$IDX" "$(raw_digest "$D" rt/fromoci v1)"
OUT="$T/work/out"
rm_ok copy --all --src-tls-verify=false "docker://$R/rt/multi:v1" "oci:$OUT:multi"
assert_eq "docker:// -> oci: index digest" "$IDX" "$(layout_digest "$OUT" multi)"
for b in $(image_blobs "$R" rt/multi v1); do
  [[ -f $OUT/blobs/sha256/${b#sha256:} ]] || fail "blob $b missing from the oci: destination"
  assert_eq "blob $b in the oci: destination" "$b" "$(sha256_of "$OUT/blobs/sha256/${b#sha256:}")"
done
skopeo_ copy --all "oci:$OUT:multi" "oci:$T/work/out-check:multi" >/dev/null
assert_eq "skopeo reads the oci: layout regmirror wrote" "$IDX" "$(layout_digest "$T/work/out-check" multi)"

ARCH="$T/work/multi.tar"
rm_ok copy --all --src-tls-verify=false "docker://$R/rt/multi:v1" "oci-archive:$ARCH:multi"
[[ -s $ARCH ]] || fail "oci-archive:$ARCH was not written"
skopeo_ copy --all "oci-archive:$ARCH:multi" "oci:$T/work/from-archive:multi" >/dev/null
assert_eq "skopeo reads the oci-archive regmirror wrote: index digest" "$IDX" \
  "$(layout_digest "$T/work/from-archive" multi)"
skopeo_ copy "oci:$SRC:single" "oci-archive:$T/work/single.tar:single" >/dev/null
rm_ok copy --dest-tls-verify=false "oci-archive:$T/work/single.tar:single" "docker://$R/rt/fromarchive:v1"
check_served_manifest "$R" rt/fromarchive v1 "$SINGLE"
rm_ok copy --all --dest-tls-verify=false "oci-archive:$ARCH:multi" "docker://$D/rt/fromarchive:v1"
assert_eq "oci-archive (regmirror's) -> docker-registry" "$IDX" "$(raw_digest "$D" rt/fromarchive v1)"
ok "oci: and oci-archive: both directions keep the digests (and skopeo reads what regmirror wrote)"

stop_registry rm
stop_registry dr
