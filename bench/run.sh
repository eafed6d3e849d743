#!/bin/sh
# Runs the benchmark (bench/README.md): builds the TypeScript, then measures
# dock-fire (the runtime named by --runtime, default dock-fire) and runc.
set -eu
cd "$(dirname "$0")/.."
# A fresh clone has no node_modules (tsc comes from there); a changed lock
# file needs them again. The same test as scripts/dev-runtime.sh.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run -s build
exec node build/bench/main.js "$@"
