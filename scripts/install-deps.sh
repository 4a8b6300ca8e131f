#!/usr/bin/env bash
# Installs, with apt only, what regmirror needs on Debian 12. Idempotent: a package
# already installed is not touched, and apt is not called at all when nothing is missing.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   build + test + benchmark dependencies, and s3rver (npm)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
  libtomlplusplus-dev libyaml-cpp-dev libsqlite3-dev libcli11-dev
  libspdlog-dev libfmt-dev libarchive-dev libcrypt-dev libxml2-dev libpq-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  skopeo podman buildah umoci docker-registry jq curl wrk python3 openssl
  golang-go golang-github-containers-image-dev
  clang-format clang-tidy-19 clang-19 libclang-rt-19-dev
  nodejs postgresql-15 postgresql-client-15 haproxy prometheus
  systemd  # systemd-analyze verify of the packaged unit (tests/package)
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

# s3rver, the S3 peer of the storage tests (tests/fixtures/s3_server.py finds it here).
# Debian does not package it; the version is pinned and npm is not called when it is present.
s3rver_version=3.7.1
s3rver_prefix=/usr/local/lib/regmirror-test-npm
if [[ "${1:-}" == "--test" ]] &&
  ! grep -qs "\"version\": \"$s3rver_version\"" "$s3rver_prefix/node_modules/s3rver/package.json"; then
  echo "install-deps: installing s3rver $s3rver_version into $s3rver_prefix"
  $SUDO npm install --no-audit --no-fund --prefix "$s3rver_prefix" "s3rver@$s3rver_version"
fi
