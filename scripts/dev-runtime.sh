#!/bin/sh
# Builds this checkout and registers it with Docker as a runtime of its own
# name beside the installed `dock-fire`, so that several checkouts (git
# worktrees) can be tried at once without replacing each other's programs.
# The guest kernel stays the installed one. Run ./install.sh once first.
#
# usage: scripts/dev-runtime.sh NAME
#   then: docker run --runtime=NAME ...; NAME ...;
#         DOCK_FIRE_TEST_RUNTIME=NAME node --test build/test/e2e/<file>.test.js
set -eu
name=${1:?usage: scripts/dev-runtime.sh NAME}
case "$name" in
*[!a-z0-9-]*) echo "dev-runtime.sh: NAME must be lowercase letters, digits and -" >&2; exit 2 ;;
esac
# /usr/local/bin comes first on PATH: a name such as `perf` would hide a tool.
existing=$(command -v "$name" 2>/dev/null || true)
if [ -n "$existing" ] && [ "$existing" != "/usr/local/bin/$name" ]; then
    echo "dev-runtime.sh: $name would hide $existing; choose another NAME" >&2
    exit 2
fi
if [ -e "/usr/local/bin/$name" ] && ! grep -q 'scripts/dev-runtime.sh' "/usr/local/bin/$name"; then
    echo "dev-runtime.sh: /usr/local/bin/$name exists and is not a dev runtime; choose another NAME" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run -s build
make -s -C native all
native/init/make-initramfs.sh build/initramfs.cpio.tmp native/build/dock-fire-init
mv build/initramfs.cpio.tmp build/initramfs.cpio

wrapper=/usr/local/bin/$name
cat > "$wrapper.tmp" <<WRAPPER
#!/bin/sh
# dock-fire built from $repo (scripts/dev-runtime.sh)
export DOCK_FIRE_MONITOR_PATH=$repo/native/build/dock-fire-monitor
export DOCK_FIRE_INITRD_PATH=$repo/build/initramfs.cpio
export DOCK_FIRE_IMAGE_DIR=\${DOCK_FIRE_IMAGE_DIR:-/var/lib/$name}
# dock-fire makes no TLS connections; Node would parse these certificates
# at every start, ~50 ms of CPU per verb.
unset NODE_EXTRA_CA_CERTS
# Node raises its soft nofile limit to the hard one; containers inherit the
# one dock-fire was given, as under runc (src/oci/rlimits.ts).
DOCK_FIRE_NOFILE_SOFT=\$(ulimit -Sn)
export DOCK_FIRE_NOFILE_SOFT
exec $(command -v node) $repo/build/dock-fire.js "\$@"
WRAPPER
chmod 0755 "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"
scripts/docker-register.sh "$wrapper" "$name"
echo "runtime $name: $wrapper"
