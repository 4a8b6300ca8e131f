#!/usr/bin/env bash
# Builds the sigstore oracle (main.go here) offline against Debian's containers/image 5.23.1
# (golang-github-containers-image-dev, under /usr/share/gocode/src) with Debian's Go, like
# tests/resolver/oracle/build.sh, except that Debian stubbed the library's sigstore functions
# out ("Debian-local change: sigstore disabled"): `go build -overlay` reads three of Debian's
# files with their stub removed (drop_stub.py, into OUT's folder) and adds the files of
# replacements/, regmirror's own code defining those functions (README.md). Without cgo: the
# GPG mechanism is the library's pure-Go one (tag containers_image_openpgp).
#   tests/signatures/sigstore_oracle/build.sh OUT
# OUT's folder also keeps the Go build cache. scripts/install-deps.sh --test installs Go and
# the library.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: build.sh OUT}"
GOCODE=/usr/share/gocode
LIBRARY="$GOCODE/src/github.com/containers/image"

fail() {
  echo "sigstore oracle build: $*" >&2
  exit 1
}
command -v go >/dev/null || fail "no go compiler on PATH (Debian package golang-go)"
[[ -d "$LIBRARY/signature" ]] ||
  fail "no containers/image sources in $GOCODE/src (Debian package golang-github-containers-image-dev)"

# The files whose stubs replacements/ stands in for, as Debian 12's 5.23.1 ships them
# (copied.go: cosign's key loading, emptied to its package clause): replacements/ was written
# against exactly these, so any other version fails here rather than mixing two versions.
while read -r sum file; do
  echo "$sum  $LIBRARY/$file" | sha256sum --check --quiet >/dev/null 2>&1 ||
    fail "$LIBRARY/$file is not Debian 12's 5.23.1 file that replacements/ was written for"
done <<'SUMS'
15b95c737019c9a21c2c8752480b580aa8bcf14b790dc5babf70ede1fe21c494 signature/internal/sigstore_payload.go
47a8bdc0fe8ded9f850d6e41795b7e591fc6a35183688e116324086d745f2a33 signature/policy_eval_sigstore.go
2fb92438451cde6d64795e18bb9afbac5b53ab798caf482ba4ac2616b0ffb858 signature/sigstore/sign.go
cc5c68edfb3411589b218d08247c099deb0c2dff5614b423df1f3ea238c54179 signature/sigstore/copied.go
SUMS

OUT="$(realpath -m "$OUT")"
build="$(dirname "$OUT")"
# GOPATH mode, as the resolver oracle: a package of ours inside a GOPATH entry, under a
# go.mod, may import ".../v5/..." paths, which Go maps onto Debian's folder.
package_dir="$build/gopath/src/regmirror.test/sigstore-oracle"
mkdir -p "$package_dir"
cp "$HERE/main.go" "$HERE/go.mod" "$package_dir/"
# Debian's files without their stubs, then the overlay: those files in place of Debian's, and
# replacements/'s files added to the library's package folders.
stubless="$build/stubless"
while read -r file function; do
  mkdir -p "$(dirname "$stubless/$file")"
  python3 "$HERE/drop_stub.py" "$LIBRARY/$file" "$function" >"$stubless/$file"
done <<'STUBS'
signature/internal/sigstore_payload.go VerifySigstorePayload
signature/policy_eval_sigstore.go isSignatureAccepted
signature/sigstore/sign.go SignDockerManifestWithPrivateKeyFileUnstable
STUBS
python3 - "$LIBRARY" "$stubless" "$HERE/replacements" >"$build/overlay.json" <<'PY'
import json, pathlib, sys
library, stubless, replacements = (pathlib.Path(arg) for arg in sys.argv[1:])
files = {str(library / f.relative_to(folder)): str(f)
         for folder in (stubless, replacements) for f in sorted(folder.rglob("*.go"))}
clashes = [f for f in replacements.rglob("*.go") if (library / f.relative_to(replacements)).exists()]
if clashes:  # replacements/ adds files: one of Debian's names would replace Debian's file
    sys.exit(f"sigstore oracle build: {clashes[0]} has the name of a file of the library")
print(json.dumps({"Replace": files}, indent=1))
PY
(cd "$package_dir" &&
  env GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$build/gopath:$GOCODE" \
    GOCACHE="$build/gocache" CGO_ENABLED=0 \
    go build -trimpath -tags containers_image_openpgp -overlay "$build/overlay.json" -o "$OUT" .)
echo "built $OUT (Debian's containers/image 5.23.1, sigstore functions regmirror's own)"
