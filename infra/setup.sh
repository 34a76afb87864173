#!/usr/bin/env bash
# One command that sets up a fresh Debian 12 machine for this project: system packages,
# k6 (built with Go into ./bin), npm dependencies (including Node 24 from the npm `node` package).
# Idempotent: re-running skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
K6_VERSION="v1.8.1"
APT_PACKAGES=(nats-server redis-server rtpengine-daemon rtpengine-utils sip-tester chromium fonts-wqy-microhei sox espeak-ng hey wrk)

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    die "must run as root (or with passwordless sudo) to install Debian packages: sudo npm run setup"
  fi
else SUDO=""; fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this setup targets Debian 12 (bookworm)"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get update"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  step "apt-get install ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  step "Debian packages already installed: ${APT_PACKAGES[*]}"
fi
# Packaged servers must not run as system services: the project starts its own on chosen ports.
for svc in nats-server redis-server rtpengine-daemon; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done

step "k6 $K6_VERSION into $ROOT/bin"
if [ -x bin/k6 ] && bin/k6 version 2>/dev/null | grep -q "k6 $K6_VERSION "; then
  echo "k6 $K6_VERSION already built"
else
  command -v go >/dev/null 2>&1 || die "Go is needed to build k6 (go install go.k6.io/k6@$K6_VERSION); install Go >= 1.24"
  mkdir -p bin
  GOBIN="$ROOT/bin" GOFLAGS=-mod=mod go install "go.k6.io/k6@$K6_VERSION"
  bin/k6 version
fi

step "npm ci (Node 24 comes from the npm package node@24 into node_modules/.bin)"
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  && [ -x node_modules/.bin/node ]; then
  echo "node_modules is up to date with package-lock.json"
else
  npm ci --no-audit --no-fund
fi
node_modules/.bin/node --version | grep -q '^v24\.' || die "node_modules/.bin/node is not Node 24 (npm's node package install script did not run?)"

step "done: Node $(node_modules/.bin/node --version), $(nats-server --version), $(redis-server --version | cut -d' ' -f3), $(bin/k6 version | cut -d' ' -f1-2)"
