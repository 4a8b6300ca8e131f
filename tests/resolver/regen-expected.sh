#!/usr/bin/env bash
# Rewrites cases/*/expected.json with the registries.conf oracle (containers/image itself).
# Run it after adding or changing a case; commit the result.
#   ORACLE_BIN=build/oracle/resolve tests/resolver/regen-expected.sh [CASE...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORACLE_BIN="${ORACLE_BIN:?set ORACLE_BIN to the oracle binary (ctest builds it as build/oracle/resolve)}"
n=0
for dir in "$HERE"/cases/*/; do
  name="$(basename "$dir")"
  if (($#)) && [[ ! " $* " == *" $name "* ]]; then continue; fi
  mapfile -t refs < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$dir/refs.txt")
  (cd "$dir" && "$ORACLE_BIN" --config registries.conf --dropin-dir registries.conf.d -- "${refs[@]}" >expected.json)
  n=$((n + 1))
done
echo "regenerated $n cases"
