#!/usr/bin/env bash
# regmirror sync to several destinations: what it reads from the source, and how long it
# takes. IMAGES small images in a regmirror serve source (one shared base layer, as images
# built FROM one base have, plus a layer and a config of their own, each in its own
# repository), behind a counting proxy (tests/fixtures/fault_proxy.py logs every response's
# bytes), synced with one `regmirror sync` to DESTS fresh regmirror destinations per run.
# Reports the bytes read from the source (target: 1x the set's size, i.e. its distinct blobs
# and its manifests) and the wall time (/usr/bin/time); with OLD_BIN, the same for that
# binary (the behaviour before), runs alternating which goes first. Every registry is served
# by REGMIRROR_BIN, so only the syncing binary differs. Writes the "sync-fanout" section of
# bench/RESULTS.md.
#
#   OLD_BIN=/tmp/regmirror-before bench/sync_fanout.sh
#
# Environment (all optional):
#   REGMIRROR_BIN=path  the binary measured, and the registries' (default build/src/cli/regmirror)
#   OLD_BIN=path        a binary to compare with (e.g. main before the fan-out)
#   IMAGES=50 DESTS=3 RUNS=3
#   BASE_KIB=1024 LAYER_KIB=64   the shared base layer (0: none), each image's own layer
#                       (random bytes)
#   OUT=bench/RESULTS.md  where the section goes; OUT=- only prints it
#   SECTION=sync-fanout   its name (<!-- NAME:begin -->), to keep runs with other knobs apart
IMAGES=${IMAGES:-50}
DESTS=${DESTS:-3}
RUNS=${RUNS:-3}
BASE_KIB=${BASE_KIB:-1024}
LAYER_KIB=${LAYER_KIB:-64}
OLD_BIN=${OLD_BIN:-}
export CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-1800}
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$here/RESULTS.md}
SECTION=${SECTION:-sync-fanout}
# shellcheck source=../tests/transfer/transfer_lib.sh
source "$here/../tests/transfer/transfer_lib.sh"
require_cmd /usr/bin/time jq python3
[[ -x $REGMIRROR_BIN ]] || fail "no regmirror binary at $REGMIRROR_BIN"
[[ -z $OLD_BIN || -x $OLD_BIN ]] || fail "OLD_BIN=$OLD_BIN is not executable"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

# The set, as an OCI layout whose names are full references (bench.example/bench/img-NN:v1),
# loaded into the source with `regmirror sync --from-dir`.
log "building $IMAGES images (base $BASE_KIB KiB, own layer $LAYER_KIB KiB)"
python3 - "$T/work/set" "$IMAGES" "$BASE_KIB" "$LAYER_KIB" <<'PY'
import hashlib, json, os, sys
root, images, base_kib, layer_kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(f"{root}/blobs/sha256", exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{root}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
base = [put(os.urandom(base_kib * 1024))] if base_kib else []
entries = []
for i in range(1, images + 1):
    own = put(os.urandom(layer_kib * 1024))
    config = put(json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"n": str(i)}},
                             "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in base + [own]]}}).encode())
    layer = "application/vnd.oci.image.layer.v1.tar"
    manifest = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
                               "layers": [dict(l, mediaType=layer) for l in base + [own]]}).encode())
    entries.append(dict(manifest, mediaType="application/vnd.oci.image.manifest.v1+json",
                        annotations={"org.opencontainers.image.ref.name": f"bench.example/bench/img-{i:02d}:v1"}))
json.dump({"schemaVersion": 2, "manifests": entries}, open(f"{root}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{root}/oci-layout", "w"))
PY
# The set's size: every distinct blob once, and every manifest.
SET_BYTES=$(find "$T/work/set/blobs" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
start_registry src regmirror
rm_ok sync --from-dir "$T/work/set" --to "${REG_ADDR[src]}" --tls-verify=false --output-dir "$T/work/sets0"
start_proxy psrc src
P=${REG_ADDR[psrc]}
{
  echo "images:"
  for ((i = 1; i <= IMAGES; i++)); do printf '  - source: %s/bench/img-%02d:v1\n' "$P" "$i"; done
} >"$T/work/images.yaml"

# time_sync LABEL BINARY RUN: one sync to DESTS fresh destinations; sets WALL and READ (bytes
# of every response the source proxy sent), and checks every destination got every image.
time_sync() {
  local label=$1 bin=$2 run=$3 k names=() mark n i tf="$T/work/$1-$3.time" out="$T/work/$1-$3.out"
  for ((k = 1; k <= DESTS; k++)); do
    names+=("d$k-$label-$run")
    start_registry "d$k-$label-$run" regmirror
  done
  { echo "registries:"; for n in "${names[@]}"; do echo "  - ${REG_ADDR[$n]}/mirror"; done
    cat "$T/work/images.yaml"; } >"$T/work/sync-$label-$run.yaml"
  mark=$(proxy_mark psrc)
  /usr/bin/time -f '%e' -o "$tf" timeout "$CLIENT_TIMEOUT" "$bin" sync --config "$T/work/sync-$label-$run.yaml" \
    --tls-verify=false --output-dir "$T/work/sets-$label-$run" >"$out" 2>&1 ||
    fail "$label sync (run $run) failed:\n$(tail -n 20 "$out")"
  WALL=$(tail -n1 "$tf")
  READ=$(proxy_requests_since psrc "$mark" '.method == "GET"' | jq -s '[.[].resp_bytes] | add // 0')
  for n in "${names[@]}"; do
    for ((i = 1; i <= IMAGES; i++)); do
      [[ $(manifest_status "${REG_ADDR[$n]}" "mirror/bench/img-$(printf %02d "$i")" v1) == 200 ]] ||
        fail "$label run $run: ${REG_ADDR[$n]} lacks bench/img-$i:v1"
    done
    stop_registry "$n"
    rm -rf "${T:?}/$n"
  done
}

declare -A WALLS=() READS=()
labels=(new)
[[ -n $OLD_BIN ]] && labels=(old new)
for ((run = 1; run <= RUNS; run++)); do
  order=("${labels[@]}")
  ((run % 2 == 0)) && order=($(printf '%s\n' "${labels[@]}" | tac))
  for label in "${order[@]}"; do
    bin=$REGMIRROR_BIN
    [[ $label == old ]] && bin=$OLD_BIN
    time_sync "$label" "$bin" "$run"
    log "run $run: $label: $WALL s, read $READ bytes from the source"
    WALLS[$label]+="$WALL "
    READS[$label]+="$READ "
  done
done

median() { tr ' ' '\n' <<<"$1" | awk NF | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
times_set() { awk -v b="$1" -v s="$SET_BYTES" 'BEGIN { printf "%.2f", b / s }'; }
row() {  # row LABEL NAME
  local r w
  r=$(median "${READS[$1]}")
  w=$(median "${WALLS[$1]}")
  echo "| $2 | $(mb "$r") MB | $(times_set "$r")× | $w | ${WALLS[$1]% } |"
}
version() { "$1" --version 2>&1 | head -1; }
if ((BASE_KIB > 0)); then
  shape="images sharing a base layer"
  layers="a shared $BASE_KIB KiB base layer, a $LAYER_KIB KiB layer and a config of its own"
else
  shape="images sharing nothing"
  layers="a $LAYER_KIB KiB layer and a config of its own, nothing shared"
fi
section=$(
  echo "<!-- $SECTION:begin -->"
  echo "## Sync to $DESTS destinations: bytes read from the source ($shape)"
  echo
  echo "- command: \`OLD_BIN=… bench/sync_fanout.sh\` with IMAGES=$IMAGES DESTS=$DESTS RUNS=$RUNS BASE_KIB=$BASE_KIB LAYER_KIB=$LAYER_KIB SECTION=$SECTION"
  echo "- date: $started; machine: $(nproc) CPUs; load average at start: $load_at_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share the CPUs: expect noise in the times, not in the bytes)"
  echo "- measured: $(version "$REGMIRROR_BIN") ($(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?'))${OLD_BIN:+; before: $(version "$OLD_BIN") at \`$OLD_BIN\`}"
  echo
  echo "$IMAGES images, each in its own repository: $layers. Source: regmirror serve behind \`tests/fixtures/fault_proxy.py\` (Python, streaming), whose log gives the bytes of every response. Destinations: $DESTS fresh regmirror serve per run. The set's size (distinct blobs and the manifests): $(mb "$SET_BYTES") MB. Target: the source read once, 1× the set. Median of $RUNS runs, alternating which binary goes first."
  echo
  echo "| binary | read from the source | × the set | wall s (median) | all runs, s |"
  echo "|---|---:|---:|---:|---|"
  [[ -n $OLD_BIN ]] && row old "before (each destination reads the source)"
  row new "one read, many writes"
  echo "<!-- $SECTION:end -->"
)
if [[ $OUT != - ]]; then
  ( source "$here/lib.sh"; replace_section "$OUT" "$SECTION" "$section" )
fi
echo "$section"
for r in psrc src; do stop_registry "$r"; done
