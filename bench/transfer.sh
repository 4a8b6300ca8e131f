#!/usr/bin/env bash
# regmirror copy/sync vs skopeo copy/sync, one run, written into bench/RESULTS.md between
# the "transfer" markers (bench/run.sh keeps that section when it rewrites the file).
#
#   bench/transfer.sh            # or: make bench (after bench/run.sh)
#
# Environment: REGMIRROR_BIN (default build/src/cli/regmirror), OUT (default
# bench/RESULTS.md), and the knobs of copy_bench.sh / sync_bench.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lib.sh
source "$here/lib.sh"
export REGMIRROR_BIN=${REGMIRROR_BIN:-$root/build/src/cli/regmirror}
OUT=${OUT:-$here/RESULTS.md}
begin='<!-- transfer:begin -->'
end='<!-- transfer:end -->'

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
copy=$(bash "$here/copy_bench.sh")
sync=$(bash "$here/sync_bench.sh")
section=$(
  echo "$begin"
  echo "## Copy tools: regmirror copy/sync vs skopeo"
  echo
  echo "- command: \`bench/transfer.sh\` (runs \`bench/copy_bench.sh\` and \`bench/sync_bench.sh\`)"
  echo "- date: $started; machine: $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- regmirror: $("$REGMIRROR_BIN" --version) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')); skopeo: $(skopeo --version)"
  echo "$copy"
  echo "$sync"
  echo "$end"
)
replace_section "$OUT" transfer "$section"
echo "$section"
