#!/usr/bin/env bash
# regmirror copy vs skopeo copy, registry to registry, for a ~1 GiB image of several random
# layers. The image is built as an OCI layout and pushed once (skopeo) to a source registry
# (regmirror serve); then each run copies it into a fresh destination registry (new data
# dir, same kind) with each tool, alternating which goes first, timed by /usr/bin/time.
# Prints Markdown rows for bench/RESULTS.md.
#
#   bench/copy_bench.sh
#
# Environment (all optional):
#   REGMIRROR_BIN=path  the binary (default build/src/cli/regmirror); without a `copy`
#                       subcommand only the skopeo half runs
#   LAYERS=8 LAYER_MIB=128   the image: LAYERS uncompressed layers of LAYER_MIB MiB each
#   RUNS=3              runs per tool
#   DEST_KIND=regmirror destination registry kind (regmirror or docker-registry)
#   JOBS=               regmirror copy --jobs (default: its own)
#   KEEP_TMP=1          keep the temp dir
LAYERS=${LAYERS:-8}
LAYER_MIB=${LAYER_MIB:-128}
RUNS=${RUNS:-3}
DEST_KIND=${DEST_KIND:-regmirror}
JOBS=${JOBS:-}
export CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-1800}
# shellcheck source=../tests/transfer/transfer_lib.sh
source "$(dirname "$0")/../tests/transfer/transfer_lib.sh"
require_cmd skopeo /usr/bin/time
[[ -x $REGMIRROR_BIN ]] || fail "no regmirror binary at $REGMIRROR_BIN (it serves the source registry)"
HAVE_COPY=1
grep -qE '^ +copy( |$)' <<<"$("$REGMIRROR_BIN" --help 2>&1)" || HAVE_COPY=0
((HAVE_COPY)) || log "regmirror at $REGMIRROR_BIN has no 'copy' subcommand: timing skopeo only"

log "building the image: $LAYERS layers of $LAYER_MIB MiB"
make_big_image "$T/work/img" big "$LAYER_MIB" "$LAYERS"
WANT=$(layout_digest "$T/work/img" big)
BYTES=$(layout_blob "$T/work/img" "$WANT" | jq '[.layers[].size, .config.size] | add')
start_registry src regmirror
S=${REG_ADDR[src]}
push_layout "$T/work/img" big "$S" bench/big:v1
rm -rf "$T/work/img"   # from here on the source registry is the only copy
sync

# time_copy TOOL RUN: copy into a fresh destination; sets SECONDS_TAKEN to the wall time.
# (Not in $(...): the registries it starts must be children of this shell.)
time_copy() {
  local tool=$1 run=$2 name="dst-$1-$2" d tf cmd
  start_registry "$name" "$DEST_KIND"
  d=${REG_ADDR[$name]}
  tf="$T/work/$name.time"
  case $tool in
    regmirror)
      cmd=("$REGMIRROR_BIN" copy --tls-verify=false --progress=none ${JOBS:+--jobs "$JOBS"})
      ;;
    skopeo)
      # --preserve-digests: like regmirror, copy the layers as they are (skopeo would
      # otherwise gzip the uncompressed layers, and time that).
      cmd=("${SKOPEO[@]}" copy --preserve-digests --src-tls-verify=false --dest-tls-verify=false)
      ;;
  esac
  /usr/bin/time -f '%e %U %S' -o "$tf" timeout "$CLIENT_TIMEOUT" "${cmd[@]}" \
    "docker://$S/bench/big:v1" "docker://$d/bench/big:v1" >"$T/work/$name.out" 2>&1 ||
    fail "$tool copy (run $run) failed:\n$(tail -n 20 "$T/work/$name.out")"
  check_served_manifest "$d" bench/big v1 "$WANT"
  stop_registry "$name"
  rm -rf "${T:?}/$name"
  SECONDS_TAKEN=$(awk '{print $1}' "$tf")
  CPU_TAKEN=$(awk '{print $2 + $3}' "$tf")
}

declare -A WALL=([regmirror]="" [skopeo]="") CPU=([regmirror]="" [skopeo]="")
for ((run = 1; run <= RUNS; run++)); do
  order=(regmirror skopeo)
  ((run % 2 == 0)) && order=(skopeo regmirror)
  for tool in "${order[@]}"; do
    [[ $tool == regmirror ]] && ((HAVE_COPY == 0)) && continue
    time_copy "$tool" "$run"
    log "run $run: $tool copy took $SECONDS_TAKEN s"
    WALL[$tool]+="$SECONDS_TAKEN "
    CPU[$tool]+="$CPU_TAKEN "
  done
done

median() { tr ' ' '\n' <<<"$1" | awk NF | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
mbps() { awk -v s="$1" -v b="$BYTES" 'BEGIN { if (s + 0 > 0) printf "%.0f", b / s / 1e6; else print "-" }'; }
rm_s=$(median "${WALL[regmirror]}")
sk_s=$(median "${WALL[skopeo]}")
ratio=$(awk -v a="$rm_s" -v b="$sk_s" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
verdict=$(awk -v r="$ratio" 'BEGIN { if (r == "-") print "-"; else if (r + 0 <= 0.5) print "met"; else print "missed" }')
GIB=$(awk -v b="$BYTES" 'BEGIN { printf "%.2f", b / 1073741824 }')
cat <<EOF

### Copy of a $GIB GiB image ($LAYERS × $LAYER_MIB MiB random layers), registry to registry

\`bench/copy_bench.sh\`: source regmirror serve, destination a fresh $DEST_KIND per run, $RUNS runs per tool alternating which goes first; median wall time (\`/usr/bin/time\`). skopeo runs with \`--preserve-digests\` (layers copied as they are, as regmirror does). Ratio = regmirror / skopeo (below 1: regmirror faster); target: wall time ≤ 0.5× skopeo.

| metric | skopeo copy | regmirror copy | ratio (regmirror / skopeo) | target | |
|---|---:|---:|---:|---|---|
| wall s (median of $RUNS) | $sk_s | $rm_s | $ratio | ≤ 0.5× | $verdict |
| MB/s | $(mbps "$sk_s") | $(mbps "$rm_s") | |
| copying tool's CPU s (user+sys, median) | $(median "${CPU[skopeo]}") | $(median "${CPU[regmirror]}") | |
| all runs, s | ${WALL[skopeo]% } | ${WALL[regmirror]% } | |
EOF
stop_registry src
