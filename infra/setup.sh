#!/usr/bin/env bash
# One command that sets up a fresh Debian 12 machine for this project: system packages,
# drachtio-server (built from source into ./bin), k6 (built with Go into ./bin), npm dependencies
# (including Node 24 from the npm `node` package).
# Idempotent: re-running skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
K6_VERSION="v1.8.1"
# The Go that builds k6 and the clickhouse-go client test: a toolchain from the Go module proxy
# (golang.org/toolchain), fetched with Debian's own Go (1.19, too old to build k6 itself). A Go
# elsewhere on PATH is never used, so setup behaves the same on a fresh Debian 12 and here.
GO_TOOLCHAIN_VERSION="1.26.8"
DRACHTIO_VERSION="v0.9.10"
# What drachtio-server's build needs (shared/vendor/README.md); the binary links boost, OpenSSL, curl.
DRACHTIO_BUILD_DEPS=(autoconf automake libtool libtool-bin cmake g++ make libssl-dev libcurl4-openssl-dev zlib1g-dev libboost-all-dev)
# The ClickHouse client tests (analytics/src/host/clients.int.test.ts) run clickhouse-connect
# (Python venv), the JDBC driver (JDK + Maven to fetch it) and clickhouse-go (Go, see above).
CLIENT_TEST_DEPS=(golang-go python3-venv openjdk-17-jdk-headless maven)
APT_PACKAGES=(nats-server redis-server rtpengine-daemon rtpengine-utils sip-tester chromium fonts-wqy-microhei sox espeak-ng hey wrk
  "${DRACHTIO_BUILD_DEPS[@]}" "${CLIENT_TEST_DEPS[@]}")

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

# drachtio-server: no package serves it, so it is built from the pinned release's source.
# Source: $DRACHTIO_SRC_TARBALL, else shared/vendor/ beside the repo, else /work/shared/vendor/,
# else a git clone of the release tag. The binary goes to bin/drachtio with a stamp naming the
# release and the source; a machine-wide cache copy lets a fresh clone skip the ~10-minute build.
step "drachtio-server $DRACHTIO_VERSION into $ROOT/bin"
DRACHTIO_TARBALL_NAME="drachtio-server-${DRACHTIO_VERSION#v}-src.tar.gz"
DRACHTIO_CACHE="${DRACHTIO_CACHE_DIR:-/var/cache/callcenter/drachtio-$DRACHTIO_VERSION}"
drachtio_src=""
if [ -n "${DRACHTIO_SRC_TARBALL:-}" ]; then
  [ -f "$DRACHTIO_SRC_TARBALL" ] || die "DRACHTIO_SRC_TARBALL=$DRACHTIO_SRC_TARBALL does not exist"
  drachtio_src="$DRACHTIO_SRC_TARBALL"
else
  for f in "$ROOT/../shared/vendor/$DRACHTIO_TARBALL_NAME" "/work/shared/vendor/$DRACHTIO_TARBALL_NAME"; do
    if [ -f "$f" ]; then drachtio_src="$f"; break; fi
  done
fi
# The stamp: line 1 the release, line 2 what it was built from (sha256 of the tarball, or the git commit).
drachtio_want=""
if [ -n "$drachtio_src" ]; then
  drachtio_want="$DRACHTIO_VERSION"$'\n'"source-sha256 $(sha256sum "$drachtio_src" | cut -d' ' -f1)"
fi
# A stamp matches the tarball exactly; with no tarball at hand any build of the release does.
drachtio_ok() { # dir holding drachtio + drachtio.version
  [ -x "$1/drachtio" ] && [ -f "$1/drachtio.version" ] || return 1
  if [ -n "$drachtio_want" ]; then [ "$(cat "$1/drachtio.version")" = "$drachtio_want" ] || return 1
  else [ "$(head -n1 "$1/drachtio.version")" = "$DRACHTIO_VERSION" ] || return 1; fi
  "$1/drachtio" --version >/dev/null 2>&1 # also catches a binary whose shared libraries are gone
}
drachtio_install() { # dir with drachtio + drachtio.version -> bin/ and the cache
  mkdir -p bin
  install -m 0755 "$1/drachtio" bin/drachtio.tmp && mv -f bin/drachtio.tmp bin/drachtio
  cp "$1/drachtio.version" bin/drachtio.version
  if [ "$1" != "$DRACHTIO_CACHE" ]; then
    if $SUDO mkdir -p "$DRACHTIO_CACHE" 2>/dev/null \
      && $SUDO install -m 0755 "$1/drachtio" "$DRACHTIO_CACHE/drachtio" \
      && $SUDO install -m 0644 "$1/drachtio.version" "$DRACHTIO_CACHE/drachtio.version"; then
      echo "cached in $DRACHTIO_CACHE"
    else
      echo "could not write the cache $DRACHTIO_CACHE (set DRACHTIO_CACHE_DIR); continuing" >&2
    fi
  fi
}
if drachtio_ok bin; then
  echo "drachtio-server $DRACHTIO_VERSION already built ($(tail -n1 bin/drachtio.version))"
elif drachtio_ok "$DRACHTIO_CACHE"; then
  echo "drachtio-server $DRACHTIO_VERSION from the machine cache $DRACHTIO_CACHE"
  drachtio_install "$DRACHTIO_CACHE"
else
  for p in "${DRACHTIO_BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || die "drachtio-server build dependency '$p' is not installed (apt-get install $p)"
  done
  drachtio_tmp="$(mktemp -d "${TMPDIR:-/tmp}/cc-drachtio-build-XXXXXX")"
  trap 'rm -rf "$drachtio_tmp"' EXIT
  if [ -n "$drachtio_src" ]; then
    echo "source: $drachtio_src"
    mkdir "$drachtio_tmp/src"
    tar -xzf "$drachtio_src" -C "$drachtio_tmp/src" --strip-components=1 \
      || die "cannot unpack $drachtio_src"
  else
    command -v git >/dev/null 2>&1 || die "no drachtio-server source tarball ($DRACHTIO_TARBALL_NAME in ../shared/vendor or /work/shared/vendor, or DRACHTIO_SRC_TARBALL) and no git to clone it"
    echo "no source tarball found; cloning drachtio-server $DRACHTIO_VERSION with its submodules"
    git clone --quiet --recursive --branch "$DRACHTIO_VERSION" \
      https://github.com/drachtio/drachtio-server "$drachtio_tmp/src" \
      || die "no drachtio-server source tarball found (put $DRACHTIO_TARBALL_NAME in ../shared/vendor or set DRACHTIO_SRC_TARBALL) and git clone failed"
    drachtio_want="$DRACHTIO_VERSION"$'\n'"source-git $(git -C "$drachtio_tmp/src" rev-parse HEAD)"
  fi
  drachtio_started=$SECONDS
  drachtio_log="$drachtio_tmp/build.log"
  echo "building (log: $drachtio_log; about 6 CPU-minutes)"
  # prometheus-cpp first, without tests (the release's own Makefile rule turns them on, which
  # needs googletest); its libraries land where drachtio's Makefile looks: deps/prometheus-cpp/build/lib.
  # (One && chain: `set -e` does not apply inside an `if ! ( … )` subshell.)
  if ! (
    cd "$drachtio_tmp/src/deps/prometheus-cpp" && mkdir -p build && cd build \
      && cmake .. -DBUILD_SHARED_LIBS=OFF -DENABLE_TESTING=OFF -DENABLE_PUSH=OFF -DENABLE_COMPRESSION=OFF \
        -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_PREFIX="$(pwd)" \
      && make -j"$(nproc)" && make install \
      && cd "$drachtio_tmp/src" && ./bootstrap.sh \
      && mkdir -p build && cd build \
      && ../configure CPPFLAGS='-DNDEBUG' CXXFLAGS='-O2' \
      && make -j"$(nproc)"
  ) >"$drachtio_log" 2>&1; then
    mkdir -p bin && cp "$drachtio_log" bin/drachtio-build.log
    tail -n 40 "$drachtio_log" >&2
    die "drachtio-server build failed after $((SECONDS - drachtio_started)) s (last lines above; whole log: bin/drachtio-build.log)"
  fi
  [ -x "$drachtio_tmp/src/build/drachtio" ] || die "drachtio-server build produced no build/drachtio"
  echo "drachtio-server $DRACHTIO_VERSION built in $((SECONDS - drachtio_started)) s"
  mkdir "$drachtio_tmp/out"
  cp "$drachtio_tmp/src/build/drachtio" "$drachtio_tmp/out/drachtio"
  printf '%s\n' "$drachtio_want" >"$drachtio_tmp/out/drachtio.version"
  drachtio_install "$drachtio_tmp/out"
  rm -rf "$drachtio_tmp"
  trap - EXIT
fi
# Built outside git, the binary reports 1.0.0; bin/drachtio.version names the release.
echo "bin/drachtio --version: $(bin/drachtio --version 2>&1 | head -n1)"

step "Go $GO_TOOLCHAIN_VERSION toolchain as $ROOT/bin/go"
go_arch="$(dpkg --print-architecture)"
go_module="golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$go_arch"
if [ -x bin/go ] && bin/go version 2>/dev/null | grep -q "go$GO_TOOLCHAIN_VERSION "; then
  echo "bin/go is $(bin/go version)"
else
  debian_go=/usr/bin/go
  [ -x "$debian_go" ] || die "Debian's Go ($debian_go from golang-go) is needed to fetch the Go toolchain"
  echo "fetching $go_module with $($debian_go version)"
  # GOFLAGS cleared: a -mod flag from the environment is refused outside a module.
  go_dir="$(cd /tmp && GOFLAGS= GOTOOLCHAIN=local "$debian_go" mod download -json "$go_module" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$go_dir" ] && [ -f "$go_dir/bin/go" ] || die "could not fetch $go_module from the Go module proxy"
  # Module zips carry no executable bits; the toolchain's binaries need them.
  chmod a+x "$go_dir"/bin/* "$go_dir"/pkg/tool/*/*
  mkdir -p bin
  ln -sfn "$go_dir/bin/go" bin/go
  bin/go version
fi
# The toolchain builds with itself only (no switching to another by a go.mod's toolchain line).
export GOTOOLCHAIN=local

step "k6 $K6_VERSION into $ROOT/bin"
if [ -x bin/k6 ] && bin/k6 version 2>/dev/null | grep -q "k6 $K6_VERSION "; then
  echo "k6 $K6_VERSION already built"
else
  GOBIN="$ROOT/bin" GOFLAGS=-mod=mod bin/go install "go.k6.io/k6@$K6_VERSION"
  bin/k6 version
fi

step "ClickHouse clients for the client tests (clickhouse-connect, JDBC, clickhouse-go)"
clients=analytics/clients
if [ -x .venv/clients/bin/python ] && cmp -s "$clients/python/requirements.txt" .venv/clients/requirements.txt; then
  echo "Python venv .venv/clients is up to date"
else
  rm -rf .venv/clients
  /usr/bin/python3 -m venv .venv/clients
  .venv/clients/bin/pip install --quiet --disable-pip-version-check -r "$clients/python/requirements.txt"
  cp "$clients/python/requirements.txt" .venv/clients/requirements.txt
  echo "clickhouse-connect $(.venv/clients/bin/python -c 'import clickhouse_connect; print(clickhouse_connect.__version__)') in .venv/clients"
fi
if [ -f "$clients/java/lib/.pom" ] && cmp -s "$clients/java/pom.xml" "$clients/java/lib/.pom"; then
  echo "JDBC driver jars in $clients/java/lib are up to date"
else
  rm -rf "$clients/java/lib"
  mvn -B -q -Dstyle.color=never -f "$clients/java/pom.xml" dependency:copy-dependencies
  cp "$clients/java/pom.xml" "$clients/java/lib/.pom"
  echo "JDBC driver: $(cd "$clients/java/lib" && ls clickhouse-jdbc-*.jar)"
fi
(cd "$clients/go" && GOFLAGS=-mod=readonly ../../../bin/go build -o /dev/null .) && echo "clickhouse-go client builds"

step "npm ci (Node 24 comes from the npm package node@24 into node_modules/.bin)"
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  && [ -x node_modules/.bin/node ]; then
  echo "node_modules is up to date with package-lock.json"
else
  npm ci --no-audit --no-fund
fi
node_modules/.bin/node --version | grep -q '^v24\.' || die "node_modules/.bin/node is not Node 24 (npm's node package install script did not run?)"

step "done: Node $(node_modules/.bin/node --version), $(nats-server --version), $(redis-server --version | cut -d' ' -f3), drachtio-server $DRACHTIO_VERSION, $(bin/k6 version | cut -d' ' -f1-2)"
