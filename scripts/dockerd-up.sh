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
    # Close every inherited fd above 2: dockerd lives long and must not hold them.
    setsid sh -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done;
        exec dockerd' </dev/null >>"$log" 2>&1 &
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
