#!/usr/bin/env bash
# `regmirror verify` over a large image set on a local mirror: wall time, and the requests
# it sends against the fewest a check can need (each manifest and each blob once per source
# repository, however many images share it). IMAGES small generated images in REPOS
# repositories of a `regmirror serve` mirror (each repository's images share a base layer,
# as images built FROM one base do, and have a layer and a config of their own); the cluster
# maps an unreachable upstream (a closed port on 127.0.0.1) to the mirror with an
# ImageDigestMirrorSet; the images are listed by digest under the upstream's name, as a
# release payload lists them. Requests are counted twice: by verify's own summary and in the
# mirror's access log (every /v2/<name>/... request). Writes the "verify" section of
# bench/RESULTS.md. Not part of `make test`.
#
#   bench/verify.sh
#
# Environment (all optional):
#   REGMIRROR_BIN=path  the binary (default build/src/cli/regmirror)
#   IMAGES=500 REPOS=50 RUNS=3 JOBS=8
#   OUT=bench/RESULTS.md  where the section goes; OUT=- only prints it
IMAGES=${IMAGES:-500}
REPOS=${REPOS:-50}
RUNS=${RUNS:-3}
JOBS=${JOBS:-8}
export CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-1800}
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$here/RESULTS.md}
# shellcheck source=../tests/transfer/transfer_lib.sh
source "$here/../tests/transfer/transfer_lib.sh"
require_cmd /usr/bin/time jq python3
[[ -x $REGMIRROR_BIN ]] || fail "no regmirror binary at $REGMIRROR_BIN"
((IMAGES % REPOS == 0)) || fail "IMAGES ($IMAGES) must be a multiple of REPOS ($REPOS)"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

log "building $IMAGES images in $REPOS repositories"
python3 - "$T/work/set" "$IMAGES" "$REPOS" <<'PY'
import hashlib, json, os, sys
root, images, repos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{root}/blobs/sha256", exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{root}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
layer = "application/vnd.oci.image.layer.v1.tar"
entries = []
per_repo = images // repos
for r in range(1, repos + 1):
    base = put(os.urandom(4096))
    for i in range(1, per_repo + 1):
        own = put(os.urandom(1024))
        config = put(json.dumps({"architecture": "amd64", "os": "linux",
                                 "config": {"Labels": {"image": f"{r}-{i}"}},
                                 "rootfs": {"type": "layers", "diff_ids": [base["digest"], own["digest"]]}}).encode())
        manifest = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
                                   "layers": [dict(l, mediaType=layer) for l in (base, own)]}).encode())
        entries.append(dict(manifest, mediaType="application/vnd.oci.image.manifest.v1+json",
                            annotations={"org.opencontainers.image.ref.name": f"bench.example/bench/app-{r:03d}:v{i}"}))
json.dump({"schemaVersion": 2, "manifests": entries}, open(f"{root}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{root}/oci-layout", "w"))
PY
start_registry mirror regmirror
R=${REG_ADDR[mirror]}
rm_ok sync --from-dir "$T/work/set" --to "$R" --tls-verify=false --output-dir "$T/work/sets0"
UP="127.0.0.1:$(free_port)"   # closed: only the mirror serves
jq -r --arg up "$UP" '.manifests[] |
  (.annotations["org.opencontainers.image.ref.name"] | sub("^bench.example/"; "") | sub(":v[0-9]+$"; "")) as $repo |
  "\($up)/\($repo)@\(.digest)"' "$T/work/set/index.json" >"$T/work/images.txt"
[[ $(wc -l <"$T/work/images.txt") == "$IMAGES" ]] || fail "the image list does not hold $IMAGES images"
cat >"$T/work/cluster.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  registrySources:
    insecureRegistries: ["$R"]
---
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: bench}
spec:
  imageDigestMirrors:
  - {source: $UP/bench, mirrors: ["$R/bench"]}
YAML
# The fewest requests: per repository, each image's manifest, config and own layer, and the
# shared base layer once.
MINIMUM=$((IMAGES * 3 + REPOS))

# One run: sets WALL, SENT (verify's count), SEEN (the mirror's access log), DISTINCT.
time_verify() {
  local run=$1 tf="$T/work/verify-$1.time" out="$T/work/verify-$1.json" before after
  before=$(wc -l <"${REG_LOG[mirror]}")
  /usr/bin/time -f '%e' -o "$tf" timeout "$CLIENT_TIMEOUT" "$REGMIRROR_BIN" verify \
    -f "$T/work/cluster.yaml" --images "$T/work/images.txt" --json --jobs "$JOBS" \
    >"$out" 2>"$T/work/verify-$run.err" || fail "verify (run $run) failed:\n$(tail -n 5 "$T/work/verify-$run.err")"
  sleep 0.5   # the access log is written asynchronously
  after=$(wc -l <"${REG_LOG[mirror]}")
  WALL=$(tail -n1 "$tf")
  [[ $(jq -s '[.[] | select(.status == "OK")] | length' "$out") == "$IMAGES" ]] ||
    fail "run $run: not every image is OK:\n$(jq -c 'select(.status != "OK" and .image)' "$out" | head -n 3)"
  SENT=$(jq -r 'select(.summary) | .summary.requests' "$out")
  DISTINCT=$(jq -r 'select(.summary) | .summary.distinct_pieces' "$out")
  SEEN=$(sed -n "$((before + 1)),${after}p" "${REG_LOG[mirror]}" |
    jq -c 'select(.path | test("^/v2/.+/(manifests|blobs)/"))' | wc -l)
}

declare -a WALLS=()
for ((run = 1; run <= RUNS; run++)); do
  time_verify "$run"
  log "run $run: $WALL s; requests: $SENT sent (verify), $SEEN seen by the mirror, $DISTINCT distinct, minimum $MINIMUM"
  WALLS+=("$WALL")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
section=$(
  echo "<!-- verify:begin -->"
  echo "## verify: $IMAGES images on a local mirror"
  echo
  echo "- command: \`bench/verify.sh\` with IMAGES=$IMAGES REPOS=$REPOS RUNS=$RUNS JOBS=$JOBS"
  echo "- date: $started; machine: $(nproc) CPUs; load average at start: $load_at_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share the CPUs: expect noise in the times, not in the counts)"
  echo "- measured: $("$REGMIRROR_BIN" --version 2>&1 | head -1) ($(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo
  echo "$IMAGES generated images (a 4 KiB base layer shared by the $((IMAGES / REPOS)) images of each of $REPOS repositories, a 1 KiB layer and a config of their own) in a \`regmirror serve\` mirror over plain HTTP (insecure in image.config), reached through an ImageDigestMirrorSet from an unreachable upstream; listed by digest. \`regmirror verify -f cluster.yaml --images images.txt --json --jobs $JOBS\`. Minimum requests: per repository each manifest, config and own layer once and the base layer once ($MINIMUM). Requests sent: verify's summary; seen: the mirror's access log (manifest and blob requests; authentication round trips excluded, there are none here)."
  echo
  echo "| images | wall s (median) | all runs, s | requests sent | seen by the mirror | minimum | sent / minimum |"
  echo "|---:|---:|---|---:|---:|---:|---:|"
  echo "| $IMAGES | $(median "${WALLS[@]}") | ${WALLS[*]} | $SENT | $SEEN | $MINIMUM | $(awk -v a="$SENT" -v b="$MINIMUM" 'BEGIN { printf "%.2f", a / b }') |"
  echo "<!-- verify:end -->"
)
if [[ $OUT != - ]]; then
  # shellcheck source=lib.sh
  ( source "$here/lib.sh"; replace_section "$OUT" verify "$section" )
fi
echo "$section"
stop_registry mirror
