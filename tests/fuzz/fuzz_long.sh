#!/usr/bin/env bash
# One long libFuzzer run for `make fuzz` (tests/fuzz/CMakeLists.txt calls it once per target):
#   fuzz_long.sh NAME FUZZER WORKDIR [-dict=FILE] [SEED_DIR...]
# Runs FUZZER for FUZZ_SECONDS (default 300) with the dictionary and seeds; new inputs go to
# WORKDIR/corpus (kept, so the next run starts from there; the seeds are only read), a crash
# to WORKDIR/artifacts/ and makes `make fuzz` fail. FUZZ_TARGETS (names separated by spaces,
# e.g. "auth_parsers sync_parsers") limits the run to those targets.
set -euo pipefail
name=$1 fuzzer=$2 workdir=$3
shift 3
seconds=${FUZZ_SECONDS:-300}

if [[ -n ${FUZZ_TARGETS:-} && " $FUZZ_TARGETS " != *" $name "* ]]; then
  exit 0
fi
mkdir -p "$workdir/corpus" "$workdir/artifacts"
log="$workdir/fuzz.log"
echo "fuzz_$name: ${seconds}s, corpus $workdir/corpus, log $log"
if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$workdir/artifacts/" "$workdir/corpus" "$@" >"$log" 2>&1; then
  tail -n 60 "$log"
  echo "fuzz_$name FAILED: the input is in $workdir/artifacts/" >&2
  exit 1
fi
grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log" | sed "s/^/  /"
