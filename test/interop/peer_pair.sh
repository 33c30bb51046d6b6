#!/usr/bin/env bash
# Plays the scenario between two peer scripts, without our code: checks
# that the Perl and node copies of the scenario agree (any server with any
# client must end in "RESULT ok" on both sides).
# Usage: peer_pair.sh perl|node perl|node     (server first, then client)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

server_cmd() {
  case "$1" in
    perl) echo "perl $here/net_smpp_server.pl" ;;
    node) echo "node $here/node/smpp_server.js" ;;
    *) echo "unknown peer $1" >&2; exit 2 ;;
  esac
}
client_cmd() {
  case "$1" in
    perl) echo "perl $here/net_smpp_client.pl" ;;
    node) echo "node $here/node/smpp_client.js" ;;
    *) echo "unknown peer $1" >&2; exit 2 ;;
  esac
}
prefix() { [ "$1" = perl ] && echo P || echo N; }

if [ "$1" = node ] || [ "$2" = node ]; then
  [ -d "$here/node/node_modules/smpp" ] ||
    { echo "npm smpp is not installed: run test/interop/node/install.sh" >&2; exit 1; }
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
: >"$out/server"
# shellcheck disable=SC2046
timeout 30 $(server_cmd "$1") "$(prefix "$1")" >"$out/server" &
server=$!

port=
for _ in $(seq 100); do
  port=$(sed -n 's/^PORT //p' "$out/server")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server printed no PORT" >&2; kill "$server" 2>/dev/null; exit 1; }

client_rc=0
# shellcheck disable=SC2046
timeout 30 $(client_cmd "$2") "$port" "$(prefix "$1")" >"$out/client" || client_rc=$?
server_rc=0
wait "$server" || server_rc=$?

echo "== server ($1), exit $server_rc"; cat "$out/server"
echo "== client ($2), exit $client_rc"; cat "$out/client"
[ "$server_rc" -eq 0 ] && [ "$client_rc" -eq 0 ]
