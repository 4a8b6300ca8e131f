#!/usr/bin/env bash
# The whole mirroring loop: regmirror sync copies images to a mirror and writes the IDMS;
# regmirror render turns it (with an image.config naming both registries insecure) into a
# node's /etc/containers; regmirror resolve on that node tree lists the mirror first;
# skopeo with the rendered registries.conf pulls by digest from the mirror with the source
# registry stopped; regmirror pull says it pulled from the mirror, and falls back to the
# source for an index child the mirror lacks.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd sync render resolve pull serve

start_registry src regmirror
start_peer mirror   # docker-registry: it deletes a manifest an index refers to
S=${REG_ADDR[src]}
M=${REG_ADDR[mirror]}
SRC="$T/work/src"
make_oci_image "$SRC" app linux/amd64
make_oci_index "$SRC" multi linux/amd64 linux/arm64 linux/arm/v7
APP=$(layout_digest "$SRC" app)
IDX=$(layout_digest "$SRC" multi)
declare -A CHILD=()
while read -r cd cp; do CHILD[$cp]=$cd; done < <(layout_children "$SRC" "$IDX")
push_layout "$SRC" app "$S" team/app:1.0
push_layout "$SRC" multi "$S" team/multi:v1 --all

# --- sync to the mirror, with IDMS -----------------------------------------------------------
cat >"$T/work/sync.yaml" <<EOF
registries:
  - $M/mirror
images:
  - source: $S/team/app
    tags: ['1.0']
  - source: $S/team/multi
    tags: [v1]
EOF
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false --output-dir "$T/work/idms"
check_served_manifest "$M" mirror/team/app 1.0 "$APP"
check_served_manifest "$M" mirror/team/multi v1 "$IDX"
for c in "${CHILD[@]}"; do check_served_manifest "$M" mirror/team/multi "$c" "$c"; done
mapfile -t IDMS < <(find "$T/work/idms" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
((${#IDMS[@]} > 0)) || fail "sync --output-dir wrote no YAML"
grep -l 'kind: ImageDigestMirrorSet' "${IDMS[@]}" >/dev/null || fail "no ImageDigestMirrorSet in ${IDMS[*]}"
ok "synced to $M/mirror; IDMS in ${IDMS[*]#"$T/"}"

# --- render a node, resolve on it ----------------------------------------------------------------
cat >"$T/work/image.yaml" <<EOF
apiVersion: config.openshift.io/v1
kind: Image
metadata:
  name: cluster
spec:
  registrySources:
    insecureRegistries:
    - $S
    - $M
EOF
render_args=()
for f in "${IDMS[@]}" "$T/work/image.yaml"; do render_args+=(-f "$f"); done
rm_ok render "${render_args[@]}" --out "$T/node"
CONF="$T/node/etc/containers/registries.conf"
CONF_D="$T/node/etc/containers/registries.conf.d"
[[ -s $CONF ]] || fail "render wrote no $CONF"
grep -qF "location = \"$M/mirror/team/app\"" "$CONF" || fail "rendered registries.conf has no mirror $M/mirror/team/app:\n$(cat "$CONF")"

rm_ok resolve --registries-conf "$CONF" --registries-conf-dir "$CONF_D" --policy "$POLICY" "$S/team/app@$APP"
first=$(grep -A1 'sources, in order:' "$RM_OUT" | tail -n1 | sed 's/^ *//')
assert_match "resolve: first source" "^1\. $M/mirror/team/app@$APP \(mirror" "$first"
grep -qE "^ +2\. $S/team/app@$APP \(primary" "$RM_OUT" || fail "resolve: the source is not second:\n$(cat "$RM_OUT")"
ok "resolve on the rendered node: $M/mirror/team/app first, the source second"

# --- regmirror pull falls back to the source for a child the mirror lacks ---------------------
ARM=${CHILD[linux/arm64]}
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$M/v2/mirror/team/multi/manifests/$ARM")
assert_eq "DELETE of the arm64 manifest from the mirror" 202 "$code"
assert_manifest_absent "arm64 child deleted from the mirror" "$M" mirror/team/multi "$ARM"
PULL=(pull --registries-conf "$CONF" --registries-conf-dir "$CONF_D" --policy "$POLICY")
rm_ok "${PULL[@]}" --all --dest "oci:$T/work/pulled-multi" "$S/team/multi@$IDX"
grep -qE "Pulled $IDX from $M/mirror/team/multi" "$RM_OUT" "$RM_ERR" ||
  fail "pull of the index: no 'Pulled $IDX from $M/mirror/team/multi'\n$(_rm_report)"
rm_output | grep -F -- "$S/team/multi" | grep -qF -- "${ARM#sha256:}" ||
  rm_output | grep -F -- "$S/team/multi" | grep -qiE 'fallback|fell back' ||
  fail "pull output does not say the arm64 manifest $ARM came from the source $S/team/multi\n$(_rm_report)"
assert_eq "pulled layout: index digest" "$IDX" \
  "$(jq -r '.manifests[0].digest' "$T/work/pulled-multi/index.json")"
for c in "${CHILD[@]}"; do
  [[ -f $T/work/pulled-multi/blobs/sha256/${c#sha256:} ]] || fail "pulled layout lacks child manifest $c"
done
ok "pull of the index from the mirror, the missing arm64 manifest from the source"

# --- the source goes away: the mirror serves pulls by digest ------------------------------------
stop_registry src
skopeo_ --registries-conf "$CONF" copy "docker://$S/team/app@$APP" "oci:$T/work/skopeo-pulled:app" >/dev/null
assert_eq "skopeo with the rendered registries.conf, source stopped: digest" "$APP" \
  "$(layout_digest "$T/work/skopeo-pulled" app)"
# The sync copied team/app by tag, so the ImageTagMirrorSet lets tags come from the mirror too.
assert_eq "skopeo by tag with the source stopped: the ITMS mirror serves it" "$APP" \
  "$("${SKOPEO[@]}" --registries-conf "$CONF" inspect --raw "docker://$S/team/app:1.0" | sha256sum | sed 's/^/sha256:/; s/ .*//')"
ok "skopeo pulls $S/team/app by digest and by tag from the mirror with the source down"

rm_ok "${PULL[@]}" --dest "oci:$T/work/pulled-app" "$S/team/app@$APP"
grep -qE "Pulled $APP from $M/mirror/team/app" "$RM_OUT" "$RM_ERR" ||
  fail "regmirror pull does not say it pulled from the mirror\n$(_rm_report)"
assert_eq "regmirror pull result digest" "$APP" "$(jq -r '.manifests[0].digest' "$T/work/pulled-app/index.json")"
ok "regmirror pull with the rendered registries.conf: pulled from $M/mirror/team/app"

stop_registry mirror
