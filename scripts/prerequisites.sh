# shellcheck shell=bash
# Installs what Sentinel and its tests need, when it is missing. Sourced by run.sh and test.sh.
# Idempotent: a machine that has everything installs nothing and touches no package list.

sentinel_say() { printf 'sentinel: %s\n' "$*" >&2; }

sentinel_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    sentinel_say "need root to run: $*"; return 1; fi
}

# ensure_packages PKG... : installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    sentinel_say "missing packages ${missing[*]} and no apt-get to install them; install them by hand"
    return 1
  fi
  sentinel_say "installing ${missing[*]}"
  sentinel_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sentinel_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    sentinel_say "the .NET SDK 10 is missing: install it from https://dot.net (dotnet-install.sh --channel 10.0) and run this again"
    return 1
  fi
}

# The PostgreSQL server binaries (initdb, pg_ctl) that the embedded cluster is started from.
ensure_postgres() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; then return 0; fi
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return 0; fi
  ensure_packages postgresql
}
