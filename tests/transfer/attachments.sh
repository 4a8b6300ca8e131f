#!/usr/bin/env bash
# cosign's tag-style attachments travel: a source registry holds team/app:1 signed under
# sha256-<hex>.sig (the layout skopeo --sign-by-sigstore-private-key writes with
# use-sigstore-attachments, made by tests/fixtures/oci_images.py) and a two-platform index
# whose arm64 child is signed. Each path must carry the signature, same manifest digest,
# same tag, written after the image:
#   - regmirror copy (one image; --all: each child's), not with --no-referrers;
#   - regmirror sync to two destinations at once (regmirror and docker-registry), the
#     repository listed whole: the .sig tag is not an image of its own;
#   - sync --to-dir names it "<source repository>:sha256-<hex>.sig" in index.json, and
#     --from-dir restores it under its tag next to its image.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry openssl python3
require_regmirror_cmd copy sync serve

start_registry src regmirror
start_registry d1 regmirror
start_peer d2
start_registry air regmirror
S=${REG_ADDR[src]}
D1=${REG_ADDR[d1]}
D2=${REG_ADDR[d2]}
AIR=${REG_ADDR[air]}

SRC="$T/work/src"
make_oci_image "$SRC" app linux/amd64
make_oci_index "$SRC" multi linux/amd64 linux/arm64
APP=$(layout_digest "$SRC" app)
while read -r cd cp; do [[ $cp == linux/arm64 ]] && ARM=$cd; done < <(layout_children "$SRC" "$(layout_digest "$SRC" multi)")
push_layout "$SRC" app "$S" team/app:1
push_layout "$SRC" multi "$S" team/multi:1 --all

openssl ecparam -name prime256v1 -genkey -noout -out "$T/work/key.pem" 2>/dev/null
sign() { # sign REPO DIGEST: prints "TAG MANIFEST_DIGEST"
  python3 "$(dirname "$0")/push_cosign_signature.py" "$S" "$1" "$2" "$T/work/key.pem" "$S/$1"
}
read -r APP_SIG APP_SIG_DIGEST < <(sign team/app "$APP")
read -r ARM_SIG ARM_SIG_DIGEST < <(sign team/multi "$ARM")
assert_eq "the attachment tag" "sha256-${APP#sha256:}.sig" "$APP_SIG"
check_served_manifest "$S" team/app "$APP_SIG" "$APP_SIG_DIGEST"
ok "source: team/app:1 signed ($APP_SIG), team/multi:1's arm64 child signed ($ARM_SIG)"

# --- copy ---------------------------------------------------------------------------------------
rm_ok copy --tls-verify=false "docker://$S/team/app:1" "docker://$D1/copied/app:1"
check_served_manifest "$D1" copied/app "$APP_SIG" "$APP_SIG_DIGEST"
rm_ok copy --tls-verify=false --no-referrers "docker://$S/team/app:1" "docker://$D1/bare/app:1"
check_served_manifest "$D1" bare/app 1 "$APP"
assert_manifest_absent "copy --no-referrers leaves the signature behind" "$D1" bare/app "$APP_SIG"
rm_ok copy --tls-verify=false --all "docker://$S/team/multi:1" "docker://$D1/copied/multi:1"
check_served_manifest "$D1" copied/multi "$ARM_SIG" "$ARM_SIG_DIGEST"
# Again: nothing to write, the tag already names the same signature.
rm_ok copy --tls-verify=false "docker://$S/team/app:1" "docker://$D1/copied/app:1"
check_served_manifest "$D1" copied/app "$APP_SIG" "$APP_SIG_DIGEST"
ok "copy carries the .sig tag (and each child's with --all), --no-referrers does not"

# --- sync to two destinations -------------------------------------------------------------------
cat >"$T/work/sync.yaml" <<YAML
registries:
  - $D1/synced
  - $D2
images:
  - source: $S/team/app
  - source: $S/team/multi:1
YAML
RM_TIMEOUT=180
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false --output-dir "$T/work/sets"
grep -qE "$D1/synced: 2 images ok" "$RM_OUT" "$RM_ERR" ||
  fail "sync: expected 2 images (the .sig tag is not one):\n$(rm_output)"
for dest in "$D1 synced/team" "$D2 team"; do
  read -r addr prefix <<<"$dest"
  check_served_manifest "$addr" "$prefix/app" 1 "$APP"
  check_served_manifest "$addr" "$prefix/app" "$APP_SIG" "$APP_SIG_DIGEST"
  check_served_manifest "$addr" "$prefix/multi" "$ARM_SIG" "$ARM_SIG_DIGEST"
done
ok "sync to regmirror and docker-registry at once carries both signatures to each"

# --- air gap ------------------------------------------------------------------------------------
cat >"$T/work/air.yaml" <<YAML
images:
  - source: $S/team/app:1
  - source: $S/team/multi:1
YAML
rm_ok sync --config "$T/work/air.yaml" --tls-verify=false --to-dir "$T/work/archive"
jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // empty' \
  "$T/work/archive/index.json" | sort >"$T/work/names"
assert_contains_line "archive index.json" "$S/team/app:$APP_SIG" "$(cat "$T/work/names")"
assert_contains_line "archive index.json" "$S/team/multi:$ARM_SIG" "$(cat "$T/work/names")"
rm_ok sync --from-dir "$T/work/archive" --to "$AIR/air" --tls-verify=false --output-dir "$T/work/air-sets"
check_served_manifest "$AIR" air/team/app 1 "$APP"
check_served_manifest "$AIR" air/team/app "$APP_SIG" "$APP_SIG_DIGEST"
check_served_manifest "$AIR" air/team/multi "$ARM_SIG" "$ARM_SIG_DIGEST"
ok "to-dir names each signature in index.json, from-dir restores it under its tag"
