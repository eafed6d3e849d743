#!/bin/sh
# Adds dock-fire to /etc/docker/daemon.json's "runtimes", keeping every other
# setting, and asks a running dockerd to reload (SIGHUP re-reads runtimes).
# usage: scripts/docker-register.sh RUNTIME_PATH [NAME]   (NAME defaults to dock-fire)
set -eu
runtime=$1
name=${2:-dock-fire}
file=/etc/docker/daemon.json
mkdir -p /etc/docker
node -e '
    const fs = require("fs");
    const [file, runtime, name] = process.argv.slice(1);
    let config = {};
    if (fs.existsSync(file)) {
        const text = fs.readFileSync(file, "utf8").trim();
        if (text) config = JSON.parse(text);
    }
    config.runtimes = config.runtimes || {};
    const wanted = { path: runtime };
    if (JSON.stringify(config.runtimes[name]) === JSON.stringify(wanted)) process.exit(0);
    config.runtimes[name] = wanted;
    fs.writeFileSync(file + ".tmp", JSON.stringify(config, null, 2) + "\n");
    fs.renameSync(file + ".tmp", file);
' "$file" "$runtime" "$name"
if pid=$(pidof dockerd 2>/dev/null); then
    kill -HUP $pid
fi
