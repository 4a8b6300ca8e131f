#!/usr/bin/env bash
# Pull-through mirrors side by side, in one run on loopback: regmirror (`serve --upstream
# http://UPSTREAM`) and docker-registry in proxy mode (`proxy: remoteurl: http://UPSTREAM`),
# both in front of one upstream (a plain `regmirror serve`, whose access log counts what
# the mirrors ask it):
#   (i)  CLIENTS concurrent cold GETs (curl) of one BLOB_MIB MiB blob through each mirror:
#        upstream GETs of the blob and wall time, vs the same GETs straight from the upstream;
#   (ii) a skopeo pull (to dir:) of an image of LAYERS × LAYER_MIB MiB layers: cold through
#        each mirror vs straight from the upstream, then warm (cached) vs the upstream,
#        which is a plain regmirror.
# Each round starts the mirrors on fresh storage and measures the upstream directly first
# and last; medians over the rounds. Writes its section
# of bench/RESULTS.md (between the "mirror" markers) and prints it.
#
#   bench/mirror_pull.sh
#
# Environment (all optional): REGMIRROR_BIN (default build/src/cli/regmirror), CLIENTS=20,
# BLOB_MIB=50, LAYERS=4, LAYER_MIB=50, ROUNDS=3, OUT=bench/RESULTS.md, KEEP_TMP=1.
CLIENTS=${CLIENTS:-20}
BLOB_MIB=${BLOB_MIB:-50}
LAYERS=${LAYERS:-4}
LAYER_MIB=${LAYER_MIB:-50}
ROUNDS=${ROUNDS:-3}
export CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-600}
bench_dir=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$bench_dir/RESULTS.md}
# bench/lib.sh first (ratio, verdict, replace_section); the test library's log, free_port
# and servers replace its own.
# shellcheck source=lib.sh
source "$bench_dir/lib.sh"
# shellcheck source=../tests/mirror/mirror_lib.sh
source "$bench_dir/../tests/mirror/mirror_lib.sh"
require_cmd skopeo docker-registry
run_started=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

start_registry up regmirror
UP=${REG_ADDR[up]}

# start_dr_proxy NAME STORAGE: docker-registry proxying the upstream, on a free port.
start_dr_proxy() {
  local name=$1 storage=$2 port pid
  port=$(free_port)
  mkdir -p "$storage"
  write_peer_config "$T/$name.yml" "$port" "$storage" "proxy:" "  remoteurl: http://$UP"
  local unset_args=() v
  for v in $(compgen -e); do [[ $v == REGISTRY_* ]] && unset_args+=(-u "$v"); done
  env "${unset_args[@]}" docker-registry serve "$T/$name.yml" >"$T/$name.log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2034  # read by the test library's stop_registry and cleanup
  REG_PID[$name]=$pid REG_KIND[$name]=docker-registry REG_LOG[$name]="$T/$name.log"
  REG_ADDR[$name]="127.0.0.1:$port"
  _watch "$name" "$pid"
  _wait_ready "$name" "http://127.0.0.1:$port/v2/" || fail "$name did not start:\n$(tail "$T/$name.log")"
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "127.0.0.1:$port" >>"$CONTAINERS_REGISTRIES_CONF"
}

# start_mirrors ROUND: both mirrors on fresh storage, as rm and dr.
start_mirrors() {
  start_mirror rm "" "$T/rm-$1" --upstream "http://$UP"
  start_dr_proxy dr "$T/dr-$1"
}
stop_mirrors() {
  stop_registry rm
  stop_registry dr
  rm -rf "$T/rm-$1" "$T/dr-$1"
}

# upstream_gets PATH_REGEX: GETs the upstream has logged so far whose path matches.
upstream_gets() { grep -cE "\"method\":\"GET\",\"path\":\"$1\"" "$T/up.log" || true; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# get_blob_concurrently ADDR REPO DIGEST: CLIENTS curl GETs at once; prints the wall time.
# Every one must answer 200 with the whole blob.
get_blob_concurrently() {
  local addr=$1 repo=$2 d=$3 i t0 pids=()
  t0=$(now)
  for ((i = 0; i < CLIENTS; i++)); do
    curl -s -o /dev/null --max-time 300 -w '%{http_code} %{size_download}\n' \
      "http://$addr/v2/$repo/blobs/$d" >"$T/work/get-$i" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  elapsed "$t0" "$(now)"
  for ((i = 0; i < CLIENTS; i++)); do
    [[ $(cat "$T/work/get-$i") == "200 $BLOB_BYTES" ]] ||
      fail "GET http://$addr/v2/$repo/blobs/$d by client $i: $(cat "$T/work/get-$i"), expected 200 $BLOB_BYTES"
  done
}

# pull_image ADDR: skopeo copy of bench/img:v1 into a dir: on local disk; prints the wall time.
pull_image() {
  local t0 t
  rm -rf "$T/work/pulled"
  t0=$(now)
  skopeo_ copy --src-tls-verify=false "docker://$1/bench/img:v1" "dir:$T/work/pulled" >/dev/null
  t=$(elapsed "$t0" "$(now)")
  rm -rf "$T/work/pulled"
  echo "$t"
}

log "upstream content: a $BLOB_MIB MiB blob, an image of $LAYERS × $LAYER_MIB MiB layers"
head -c $((BLOB_MIB << 20)) /dev/urandom >"$T/work/blob"
BLOB=$(push_blob "$UP" bench/blob "$T/work/blob")
BLOB_BYTES=$(stat -c %s "$T/work/blob")
rm -f "$T/work/blob"
make_big_image "$T/work/img" v1 "$LAYER_MIB" "$LAYERS"
push_layout "$T/work/img" v1 "$UP" bench/img:v1
rm -rf "$T/work/img"
sync

declare -A times=() gets=()
blob_path="/v2/bench/blob/blobs/$BLOB"
layer_paths="/v2/bench/img/blobs/sha256:[0-9a-f]{64}"
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS"
  start_mirrors "$r"
  times[direct-blob]+="$(get_blob_concurrently "$UP" bench/blob "$BLOB") "
  for m in dr rm; do
    before=$(upstream_gets "$blob_path")
    times[$m-blob]+="$(get_blob_concurrently "${REG_ADDR[$m]}" bench/blob "$BLOB") "
    gets[$m-blob]+="$(($(upstream_gets "$blob_path") - before)) "
  done
  times[direct-pull]+="$(pull_image "$UP") "
  for m in dr rm; do
    before=$(upstream_gets "$layer_paths")
    times[$m-cold]+="$(pull_image "${REG_ADDR[$m]}") "
    gets[$m-cold]+="$(($(upstream_gets "$layer_paths") - before)) "
    before=$(upstream_gets "$layer_paths")
    times[$m-warm]+="$(pull_image "${REG_ADDR[$m]}") "
    gets[$m-warm]+="$(($(upstream_gets "$layer_paths") - before)) "
  done
  # The baselines once more at the end of the round: the machine's load drifts.
  times[direct-blob]+="$(get_blob_concurrently "$UP" bench/blob "$BLOB") "
  times[direct-pull]+="$(pull_image "$UP") "
  stop_mirrors "$r"
done

med() { tr ' ' '\n' <<<"${1% }" | grep . | median; }
all() { echo "${1% }" | tr ' ' ','; }
LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg)
d_blob=$(med "${times[direct-blob]}") d_pull=$(med "${times[direct-pull]}")
row() {  # row LABEL MIRROR KEY BASE TARGET_EXPR TARGET_TEXT
  local t r
  t=$(med "${times[$2-$3]}")
  r=$(ratio "$4" "$t")
  printf '| %s | %s | %s (%s) | %s | %s | %s |\n' "$1" "$4" "$t" "$(all "${times[$2-$3]}")" "$r" "$6" \
    "$( [[ -n $5 ]] && verdict "$5" "$r" )"
}
section=$(
  echo '<!-- mirror:begin -->'
  echo '## Pull-through mirrors: regmirror vs docker-registry proxy mode'
  echo
  echo "Generated by \`bench/mirror_pull.sh\` with CLIENTS=$CLIENTS BLOB_MIB=$BLOB_MIB LAYERS=$LAYERS LAYER_MIB=$LAYER_MIB ROUNDS=$ROUNDS; do not edit by hand, run it again."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), run took $(($(date +%s) - run_started)) s"
  echo "- machine: $(nproc) CPUs, load average (1, 5, 15 min) at start: $LOAD_AT_START, at the end: $LOAD_AT_END (other work shares the CPUs: above 0.5 or so, expect noise)"
  echo "- regmirror: $("$REGMIRROR_BIN" --version 2>&1 | head -n1); docker-registry: $(docker-registry --version 2>&1 | head -n1); $(skopeo --version); $(curl --version | head -n1 | cut -d' ' -f1-2)"
  echo "- upstream: a plain \`regmirror serve\` on 127.0.0.1; mirrors: \`regmirror serve --upstream http://UPSTREAM\` and docker-registry with \`proxy: remoteurl: http://UPSTREAM\`, each started on empty storage every round"
  echo "- times in seconds, median of $ROUNDS rounds (all rounds in parentheses; straight from the upstream: measured at the start and the end of each round, $((2 * ROUNDS)) samples); ratio = mirror / straight from the upstream"
  echo
  echo "### $CLIENTS concurrent cold GETs of one $BLOB_MIB MiB blob (curl -o /dev/null)"
  echo
  echo '| | straight from the upstream | through the mirror | ratio | target | |'
  echo '|---|---:|---:|---:|---|---|'
  row "regmirror: wall s" rm blob "$d_blob" "x <= 1.5" "≤ 1.5×"
  row "docker-registry proxy: wall s" dr blob "$d_blob" "" ""
  echo
  echo "Upstream GETs of the blob per round: regmirror $(all "${gets[rm-blob]}") (target 1), docker-registry $(all "${gets[dr-blob]}")."
  echo
  echo "### skopeo pull of a $((LAYERS * LAYER_MIB)) MiB image ($LAYERS × $LAYER_MIB MiB layers) to dir:"
  echo
  echo '| | straight from the upstream (plain regmirror) | through the mirror | ratio | target | |'
  echo '|---|---:|---:|---:|---|---|'
  row "regmirror, cold: wall s" rm cold "$d_pull" "x <= 1.1" "≤ 1.1×"
  row "regmirror, warm: wall s" rm warm "$d_pull" "x <= 1.1" "≈ 1× a plain regmirror"
  row "docker-registry proxy, cold: wall s" dr cold "$d_pull" "" ""
  row "docker-registry proxy, warm: wall s" dr warm "$d_pull" "" ""
  echo
  echo "Upstream blob GETs per pull (layers and config): regmirror cold $(all "${gets[rm-cold]}"), warm $(all "${gets[rm-warm]}"); docker-registry cold $(all "${gets[dr-cold]}"), warm $(all "${gets[dr-warm]}")."
  echo '<!-- mirror:end -->'
)
replace_section "$OUT" mirror "$section"
printf '%s\n' "$section"
