#!/bin/sh
# Makes sure dockerd runs and answers. Without systemd it is started in the
# background (it starts its own containerd). Prints "started" when this call
# started it, so a caller can stop what it started.
set -eu
log=/var/log/dock-fire-dockerd.log
if docker info >/dev/null 2>&1; then
    exit 0
fi
pid=
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker
else
    # Node hands the child only the fds named here: dockerd lives long and
    # must not hold fds the caller leaked to us (a tool's socket, a pipe).
    pid=$(node -e '
        const fs = require("fs");
        const log = fs.openSync(process.argv[1], "a");
        const child = require("child_process").spawn("dockerd", [], {
            detached: true, stdio: ["ignore", log, log] });
        console.log(child.pid);
        child.unref();
    ' "$log")
    echo started
fi

fail() {
    echo "dockerd-up.sh: $1; the end of $log:" >&2
    tail -n 15 "$log" >&2 2>/dev/null || true
    exit 1
}

# A first start on a slow machine (containerd, iptables, the bridge) can take
# well over 30 s, so this waits up to 3 minutes, but no longer than dockerd lives.
i=0
until docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
        fail "dockerd exited while starting"
    fi
    if [ $i -gt 360 ]; then
        fail "dockerd did not answer within 3 minutes"
    fi
    sleep 0.5
done
