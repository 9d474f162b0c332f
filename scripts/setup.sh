#!/usr/bin/env bash
# Set-up on a fresh Debian machine: the Debian packages the project needs, then the npm dependencies
# (whose `prepare` step builds the CLI into dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and tools need: bubblewrap (the sandbox of planning's test runs; prlimit and
# setpriv come with util-linux; python3 runs Python candidates and reads Python tests); nginx-light (the
# scale-out test runs deploy/nginx.conf in front of two service replicas; its own service is not started).
DEBIAN_PACKAGES=(bubblewrap python3 nginx-light)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

npm ci --no-audit --no-fund
