#!/bin/sh
# Runs the benchmark (bench/README.md): builds the TypeScript, then measures
# dock-fire (the runtime named by --runtime, default dock-fire) and runc.
set -eu
cd "$(dirname "$0")/.."
npm run -s build
exec node build/bench/main.js "$@"
