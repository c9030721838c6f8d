#!/usr/bin/env bash
# Runs the whole test suite against real peers (PostgreSQL, DNS, TCP/HTTP servers on loopback), installing
# what the tests need first. Ends with one line: tests: N passed, N failed, N skipped.
set -uo pipefail
cd "$(dirname "$0")"
. scripts/prerequisites.sh
ensure_dotnet || exit 1
ensure_postgres || exit 1
# prometheus: the real scraper and promtool. nftables, mtr-tiny and iputils-ping: the path lab (loss rules,
# the mtr comparison, warming neighbour caches); libcap2-bin: running without CAP_NET_RAW; bind9-dnsutils:
# dig, the reference for the DNS probe; publicsuffix: the Public Suffix List (wildcard certificates, HSTS preload);
# chromium: the headless browser that loads the status page and dumps its DOM.
ensure_packages iproute2 curl openssl prometheus nftables mtr-tiny iputils-ping libcap2-bin bind9-dnsutils publicsuffix chromium || exit 1

mkdir -p .sentinel
log=.sentinel/test-output.log
status=0
dotnet build Sentinel.sln -c Release -nologo -v quiet >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  grep -E 'error|Error' "$log" | sort -u | head -50 >&2
  echo "tests: 0 passed, 0 failed, 0 skipped (the build failed)"
  exit "$status"
fi

# Bounded: a hung test must not hold CI for its whole budget.
timeout 45m dotnet test --solution Sentinel.sln -c Release --no-build 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}

count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
echo "tests: $(count succeeded) passed, $(count failed) failed, $(count skipped) skipped"
exit "$status"
