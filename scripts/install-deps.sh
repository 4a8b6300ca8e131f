#!/usr/bin/env bash
# Installs, with apt only, what regmirror needs on Debian 12. Idempotent: a package
# already installed is not touched, and apt is not called at all when nothing is missing.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   build + test + benchmark dependencies, and npm peers
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
  libtomlplusplus-dev libyaml-cpp-dev libsqlite3-dev libcli11-dev
  libspdlog-dev libfmt-dev libarchive-dev libcrypt-dev libxml2-dev libpq-dev
  libsodium-dev libgpgme-dev  # signatures: cosign key files (secretbox), GPG simple signing
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  skopeo podman buildah umoci docker-registry jq curl wrk python3 openssl gnupg
  golang-go golang-github-containers-image-dev  # the resolver and sigstore oracles (tests/)
  golang-golang-x-crypto-dev  # the sigstore oracle: scrypt and secretbox for cosign key files
  clang-format clang-tidy-19 clang-19 libclang-rt-19-dev
  nodejs postgresql-15 postgresql-client-15 haproxy prometheus
  systemd  # systemd-analyze verify of the packaged unit (tests/package)
  chromium  # the web UI's browser test (tests/ui), driven by npm puppeteer-core
)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
# npm ships inside some nodejs builds (NodeSource) and as its own package in Debian.
[[ "${1:-}" == "--test" ]] && ! command -v npm >/dev/null && missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm test peers Debian does not package, pinned, into one prefix the tests find them in;
# npm is not called for a package already there at its version:
#   s3rver          the S3 peer of the storage tests (tests/fixtures/s3_server.py)
#   puppeteer-core  drives Debian's /usr/bin/chromium in the web UI test (tests/ui); it never
#                   downloads a browser of its own
npm_prefix=/usr/local/lib/regmirror-test-npm
npm_pkgs=(s3rver@3.7.1 puppeteer-core@24.40.0)
if [[ "${1:-}" == "--test" ]]; then
  for spec in "${npm_pkgs[@]}"; do
    name=${spec%@*} version=${spec##*@}
    if ! grep -qs "\"version\": \"$version\"" "$npm_prefix/node_modules/$name/package.json"; then
      echo "install-deps: installing $spec into $npm_prefix"
      $SUDO env PUPPETEER_SKIP_DOWNLOAD=1 npm install \
        --no-audit --no-fund --prefix "$npm_prefix" "$spec"
    fi
  done
fi
