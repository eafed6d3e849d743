#!/bin/sh
# Installs dock-fire on Debian 12 (as root) and runs a container in a microVM.
# Idempotent: a second run rebuilds only what changed (the guest kernel is
# cached under /var/cache/dock-fire). Downloads nothing outside Debian's and
# npm's package registries.
#
# usage: ./install.sh [--no-demo] [--reprobe]
#   --no-demo   do not build the demo image or run the demo container
#   --reprobe   time the accelerators again even if the config names one
set -eu

cd "$(dirname "$0")"
repo=$(pwd)
lib=/usr/local/lib/dock-fire
config_dir=/etc/dock-fire
config=$config_dir/config.json
demo_image=dock-fire-demo:latest
run_demo=yes
reprobe=no

for arg in "$@"; do
    case "$arg" in
    --no-demo) run_demo=no ;;
    --reprobe) reprobe=yes ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"

# 1. Debian packages.
packages="docker.io containerd runc qemu-system-x86 e2fsprogs iproute2 iptables \
busybox-static linux-source-6.1 flex bison libelf-dev bc build-essential libssl-dev \
cpio xz-utils musl-tools procps ca-certificates time"
command -v node >/dev/null 2>&1 || packages="$packages nodejs npm"
missing=""
for p in $packages; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "Node.js 18 or newer is needed (found $(node --version))"

# 2. The TypeScript runtime and the two static C programs.
say "building the runtime"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run -s build
make -s -C native all

# 3. The guest kernel (cached) and the initramfs holding the guest init.
say "guest kernel (built once per machine, ~10 min; cached under /var/cache/dock-fire)"
mkdir -p "$lib"
cached_kernel=$(kernel/build.sh "$lib/vmlinux")
cp "$(dirname "$cached_kernel")/release" "$lib/vmlinux.release"
native/init/make-initramfs.sh "$lib/initramfs.cpio.tmp" native/build/dock-fire-init
mv "$lib/initramfs.cpio.tmp" "$lib/initramfs.cpio"

# 4. Install: the app, the monitor, and `dock-fire` on PATH.
say "installing into $lib"
rm -rf "$lib/app.tmp"
mkdir -p "$lib/app.tmp"
cp -r build package.json package-lock.json "$lib/app.tmp/"
(cd "$lib/app.tmp" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
rm -rf "$lib/app"
mv "$lib/app.tmp" "$lib/app"
install -m 0755 native/build/dock-fire-monitor "$lib/dock-fire-monitor"
cat > /usr/local/bin/dock-fire.tmp <<EOF
#!/bin/sh
# dock-fire makes no TLS connections; Node would parse these certificates
# at every start, ~50 ms of CPU per verb.
unset NODE_EXTRA_CA_CERTS
# Node raises its soft nofile limit to the hard one; containers inherit the
# one dock-fire was given, as under runc (src/oci/rlimits.ts).
DOCK_FIRE_NOFILE_SOFT=\$(ulimit -Sn)
export DOCK_FIRE_NOFILE_SOFT
exec $(command -v node) $lib/app/build/dock-fire.js "\$@"
EOF
chmod 0755 /usr/local/bin/dock-fire.tmp
mv /usr/local/bin/dock-fire.tmp /usr/local/bin/dock-fire

# 5. Docker: register the runtime without clobbering other settings, and make
#    sure dockerd runs (there may be no systemd: then start it in the background).
say "registering the runtime with Docker"
scripts/docker-register.sh /usr/local/bin/dock-fire
scripts/dockerd-up.sh

# 6. The accelerator: KVM when a guest reaches init promptly, else TCG.
mkdir -p "$config_dir"
if [ "$reprobe" = yes ] || [ ! -f "$config" ]; then
    say "timing a probe boot to choose the accelerator"
    accel=$(scripts/probe-accel.sh)
    node -e '
        const fs = require("fs");
        const [file, accel] = process.argv.slice(1);
        let config = {};
        try { config = JSON.parse(fs.readFileSync(file, "utf8")); } catch {}
        config.qemuAccel = accel;
        if (accel === "tcg") config.qemuMachine = config.qemuMachine || "microvm";
        fs.writeFileSync(file + ".tmp", JSON.stringify(config, null, 2) + "\n");
        fs.renameSync(file + ".tmp", file);
    ' "$config" "$accel"
    if [ "$accel" = tcg ]; then
        echo "WARNING: KVM is not usable or too slow here; using QEMU's TCG software" \
             "emulation, which is much slower. Recorded in $config." >&2
    fi
fi
dock-fire check || true

# 7. The demo.
if [ "$run_demo" = yes ]; then
    say "building the demo image $demo_image from Debian's busybox-static"
    scripts/make-image.sh "$demo_image" >/dev/null
    say 'docker run --runtime=dock-fire --rm dock-fire-demo echo "Hello from a microVM"'
    docker run --runtime=dock-fire --rm "$demo_image" echo "Hello from a microVM"
fi
