#!/usr/bin/env bash
# Rewrites cases/*/expected.json with the registries.conf oracle (oracle/main.go, that is
# containers/image itself). Run it after adding or changing a case, check that regmirror
# agrees (ctest -R resolver), and commit the result.
#   tests/resolver/regen-expected.sh [CASE...]
# ORACLE_BIN names the oracle binary; by default build/oracle/resolve, built when missing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORACLE_BIN="${ORACLE_BIN:-$HERE/../../build/oracle/resolve}"
[[ -x "$ORACLE_BIN" ]] || bash "$HERE/oracle/build.sh" "$ORACLE_BIN"
n=0
for dir in "$HERE"/cases/*/; do
  name="$(basename "$dir")"
  if (($#)) && [[ " $* " != *" $name "* ]]; then continue; fi
  mapfile -t refs < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$dir/refs.txt")
  # Relative paths, so that error texts read "registries.conf", wherever the tree is.
  (cd "$dir" && "$ORACLE_BIN" --config registries.conf --dropin-dir registries.conf.d -- "${refs[@]}" >expected.json)
  n=$((n + 1))
done
echo "regenerated $n cases"
