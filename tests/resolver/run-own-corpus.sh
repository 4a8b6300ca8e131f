#!/usr/bin/env bash
# Runs the oracle's differential runner (../shared/oracle/run-against.sh) over our own corpus
# in cases/. The runner reads cases from its own folder, so a copy of it is run from a
# temporary folder whose cases/ points here; shared/ is never modified.
#   ORACLE_DIR=../shared/oracle IMPL='...' COMPARE=library tests/resolver/run-own-corpus.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORACLE_DIR="${ORACLE_DIR:?set ORACLE_DIR to the shared/oracle folder}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$ORACLE_DIR/run-against.sh" "$work/run-against.sh"
ln -s "$HERE/cases" "$work/cases"
bash "$work/run-against.sh" "$@"
