#!/bin/sh
# Runs every dock-fire test on this machine, as root: installs what is needed
# (./install.sh --no-demo), then the unit tests (TypeScript and C) and the
# end-to-end tests through the real chain dockerd -> containerd -> shim ->
# dock-fire -> monitor -> VMM -> guest. Stops the dockerd it started.
set -eu
cd "$(dirname "$0")"

dockerd_was_running=no
pidof dockerd >/dev/null 2>&1 && dockerd_was_running=yes

stop_started_dockerd() {
    if [ "$dockerd_was_running" = no ] && pid=$(pidof dockerd 2>/dev/null); then
        echo "==> stopping the dockerd this run started"
        kill $pid 2>/dev/null || true
        i=0
        while pidof dockerd >/dev/null 2>&1 && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
        pid=$(pidof containerd 2>/dev/null) && kill $pid 2>/dev/null || true
    fi
}
# The tests' scratch files (bundles, images, volumes) go to a directory of
# this run's own, removed at the end whatever the tests left in it.
TMPDIR=$(mktemp -d /tmp/dock-fire-tests.XXXXXX)
export TMPDIR
cleanup() {
    stop_started_dockerd
    rm -rf "$TMPDIR" 2>/dev/null || true
}
trap cleanup EXIT

./install.sh --no-demo
# What the tests drive a terminal with: tmux, and script from util-linux.
for tool in tmux script; do
    command -v $tool >/dev/null 2>&1 || \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux util-linux >/dev/null
done

echo "==> unit tests (C)"
make -s -C native test
echo "==> unit tests (TypeScript)"
npx prettier --check --log-level warn "src/**/*.ts" "test/**/*.ts"
node --test build/test/unit/*.test.js
echo "==> end-to-end tests"
node --test --test-concurrency=1 build/test/e2e/*.test.js
