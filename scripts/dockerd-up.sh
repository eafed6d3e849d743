#!/bin/sh
# Makes sure dockerd runs and answers. Without systemd it is started in the
# background (it starts its own containerd). Prints "started" when this call
# started it, so a caller can stop what it started.
set -eu
log=/var/log/dock-fire-dockerd.log
if docker info >/dev/null 2>&1; then
    exit 0
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker
else
    # Node hands the child only the fds named here: dockerd lives long and
    # must not hold fds the caller leaked to us (a tool's socket, a pipe).
    node -e '
        const fs = require("fs");
        const log = fs.openSync(process.argv[1], "a");
        const child = require("child_process").spawn("dockerd", [], {
            detached: true, stdio: ["ignore", log, log] });
        child.unref();
    ' "$log"
    echo started
fi
i=0
until docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 60 ]; then
        echo "dockerd-up.sh: dockerd did not answer within 30 s; see $log" >&2
        exit 1
    fi
    sleep 0.5
done
