#!/usr/bin/env bash
# Installs the npm `smpp` peer for the interop tests into
# test/interop/node/node_modules, exactly as package-lock.json pins it.
# Idempotent: does nothing while node_modules is newer than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

stamp=node_modules/.package-lock.json  # npm rewrites it on every install
if [ -f "$stamp" ] && [ -d node_modules/smpp ] && [ ! package-lock.json -nt "$stamp" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install.sh: npm is not installed (apt-get install npm)" >&2; exit 1; }
npm ci --no-audit --no-fund
touch "$stamp"
