#!/usr/bin/env bash
# Installs faultline's build and run dependencies from Debian's packages.
# Idempotent and non-interactive: does nothing when everything is present.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git
  libssh-dev nlohmann-json3-dev libboost-dev libcpp-httplib-dev
  libgtest-dev libbenchmark-dev
  iproute2 iptables openssh-server openssh-client openssl libfaketime procps
  fuse3 libfuse3-dev
  etcd-server etcd-client
  postgresql libpq-dev mariadb-server libmariadb-dev
  clang-14 libclang-rt-14-dev
  chromium
  podman runc podman-docker debootstrap
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "faultline: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 3
fi
echo "faultline: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The database packages (postgresql, mariadb-server) would start their own
# system-wide server; faultline deploys and stops its own servers, so keep
# the packages' services from starting (policy-rc.d 101), unless the host
# already has a policy.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq < /dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" < /dev/null > /dev/null
