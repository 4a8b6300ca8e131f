#!/usr/bin/env bash
# Promotion from a test registry (regmirror) to a production one (docker-registry) with
# regmirror copy: by digest (what was tested is exactly what ships, even after the test tag
# moved on), by tag, multi-arch with --all, a second tag for an image already promoted
# (nothing copied), and a digest that does not exist fails without touching production.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd copy serve

start_registry test regmirror
start_peer prod
TEST=${REG_ADDR[test]}
PROD=${REG_ADDR[prod]}
SRC="$T/work/src"
make_oci_image "$SRC" build1 linux/amd64
make_oci_image "$SRC" build2 linux/amd64
make_oci_index "$SRC" multi linux/amd64 linux/arm64
B1=$(layout_digest "$SRC" build1)
B2=$(layout_digest "$SRC" build2)
IDX=$(layout_digest "$SRC" multi)
push_layout "$SRC" build1 "$TEST" team/app:rc
push_layout "$SRC" multi "$TEST" team/multi:rc --all
COPY=(copy --src-tls-verify=false --dest-tls-verify=false)

# --- by digest ------------------------------------------------------------------------------
rm_ok "${COPY[@]}" "docker://$TEST/team/app@$B1" "docker://$PROD/team/app:1.0"
read -r got _ <<<"$(copied_stats)"
assert_eq "promotion by digest: digest in the summary" "$B1" "$got"
check_served_manifest "$PROD" team/app 1.0 "$B1" "$MT_OCI_MANIFEST"
for b in $(image_blobs "$TEST" team/app "$B1"); do check_served_blob "$PROD" team/app "$b"; done
ok "team/app@$B1 promoted to prod as 1.0"

# The test tag moves to the next build; promoting the tested digest still ships build 1.
push_layout "$SRC" build2 "$TEST" team/app:rc
check_served_manifest "$TEST" team/app rc "$B2"
rm_ok "${COPY[@]}" "docker://$TEST/team/app@$B1" "docker://$PROD/team/app:1.0-hotfix"
check_served_manifest "$PROD" team/app 1.0-hotfix "$B1"
read -r got n m k <<<"$(copied_stats)"
assert_eq "re-promoting a digest prod already has: blobs copied" 0 "$n"
ok "promotion by digest is pinned: rc moved to build 2, 1.0-hotfix is still build 1 (nothing copied)"

# --- by tag -----------------------------------------------------------------------------------
rm_ok "${COPY[@]}" "docker://$TEST/team/app:rc" "docker://$PROD/team/app:1.1"
check_served_manifest "$PROD" team/app 1.1 "$B2"
check_served_manifest "$PROD" team/app 1.0 "$B1"
tags=$(curl -s "http://$PROD/v2/team/app/tags/list" | jq -c '.tags | sort')
assert_eq "prod tags" '["1.0","1.0-hotfix","1.1"]' "$tags"
ok "promotion by tag: rc -> 1.1 is build 2; 1.0 unchanged"

rm_ok "${COPY[@]}" --all "docker://$TEST/team/multi:rc" "docker://$PROD/team/multi:1.0"
check_served_manifest "$PROD" team/multi 1.0 "$IDX" "$MT_OCI_INDEX"
assert_eq "multi-arch promotion: blobs" "$(image_blobs "$TEST" team/multi rc)" "$(image_blobs "$PROD" team/multi 1.0)"
ok "multi-arch promotion with --all keeps $IDX and every platform"

# --- what must fail -------------------------------------------------------------------------
MISSING=sha256:$(printf 'not promoted' | sha256sum | cut -d' ' -f1)
rm_fails "promoting a digest the test registry does not have" 'manifest unknown|not found|404|unknown' \
  "${COPY[@]}" "docker://$TEST/team/app@$MISSING" "docker://$PROD/team/app:2.0"
assert_manifest_absent "after the failed promotion" "$PROD" team/app 2.0
rm_fails "promoting a tag the test registry does not have" 'manifest unknown|not found|404|unknown' \
  "${COPY[@]}" "docker://$TEST/team/app:nope" "docker://$PROD/team/app:2.0"
assert_manifest_absent "after the failed promotion" "$PROD" team/app 2.0
tags=$(curl -s "http://$PROD/v2/team/app/tags/list" | jq -c '.tags | sort')
assert_eq "prod tags after the failed promotions" '["1.0","1.0-hotfix","1.1"]' "$tags"

stop_registry test
stop_registry prod
