#!/usr/bin/env bash
# Air gap: regmirror sync --to-dir writes the selected images to a directory; sync
# --from-dir --to loads it into an empty registry with every digest unchanged. An
# incremental --to-dir --since PREV writes only the blobs PREV lacks (counted as files),
# and loading it on top of the first load completes the new image (its shared base layer
# comes from the registry, not from the directory).
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo
require_regmirror_cmd sync serve

start_registry src regmirror
start_registry air regmirror
S=${REG_ADDR[src]}
E=${REG_ADDR[air]}
SRC="$T/work/src"

# Two single-arch builds sharing a base layer: the children of a two-platform index, each
# tagged in the layout on its own (team/app:1.0 and team/app:1.1).
make_oci_index "$SRC" pair linux/amd64 linux/arm64
declare -A CHILD=()
while read -r cd cp; do CHILD[$cp]=$cd; done < <(layout_children "$SRC" "$(layout_digest "$SRC" pair)")
V10=${CHILD[linux/amd64]}
V11=${CHILD[linux/arm64]}
for t in 1.0:"$V10" 1.1:"$V11"; do
  _add_ref "$SRC" "app-${t%%:*}" "$(jq -cn --arg mt "$MT_OCI_MANIFEST" --arg d "${t#*:}" \
    --argjson s "$(layout_size "$SRC" "${t#*:}")" '{mediaType: $mt, digest: $d, size: $s}')"
done
make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
IDX=$(layout_digest "$SRC" multi)
push_layout "$SRC" app-1.0 "$S" team/app:1.0
push_layout "$SRC" app-1.1 "$S" team/app:1.1
push_layout "$SRC" multi "$S" team/multi:v1 --all

# blobs_of MANIFEST: config and layer digests in the source layout (children's too, for an index).
blobs_of() {
  local m=$1 c
  {
    layout_blob "$SRC" "$m" | jq -r '(.config.digest // empty), .layers[]?.digest'
    for c in $(layout_blob "$SRC" "$m" | jq -r '.manifests[]?.digest'); do
      layout_blob "$SRC" "$c" | jq -r '.config.digest, .layers[].digest'
    done
  } | sort -u
}
# hex_files DIR: the 64-hex-digit file names under DIR (blobs, however the directory is laid out).
hex_files() { find "$1" -type f -printf '%f\n' | grep -E '^[0-9a-f]{64}$' | sort -u; }

cat >"$T/work/first.yaml" <<EOF
images:
  - source: $S/team/app
    tags: ['1.0']
  - source: $S/team/multi
    tags: [v1]
EOF
cat >"$T/work/second.yaml" <<EOF
images:
  - source: $S/team/app
    tags: ['1.0', '1.1']
  - source: $S/team/multi
    tags: [v1]
EOF

# --- to-dir, then from-dir into an empty registry -----------------------------------------
D1="$T/work/disk1"
rm_ok sync --config "$T/work/first.yaml" --src-tls-verify=false --to-dir "$D1"
have=$(hex_files "$D1")
for b in $(blobs_of "$V10") $(blobs_of "$IDX"); do
  grep -qx "${b#sha256:}" <<<"$have" || fail "--to-dir: blob $b missing from $D1"
done
for b in $(comm -23 <(blobs_of "$V11") <(blobs_of "$V10")); do
  if grep -qx "${b#sha256:}" <<<"$have"; then fail "--to-dir: blob $b of team/app:1.1 (not selected) is in $D1"; fi
done
ok "--to-dir wrote every blob of team/app:1.0 and team/multi:v1, none of 1.1's own"

rm_ok sync --config "$T/work/first.yaml" --from-dir "$D1" --to "$E/air" --dest-tls-verify=false
check_served_manifest "$E" air/team/app 1.0 "$V10" "$MT_OCI_MANIFEST"
check_served_manifest "$E" air/team/multi v1 "$IDX" "$MT_OCI_INDEX"
assert_eq "every blob of team/multi:v1 after the air gap" "$(image_blobs "$S" team/multi v1)" \
  "$(image_blobs "$E" air/team/multi v1)"
for b in $(image_blobs "$S" team/multi v1); do check_served_blob "$E" air/team/multi "$b"; done
for b in $(image_blobs "$S" team/app 1.0); do check_served_blob "$E" air/team/app "$b"; done
assert_manifest_absent "team/app:1.1 was not selected" "$E" air/team/app 1.1
ok "--from-dir --to $E/air: same digests as the source"

# --- incremental: --since the first directory ----------------------------------------------
D2="$T/work/disk2"
rm_ok sync --config "$T/work/second.yaml" --src-tls-verify=false --to-dir "$D2" --since "$D1"
new=$(hex_files "$D2")
old=$(hex_files "$D1")
dup=$(comm -12 <(echo "$new") <(echo "$old"))
[[ -z $dup ]] || fail "--since: blobs already in $D1 were written again:\n$dup"
want=$(comm -23 <(blobs_of "$V11") <(blobs_of "$V10") | sed 's/^sha256://')
assert_eq "--since: team/app:1.1's own blobs (config, layer) are in $D2" "$want" "$(comm -12 <(echo "$new") <(echo "$want"))"
# Blob files: its own config and layer, plus at most its manifest.
count=$(wc -l <<<"$new")
((count >= 2 && count <= 3)) || fail "--since: $count blob files in $D2, expected 2 (config, layer) or 3 (and the manifest):\n$new"
ok "--since $D1 wrote only the $count new blob files"

rm_ok sync --config "$T/work/second.yaml" --from-dir "$D2" --to "$E/air" --dest-tls-verify=false
check_served_manifest "$E" air/team/app 1.1 "$V11" "$MT_OCI_MANIFEST"
for b in $(blobs_of "$V11"); do check_served_blob "$E" air/team/app "$b"; done
check_served_manifest "$E" air/team/app 1.0 "$V10"
ok "loading the incremental directory completes team/app:1.1 (shared base layer from the registry)"

stop_registry src
stop_registry air
