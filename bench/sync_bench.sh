#!/usr/bin/env bash
# regmirror sync vs skopeo sync: IMAGES small images from one source registry to 3
# destination registries. regmirror does all destinations in one run; skopeo sync takes one
# destination per call, so it runs once per destination (its YAML source format, same
# images). Each run gets fresh destinations (new data dirs); runs alternate which tool goes
# first; wall time by /usr/bin/time. Prints Markdown rows for bench/RESULTS.md.
#
#   bench/sync_bench.sh
#
# Environment (all optional):
#   REGMIRROR_BIN=path  the binary (default build/src/cli/regmirror); without a `sync`
#                       subcommand only the skopeo half runs
#   IMAGES=50           images (repositories bench/img-NN, tag v1, a few hundred KB each)
#   DESTS=3             destination registries
#   RUNS=3              runs per tool
#   DEST_KIND=regmirror destination registry kind (regmirror or docker-registry)
#   KEEP_TMP=1          keep the temp dir
IMAGES=${IMAGES:-50}
DESTS=${DESTS:-3}
RUNS=${RUNS:-3}
DEST_KIND=${DEST_KIND:-regmirror}
export CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-1800}
# shellcheck source=../tests/transfer/transfer_lib.sh
source "$(dirname "$0")/../tests/transfer/transfer_lib.sh"
require_cmd skopeo /usr/bin/time
[[ -x $REGMIRROR_BIN ]] || fail "no regmirror binary at $REGMIRROR_BIN (it serves the source registry)"
HAVE_SYNC=1
grep -qE '^ +sync( |$)' <<<"$("$REGMIRROR_BIN" --help 2>&1)" || HAVE_SYNC=0
((HAVE_SYNC)) || log "regmirror at $REGMIRROR_BIN has no 'sync' subcommand: timing skopeo only"

start_registry src regmirror
S=${REG_ADDR[src]}
log "building and pushing $IMAGES images"
declare -a REPOS=() DIGESTS=()
for ((i = 1; i <= IMAGES; i++)); do
  repo=$(printf 'bench/img-%02d' "$i")
  make_oci_image "$T/work/src" "img$i" linux/amd64
  push_layout "$T/work/src" "img$i" "$S" "$repo:v1"
  REPOS+=("$repo")
  DIGESTS+=("$(layout_digest "$T/work/src" "img$i")")
done
rm -rf "$T/work/src"
BYTES=0
for ((i = 0; i < IMAGES; i++)); do
  ((BYTES += $(curl -s -H "Accept: $MT_OCI_MANIFEST" "http://$S/v2/${REPOS[i]}/manifests/v1" |
    jq '[.layers[].size, .config.size] | add')))
done

# regmirror: one config, every destination.
# skopeo: its YAML source format (registry -> images -> tags); one call per destination.
{
  echo "images:"
  for r in "${REPOS[@]}"; do printf '  - source: %s/%s\n    tags: [v1]\n' "$S" "$r"; done
} >"$T/work/images.yaml"
{
  printf '%s:\n  tls-verify: false\n  images:\n' "$S"
  for r in "${REPOS[@]}"; do printf '    %s: [v1]\n' "$r"; done
} >"$T/work/skopeo-sync.yaml"

# check_dest ADDR REPO_PREFIX: every image arrived with its digest (REPO_PREFIX + name).
check_dest() {
  local addr=$1 p=$2 i
  for ((i = 0; i < IMAGES; i++)); do
    check_served_manifest "$addr" "$p${REPOS[i]#"${3:-}"}" v1 "${DIGESTS[i]}"
  done
}

# time_sync TOOL RUN: fresh destinations, one timed sync; sets SECONDS_TAKEN.
# (Not in $(...): the registries it starts must be children of this shell.)
time_sync() {
  local tool=$1 run=$2 k names=() tf="$T/work/$1-$2.time" out="$T/work/$1-$2.out"
  for ((k = 1; k <= DESTS; k++)); do
    names+=("d$k-$tool-$run")
    start_registry "d$k-$tool-$run" "$DEST_KIND"
  done
  case $tool in
    regmirror)
      { echo "registries:"; for n in "${names[@]}"; do echo "  - ${REG_ADDR[$n]}/mirror"; done
        cat "$T/work/images.yaml"; } >"$T/work/sync-$run.yaml"
      /usr/bin/time -f '%e' -o "$tf" timeout "$CLIENT_TIMEOUT" "$REGMIRROR_BIN" sync \
        --config "$T/work/sync-$run.yaml" --tls-verify=false --output-dir "$T/work/idms-$run" \
        >"$out" 2>&1 || fail "regmirror sync (run $run) failed:\n$(tail -n 20 "$out")"
      ;;
    skopeo)
      local script="$T/work/skopeo-$run.sh"
      {
        echo "set -e"
        for n in "${names[@]}"; do
          printf '%s sync --preserve-digests --src yaml --dest docker --dest-tls-verify=false %q %q\n' \
            "$(quote_cmd "${SKOPEO[@]}")" "$T/work/skopeo-sync.yaml" "${REG_ADDR[$n]}/mirror"
        done
      } >"$script"
      /usr/bin/time -f '%e' -o "$tf" timeout "$CLIENT_TIMEOUT" bash "$script" >"$out" 2>&1 ||
        fail "skopeo sync (run $run) failed:\n$(tail -n 20 "$out")"
      ;;
  esac
  SECONDS_TAKEN=$(tail -n1 "$tf")
  for n in "${names[@]}"; do
    # regmirror: prefix + source path; skopeo sync (not --scoped): prefix + last path element.
    if [[ $tool == regmirror ]]; then check_dest "${REG_ADDR[$n]}" mirror/; else check_dest "${REG_ADDR[$n]}" mirror/ bench/; fi
    stop_registry "$n"
    rm -rf "${T:?}/$n"
  done
}

declare -A WALL=([regmirror]="" [skopeo]="")
for ((run = 1; run <= RUNS; run++)); do
  order=(regmirror skopeo)
  ((run % 2 == 0)) && order=(skopeo regmirror)
  for tool in "${order[@]}"; do
    [[ $tool == regmirror ]] && ((HAVE_SYNC == 0)) && continue
    time_sync "$tool" "$run"
    log "run $run: $tool sync to $DESTS destinations took $SECONDS_TAKEN s"
    WALL[$tool]+="$SECONDS_TAKEN "
  done
done

median() { tr ' ' '\n' <<<"$1" | awk NF | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
rm_s=$(median "${WALL[regmirror]}")
sk_s=$(median "${WALL[skopeo]}")
ratio=$(awk -v a="$rm_s" -v b="$sk_s" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
verdict=$(awk -v r="$ratio" 'BEGIN { if (r == "-") print "-"; else if (r + 0 <= 0.5) print "met"; else print "missed" }')
per_image() { awk -v s="$1" -v n="$((IMAGES * DESTS))" 'BEGIN { if (s + 0 > 0) printf "%.1f", s * 1000 / n; else print "-" }'; }
cat <<EOF

### Sync of $IMAGES small images to $DESTS destinations

\`bench/sync_bench.sh\`: $IMAGES single-arch images (about $((BYTES / IMAGES / 1024)) KiB each) in a regmirror serve source, to $DESTS fresh $DEST_KIND destinations per run. regmirror: one \`regmirror sync\` for all destinations; skopeo: \`skopeo sync --src yaml --dest docker --preserve-digests\` once per destination. $RUNS runs per tool alternating which goes first; median wall time. Ratio = regmirror / skopeo (below 1: regmirror faster); target: wall time ≤ 0.5× skopeo.

| metric | skopeo sync ×$DESTS | regmirror sync | ratio (regmirror / skopeo) | target | |
|---|---:|---:|---:|---|---|
| wall s (median of $RUNS) | $sk_s | $rm_s | $ratio | ≤ 0.5× | $verdict |
| ms per image per destination | $(per_image "$sk_s") | $(per_image "$rm_s") | |
| all runs, s | ${WALL[skopeo]% } | ${WALL[regmirror]% } | |
EOF
stop_registry src
