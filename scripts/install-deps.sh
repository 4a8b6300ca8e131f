#!/usr/bin/env bash
# Installs, with apt only, what regmirror needs on Debian 12. Idempotent: a package
# already installed is not touched, and apt is not called at all when nothing is missing.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   build + test + benchmark dependencies
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
  libtomlplusplus-dev libyaml-cpp-dev libsqlite3-dev libcli11-dev
  libspdlog-dev libfmt-dev libarchive-dev libcrypt-dev libpq-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  skopeo podman buildah umoci docker-registry jq curl wrk python3 openssl
  golang-go golang-github-containers-image-dev
  clang-format clang-tidy-19 clang-19 libclang-rt-19-dev
  postgresql-15 postgresql-client-15
)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
