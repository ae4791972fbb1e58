#!/usr/bin/env bash
# install-deps.sh: installs every Debian package obs needs to build, test and
# benchmark. Idempotent; safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake ninja-build pkg-config git python3
  llvm-19-dev llvm-19-tools libclang-19-dev clang-19 libclang-rt-19-dev
  libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  re2c bison
  libgtest-dev googletest
  bpftrace bpftool systemtap-sdt-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
