#!/usr/bin/env bash
# Builds the registries.conf oracle (main.go here) offline, against the containers/image
# sources Debian ships (golang-github-containers-image-dev, a GOPATH tree under
# /usr/share/gocode/src) with Debian's Go (golang-go): no module proxy, no network.
#   tests/resolver/oracle/build.sh OUT
# OUT is the binary to write; its folder also keeps the Go build cache, so a rebuild takes
# seconds. scripts/install-deps.sh --test installs both packages.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: build.sh OUT}"
GOCODE=/usr/share/gocode
LIBRARY=containers/image
WANTED=5.23.1 # the version cases/*/expected.json were made with (Debian 12)

fail() {
  echo "oracle build: $*" >&2
  echo "oracle build: install the test dependencies: scripts/install-deps.sh --test" >&2
  exit 1
}
command -v go >/dev/null || fail "no go compiler on PATH (Debian package golang-go)"
[[ -d "$GOCODE/src/github.com/$LIBRARY/pkg/sysregistriesv2" ]] ||
  fail "no $LIBRARY sources in $GOCODE/src (Debian package golang-github-containers-image-dev)"

OUT="$(realpath -m "$OUT")"
build="$(dirname "$OUT")"
# A GOPATH entry of our own that holds this package: in GOPATH mode only a package inside a
# GOPATH entry, under a go.mod, may import the library's ".../v5/..." paths, which Go then
# maps onto Debian's github.com/containers/image folder ("minimal module compatibility").
package_dir="$build/gopath/src/regmirror.test/registries-oracle"
mkdir -p "$package_dir"
cp "$HERE/main.go" "$HERE/go.mod" "$package_dir/"
(cd "$package_dir" &&
  env GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$build/gopath:$GOCODE" \
    GOCACHE="$build/gocache" CGO_ENABLED=0 go build -trimpath -o "$OUT" .)

library="$("$OUT" --config /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["library"])')"
[[ "$library" == "containers/image $WANTED" ]] ||
  fail "built against $library; the expected.json files in tests/resolver/cases come from $WANTED"
echo "built $OUT ($library)"
