#!/usr/bin/env bash
# Set-up on a fresh Debian machine: the Debian packages the project needs, then the npm dependencies
# (whose `prepare` step builds the CLI into dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and tools need: bubblewrap (the sandbox of planning's test runs; prlimit and
# setpriv come with util-linux; python3 runs Python candidates and reads Python tests); nginx-light (the
# scale-out test runs deploy/nginx.conf in front of two service replicas; its own service is not started);
# chromium (the extension's end-to-end test drives code-server in it), libkrb5-dev (code-server builds its
# kerberos module) and ripgrep (code-server's ripgrep, which its install would download).
DEBIAN_PACKAGES=(bubblewrap python3 nginx-light chromium libkrb5-dev ripgrep)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

npm ci --no-audit --no-fund

# The VS Code extension is a package of its own (extension/): esbuild, vsce, playwright-core and code-server
# for its end-to-end test. code-server's install would download ripgrep from GitHub: seed the cache it looks
# in with Debian's rg. As root, code-server's install script needs unsafe-perm.
rgcache="$(mktemp -d)"
trap 'rm -rf "$rgcache"' EXIT
mkdir -p "$rgcache/vscode-ripgrep-cache-1.15.11"
tar czf "$rgcache/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-$(uname -m)-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
(cd extension && TMPDIR="$rgcache" npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund)
