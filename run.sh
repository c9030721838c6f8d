#!/usr/bin/env bash
# Runs Sentinel with the example checks on an embedded PostgreSQL cluster (.sentinel/pg), serving
# /metrics, /healthz and /readyz on http://127.0.0.1:8080. Builds Sentinel and installs what is missing.
# Extra arguments go to `sentinel run` (see `sentinel run --help`).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prerequisites.sh
ensure_dotnet
ensure_postgres
# The Public Suffix List, for wildcard-certificate and HSTS-preload verdicts (they say so when it is missing).
ensure_packages publicsuffix || true

# ReadyToRun: the one-shot `sentinel probe` and the daemon's first runs are not slowed by JIT compilation.
dotnet publish src/Sentinel.Worker -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o .sentinel/bin -v quiet -nologo >&2
exec .sentinel/bin/sentinel run --checks examples/checks "$@"
