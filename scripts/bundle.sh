#!/bin/sh
# Bundles the CLI (build/dock-fire-main.js) and its launcher, the entry point
# (build/dock-fire.js), stamps the bundle with a hash of its content and
# writes the V8 code cache the launcher runs it from (src/cli/launch.ts).
set -eu
cd "$(dirname "$0")/.."
esbuild() {
    node_modules/.bin/esbuild "$@" --bundle --platform=node --target=node18 --log-level=warning
}

# Each file is replaced by a rename: a runtime registered from this checkout
# may be running a verb meanwhile.
esbuild src/cli/main.ts --outfile=build/dock-fire-main.js.tmp
hash=$(sha256sum build/dock-fire-main.js.tmp | cut -c1-32)
{ echo "/* dock-fire build $hash */"; cat build/dock-fire-main.js.tmp; } > build/dock-fire-main.js.new
rm build/dock-fire-main.js.tmp
esbuild src/cli/launch.ts --outfile=build/dock-fire.js.new
mv build/dock-fire-main.js.new build/dock-fire-main.js
mv build/dock-fire.js.new build/dock-fire.js

# Without a verb the CLI loads every verb's module: the cache covers them all.
rm -f build/dock-fire-main.js.cache
node build/dock-fire.js --version >/dev/null
[ -s build/dock-fire-main.js.cache ] || { echo "bundle.sh: no code cache was written" >&2; exit 1; }
