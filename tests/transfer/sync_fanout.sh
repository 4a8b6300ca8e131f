#!/usr/bin/env bash
# regmirror sync reads once and writes many: images sharing a base layer (in three
# repositories), the source behind a counting proxy, synced to three destinations (regmirror,
# docker-registry, regmirror with a deeper prefix): every source blob is fetched exactly once
# and every manifest once per image; every destination ends with the source's digests
# (skopeo inspect). Then with two destinations down (a port nobody listens on, and a proxy
# answering 503 to everything) next to one that is up: the up one completes, each down one
# is reported once as "destination down" with no failure line per image, the exit status is
# 1, and the 503 one received fewer requests than there are images (no retry cycle per
# image).
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd sync serve

start_registry src regmirror
start_proxy psrc src
start_registry d1 regmirror
start_peer d2
start_registry d3 regmirror
S=${REG_ADDR[src]}
P=${REG_ADDR[psrc]}  # the syncs read the source through this proxy only

# Four images over one base layer: team/app:1 and :2, team/web:1, team/db:1.
SRC="$T/work/src"
_layout_init "$SRC"
base=$(_make_layer "$SRC" base base)
for i in 1 2 3 4; do
  _add_ref "$SRC" "img$i" "$(_make_manifest "$SRC" linux/amd64 "$base" | jq -c 'del(.platform)')"
done
push_layout "$SRC" img1 "$S" team/app:1
push_layout "$SRC" img2 "$S" team/app:2
push_layout "$SRC" img3 "$S" team/web:1
push_layout "$SRC" img4 "$S" team/db:1
IMAGES=("team/app:1" "team/app:2" "team/web:1" "team/db:1")
declare -A DIGEST=([team/app:1]=$(layout_digest "$SRC" img1) [team/app:2]=$(layout_digest "$SRC" img2)
  [team/web:1]=$(layout_digest "$SRC" img3) [team/db:1]=$(layout_digest "$SRC" img4))
ALL_BLOBS=$(for image in "${IMAGES[@]}"; do image_blobs "$S" "${image%:*}" "${image#*:}"; done | sort -u)
assert_eq "the set's distinct blobs (a shared base, a layer and a config each)" 9 "$(wc -l <<<"$ALL_BLOBS")"

write_config() {  # write_config FILE DESTINATION...
  local f=$1 d
  shift
  {
    echo "registries:"
    for d in "$@"; do echo "  - $d"; done
    cat <<YAML
images:
  - source: $P/team/app
    tags: ['1', '2']
  - source: $P/team/web:1
  - source: $P/team/db:1
YAML
  } >"$f"
}

# --- three destinations, one read -------------------------------------------------------------
write_config "$T/work/sync.yaml" "${REG_ADDR[d1]}/mirror" "${REG_ADDR[d2]}" "${REG_ADDR[d3]}/deep/er"
RM_TIMEOUT=180
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false --output-dir "$T/work/sets"

blob_gets=$(proxy_requests psrc '.method == "GET" and (.path | test("/blobs/sha256:"))' |
  jq -r '.path | sub(".*/blobs/"; "")' | sort)
assert_eq "source blob GETs: each of the set's blobs exactly once" "$ALL_BLOBS" "$blob_gets"
for image in "${IMAGES[@]}"; do
  n=$(proxy_requests psrc ".method == \"GET\" and .path == \"/v2/${image%:*}/manifests/${image#*:}\"" | wc -l)
  assert_eq "source manifest GETs of $image" 1 "$n"
done
ok "the source was read once: 9 blob GETs and one manifest GET per image for 3 destinations"

for dest in "${REG_ADDR[d1]}/mirror" "${REG_ADDR[d2]}" "${REG_ADDR[d3]}/deep/er"; do
  for image in "${IMAGES[@]}"; do
    got=$(skopeo_ inspect --tls-verify=false "docker://$dest/$image" | jq -r .Digest)
    assert_eq "skopeo inspect docker://$dest/$image" "${DIGEST[$image]}" "$got"
  done
done
ok "every destination holds every image with the source's digest (skopeo inspect)"

# --- two destinations down ---------------------------------------------------------------------
# More images, so that a retry cycle per image would show: team/app gets tags 3 to 10.
for i in 3 4 5 6 7 8 9 10; do push_layout "$SRC" "img$((i % 4 + 1))" "$S" "team/app:$i"; done
start_registry d4 regmirror
start_registry d5 regmirror
start_proxy p503 d5 --fail-status 503 --fail-times 0
DEAD=127.0.0.1:$(free_port)  # nothing listens there
{
  printf 'registries:\n  - %s\n  - %s\n  - %s\n' "${REG_ADDR[d4]}/mirror" "$DEAD/mirror" "${REG_ADDR[p503]}/mirror"
  printf 'images:\n  - source: %s/team/app\n    tags: [%s]\n' "$P" "$(seq -s, 1 10)"
  printf '  - source: %s/team/web:1\n  - source: %s/team/db:1\n' "$P" "$P"
} >"$T/work/sync-down.yaml"
JOBS=12
# One image at a time, one blob at a time: what the down destinations cost does not depend
# on how many requests happen to be in flight.
rm_run sync --config "$T/work/sync-down.yaml" --tls-verify=false --output-dir "$T/work/sets2" \
  --retry-times 1 --jobs 3 --blob-jobs 1
((RM_RC == 1)) || fail "sync with two destinations down: exit $RM_RC, expected 1\n$(_rm_report)"
DIGEST[team/app:7]=$(layout_digest "$SRC" img4)
for image in "${IMAGES[@]}" team/app:7; do
  check_served_manifest "${REG_ADDR[d4]}" "mirror/${image%:*}" "${image#*:}" "${DIGEST[$image]}"
done
assert_eq "'destination down' lines (one per down destination)" 2 "$(rm_output | grep -c 'destination down')"
for dest in "$DEAD" "${REG_ADDR[p503]}"; do
  assert_eq "summary line of $dest" 1 "$(rm_output | grep -cE "^$dest/mirror: 0 images ok, $JOBS not copied")"
  assert_eq "per-image failure lines naming $dest" 0 "$(rm_output | grep -cE "failed: .*-> $dest/")"
done
asked=$(proxy_requests p503 | wc -l)
((asked < JOBS)) || fail "the 503 destination was asked $asked times for $JOBS images: a retry cycle per image"
ok "two destinations down: the third complete, each down one reported once, exit 1, the 503 one asked $asked times for $JOBS images"

for r in src d1 d2 d3 d4 d5; do stop_registry "$r"; done
