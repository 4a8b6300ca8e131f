#!/usr/bin/env bash
# regmirror sync of a few images with filters (tags, tag-regex, semver, digests,
# platforms) to three destinations at once (regmirror, docker-registry, regmirror with a
# deeper prefix): each gets exactly the selected images under prefix + source path, with
# IDMS/ITMS written per destination; a second run moves nothing (no upload request reaches
# any destination); with one destination down, the others still complete, the exit status
# is non-zero and the output names the failed one.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd sync serve

start_registry src regmirror
start_registry d1 regmirror
start_peer d2
start_registry d3 regmirror
S=${REG_ADDR[src]}
# Each destination behind a logging proxy: the second run must send no upload at all.
for d in d1 d2 d3; do start_proxy "p$d" "$d"; done

SRC="$T/work/src"
make_oci_image "$SRC" a linux/amd64
make_oci_image "$SRC" b linux/amd64
make_oci_image "$SRC" c linux/amd64
make_oci_index "$SRC" tools linux/amd64 linux/arm64 linux/arm/v7
A=$(layout_digest "$SRC" a)
B=$(layout_digest "$SRC" b)
C=$(layout_digest "$SRC" c)
TOOLS=$(layout_digest "$SRC" tools)
declare -A CHILD=()
while read -r cd cp; do CHILD[$cp]=$cd; done < <(layout_children "$SRC" "$TOOLS")

# team/app: 1.0.0 1.1.0 1.2.0 (a b c), 2.0.0 (c), latest (c), dev-abc (a)
for t in 1.0.0:a 1.1.0:b 1.2.0:c 2.0.0:c latest:c dev-abc:a; do
  push_layout "$SRC" "${t#*:}" "$S" "team/app:${t%%:*}"
done
# team/svc: 0.9.0 1.0.0 1.4.2 2.0.0 2.1.0-rc1
for t in 0.9.0:a 1.0.0:b 1.4.2:c 2.0.0:a 2.1.0-rc1:b; do
  push_layout "$SRC" "${t#*:}" "$S" "team/svc:${t%%:*}"
done
push_layout "$SRC" tools "$S" team/tools:v1 --all
push_layout "$SRC" a "$S" other/lib:x
push_layout "$SRC" b "$S" other/lib:y

declare -A PREFIX=([d1]=/mirror [d2]="" [d3]=/deep/er)
write_config() {  # write_config FILE DEST_ADDR...
  local f=$1 addr
  shift
  {
    echo "registries:"
    for addr in "$@"; do echo "  - $addr"; done
    cat <<EOF
images:
  - source: $S/team/app
    tag-regex: '^1\.[0-9]+\.[0-9]+$'
  - source: $S/team/app
    tags: [latest]
  - source: $S/team/svc
    semver: '>=1.0.0 <2.0.0'
  - source: $S/team/tools
    tags: [v1]
    platforms: [linux/arm64]
  - source: $S/other/lib
    digests: ['$B']
EOF
  } >"$f"
}
write_config "$T/work/sync.yaml" "${REG_ADDR[pd1]}/mirror" "${REG_ADDR[pd2]}" "${REG_ADDR[pd3]}/deep/er"

# check_destination NAME ADDR PREFIX: exactly the selected images arrived.
check_destination() {
  local name=$1 addr=$2 p=$3 tags
  p=${p#/}
  p=${p:+$p/}
  tags=$(curl -s "http://$addr/v2/${p}team/app/tags/list" | jq -c '.tags | sort')
  assert_eq "$name: ${p}team/app tags (tag-regex ^1.x.y$ + latest)" '["1.0.0","1.1.0","1.2.0","latest"]' "$tags"
  check_served_manifest "$addr" "${p}team/app" 1.0.0 "$A"
  check_served_manifest "$addr" "${p}team/app" 1.1.0 "$B"
  check_served_manifest "$addr" "${p}team/app" latest "$C"
  tags=$(curl -s "http://$addr/v2/${p}team/svc/tags/list" | jq -c '.tags | sort')
  assert_eq "$name: ${p}team/svc tags (semver >=1.0.0 <2.0.0)" '["1.0.0","1.4.2"]' "$tags"
  check_served_manifest "$addr" "${p}team/svc" 1.4.2 "$C"
  # platforms: [linux/arm64]: the arm64 manifest arrives, the other platforms do not
  # (whether v1 then names the arm64 manifest itself or an index of only it).
  check_served_manifest "$addr" "${p}team/tools" "${CHILD[linux/arm64]}" "${CHILD[linux/arm64]}"
  assert_manifest_absent "$name: ${p}team/tools linux/amd64 (not selected)" "$addr" "${p}team/tools" "${CHILD[linux/amd64]}"
  assert_manifest_absent "$name: ${p}team/tools linux/arm/v7 (not selected)" "$addr" "${p}team/tools" "${CHILD[linux/arm/v7]}"
  fetch_manifest "$addr" "${p}team/tools" v1 "$T/tmp/tools.json" >/dev/null
  if [[ $(jq -r .mediaType "$T/tmp/tools.json") == "$MT_OCI_INDEX" ]]; then
    assert_eq "$name: ${p}team/tools:v1 index lists only linux/arm64" "${CHILD[linux/arm64]}" \
      "$(jq -r '.manifests[].digest' "$T/tmp/tools.json")"
  else
    check_served_manifest "$addr" "${p}team/tools" v1 "${CHILD[linux/arm64]}"
  fi
  check_served_manifest "$addr" "${p}other/lib" "$B" "$B"
  assert_manifest_absent "$name: ${p}other/lib@A (digest not selected)" "$addr" "${p}other/lib" "$A"
  for b in $(image_blobs "$S" team/app 1.2.0); do check_served_blob "$addr" "${p}team/app" "$b"; done
}

# --- first run: three destinations -----------------------------------------------------------
RM_TIMEOUT=180
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false --output-dir "$T/work/idms"
check_destination d1 "${REG_ADDR[d1]}" /mirror
check_destination d2 "${REG_ADDR[d2]}" ""
check_destination d3 "${REG_ADDR[d3]}" /deep/er
ok "sync to 3 destinations: each has exactly the filtered images under prefix + source path"

# IDMS/ITMS: per destination, a mirror set naming source and mirror repositories.
for d in pd1 pd2 pd3; do
  case $d in pd1) m="${REG_ADDR[pd1]}/mirror" ;; pd2) m="${REG_ADDR[pd2]}" ;; pd3) m="${REG_ADDR[pd3]}/deep/er" ;; esac
  mapfile -t files < <(grep -rlF -- "$m/team/app" "$T/work/idms" || true)
  ((${#files[@]} > 0)) || fail "no file under --output-dir names the mirror $m/team/app:\n$(find "$T/work/idms" -type f)"
  grep -l 'kind: ImageDigestMirrorSet' "${files[@]}" >/dev/null ||
    fail "files naming $m/team/app hold no ImageDigestMirrorSet: ${files[*]}"
  grep -qF -- "$S/team/app" "${files[@]}" || fail "the mirror set for $m does not name the source $S/team/app"
  # One destination per set: another destination's mirror must not appear in these files.
  for o in pd1 pd2 pd3; do
    [[ $o == "$d" ]] && continue
    if grep -qF -- "${REG_ADDR[$o]}/" "${files[@]}"; then fail "the mirror set files of $m also name ${REG_ADDR[$o]}: ${files[*]}"; fi
  done
done
ndirs=$(find "$T/work/idms" -mindepth 1 -maxdepth 1 -type d | wc -l)
assert_eq "--output-dir: one directory per destination" 3 "$ndirs"
ok "IDMS/ITMS written per destination into --output-dir"

# --- second run: nothing to move ------------------------------------------------------------
declare -A MARK=()
for d in pd1 pd2 pd3; do MARK[$d]=$(proxy_mark "$d"); done
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false --output-dir "$T/work/idms2"
for d in pd1 pd2 pd3; do
  writes=$(proxy_requests_since "$d" "${MARK[$d]}" '.method == "POST" or .method == "PUT" or .method == "PATCH"')
  [[ -z $writes ]] || fail "second sync still wrote to ${REG_ADDR[$d]}:\n$writes"
done
rm_output | grep -qiE '(^|[^0-9])0 (images?|manifests?|blobs?) (copied|transferred)|nothing (to copy|copied|to do)|up to date' ||
  fail "the second sync's output does not say that nothing was copied\n$(_rm_report)"
ok "second run: no upload or manifest PUT reached any destination, and the output says so"

# --- one destination down ----------------------------------------------------------------------
start_registry d4 regmirror
start_registry d5 regmirror
DEAD=127.0.0.1:$(free_port)   # nothing listens there
write_config "$T/work/sync-dead.yaml" "${REG_ADDR[d4]}/mirror" "$DEAD/mirror" "${REG_ADDR[d5]}"
rm_run sync --config "$T/work/sync-dead.yaml" --tls-verify=false --output-dir "$T/work/idms3" --retry-times 0
((RM_RC != 0)) || fail "sync with a destination down exited 0\n$(_rm_report)"
((RM_RC != 124)) || fail "sync with a destination down timed out"
rm_output | grep -qF -- "$DEAD" || fail "the output does not name the failed destination $DEAD\n$(_rm_report)"
check_destination d4 "${REG_ADDR[d4]}" /mirror
check_destination d5 "${REG_ADDR[d5]}" ""
ok "with $DEAD down: exit $RM_RC, the output names it, the two other destinations are complete"

for r in src d1 d2 d3 d4 d5; do stop_registry "$r"; done
