# shellcheck shell=bash disable=SC2154,SC2034  # globals go both ways between the scripts and this file
# Helpers shared by bench/run.sh and bench/auth_tls.sh (sourced, not run). They use the
# caller's globals: work (the temp dir), started_at (for log), and for head_run HEAD_LOAD,
# CONNECTIONS, DURATION and MT.

log() { printf '[%4ds] %s\n' $(( $(date +%s) - started_at )) "$*" >&2; }
# Observations (errors, wrong statuses, crashes) go to a file: many are made in subshells.
observe() { printf '%s\n' "$*" >>"$work/observations"; log "OBSERVATION: $*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Bounded runtime: whatever hangs, the whole run ends (and its EXIT trap cleans up) after
# SECONDS. Sets watchdog_pid, for the caller's cleanup to kill.
start_watchdog() {
  local seconds=$1 script=$2
  ( trap 'kill $sleeper 2>/dev/null; exit 0' TERM
    sleep "$seconds" & sleeper=$!
    wait $sleeper && { echo "$script: watchdog: over ${seconds}s, stopping" >&2; kill -TERM $$; } ) &
  watchdog_pid=$!
}

# On exit: stops the servers in PID and the watchdog, removes $work (kept with KEEP=1).
# SCRIPT names the script in the message of an interrupt.
trap_cleanup() {  # trap_cleanup SCRIPT
  watchdog_pid=""
  trap stop_all_and_clean EXIT
  # shellcheck disable=SC2064  # the name is meant to expand now
  trap "echo '$1: interrupted' >&2; exit 130" INT TERM
}
stop_all_and_clean() {
  local rc=$?
  trap - EXIT INT TERM
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  [[ -n $watchdog_pid ]] && kill "$watchdog_pid" 2>/dev/null
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}

# wait_up NAME URL: until URL answers (10 s at most) while the server PID[NAME] runs; else its
# log ($work/NAME.log) and exit 1.
wait_up() {
  for _ in $(seq 100); do
    curl -sf -o /dev/null --max-time 1 "$2" && return 0
    kill -0 "${PID[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "${0##*/}: $1 did not come up:" >&2
  tail -20 "$work/$1.log" >&2
  exit 1
}

# Stops a server: TERM, up to 5 s, then KILL.
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# compile_clients DIR NAME... : bench/NAME.cc -> DIR/NAME, in parallel.
compile_clients() {
  local dir=$1 name compiling=()
  shift
  mkdir -p "$dir"
  for name in "$@"; do
    g++ -O2 -std=c++23 -pthread -Wall "$here/$name.cc" -o "$dir/$name" -lssl -lcrypto & compiling+=($!)
  done
  for pid in "${compiling[@]}"; do
    wait "$pid" || { echo "compiling the bench clients failed" >&2; return 1; }
  done
}

# write_peer_config FILE PORT ROOTDIR [YAML...]: docker-registry with filesystem storage,
# delete enabled, log level error, no access log; extra top-level or http: lines appended.
write_peer_config() {
  local file=$1 port=$2 root=$3
  shift 3
  {
    cat <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
    printf '%s\n' "$@"
  } >"$file"
}

cpu_ticks() {  # utime+stime of a process, in clock ticks
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  awk '{print $12 + $13}' <<<"$stat"
}
CLK_TCK=$(getconf CLK_TCK)

# wait_idle PID: until the process uses under 10% of a core over half a second (at most 60 s).
# A server may still be working on requests whose connections the last load closed (a bcrypt
# per request takes a while): that work must not fall into the next measurement.
wait_idle() {
  local pid=$1 before after
  for _ in $(seq 120); do
    before=$(cpu_ticks "$pid")
    sleep 0.5
    after=$(cpu_ticks "$pid")
    (( (after - before) * 10 < CLK_TCK / 2 )) && return 0
  done
  return 0
}

sha() { echo "sha256:$(openssl dgst -sha256 -r "$1" | cut -d' ' -f1)"; }

# make_small_image DIR: a 4 KiB layer, its config and an OCI manifest in DIR/{layer,config,
# manifest}; sets LAYER, CONFIG, MANIFEST (digests) and MT (the manifest's media type).
make_small_image() {
  local dir=$1
  head -c 4096 /dev/urandom >"$dir/layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
    "$(sha "$dir/layer")" >"$dir/config"
  LAYER=$(sha "$dir/layer")
  CONFIG=$(sha "$dir/config")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
    "$CONFIG" "$(stat -c %s "$dir/config")" "$LAYER" "$(stat -c %s "$dir/layer")" >"$dir/manifest"
  MANIFEST=$(sha "$dir/manifest")
  MT=application/vnd.oci.image.manifest.v1+json
}

# ratio A B -> B / A with two decimals, or "-"
ratio() { awk -v a="$2" -v b="$1" 'BEGIN { if (a+0 == a && b+0 == b && b != 0) printf "%.2f", a / b; else print "-" }'; }
verdict() {  # verdict EXPR (awk condition on value x) VALUE -> met / MISSED
  awk -v x="$2" "BEGIN { if (x+0 == x && ($1)) print \"met\"; else print \"**missed**\" }"
}

# head_run OUTFILE URL [head_load options] -> "rps p50 p99 errors". With SETTLE_PID set, waits
# for that server to be idle after the warm-up.
head_run() {
  local out=$1 target=$2; shift 2
  timeout 30 "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d 2 "$@" -H "Accept: $MT" "$target" >/dev/null 2>&1 || true
  [[ -z ${SETTLE_PID:-} ]] || wait_idle "$SETTLE_PID"
  timeout $(( DURATION + 30 )) "$HEAD_LOAD" -c "$CONNECTIONS" -t 2 -d "$DURATION" "$@" -H "Accept: $MT" "$target" >"$out" 2>&1 || true
  awk '{ for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
       END { if (v["rps"] == "") print "FAIL 0 0 0"; else printf "%s %s %s %d\n", v["rps"], v["p50_ms"], v["p99_ms"], v["non2xx"] + v["errors"] }' "$out"
}

# replace_section FILE NAME TEXT: FILE without its <!-- NAME:begin -->…<!-- NAME:end --> block,
# then TEXT (which carries those markers) at the end. bench/run.sh keeps such blocks when it
# rewrites the file.
replace_section() {
  local file=$1 begin="<!-- $2:begin -->" end="<!-- $2:end -->" text=$3
  touch "$file"
  # Blank lines are held back until a line follows them, so none pile up where a block was.
  awk -v b="$begin" -v e="$end" '
    $0 == b { skip = 1; blank = 0 }
    !skip && $0 == "" { ++blank }
    !skip && $0 != "" { for (; blank > 0; --blank) print ""; print }
    $0 == e { skip = 0 }' "$file" >"$file.tmp"
  printf '\n%s\n' "$text" >>"$file.tmp"
  mv "$file.tmp" "$file"
}
