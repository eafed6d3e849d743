#!/bin/sh
# Chooses the QEMU accelerator for this host by timing a real container:
# KVM when a guest runs `true` promptly, else TCG (software emulation).
# Prints kvm or tcg. Needs an installed dock-fire.
set -eu
kvm_limit=${DOCK_FIRE_PROBE_SECONDS:-20}
work=$(mktemp -d /var/tmp/dock-fire-probe.XXXXXX)
root=/run/dock-fire-probe
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/true"
(cd "$work" && dock-fire spec)
node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const spec = JSON.parse(fs.readFileSync(file, "utf8"));
    spec.process.args = ["/bin/true"];
    spec.root.readonly = false;
    fs.writeFileSync(file, JSON.stringify(spec));
' "$work/config.json"

try() {
    DOCK_FIRE_QEMU_ACCEL=$1 DOCK_FIRE_BOOT_TIMEOUT=$2 timeout $(($2 + 10)) \
        dock-fire --root "$root" run --bundle "$work" "probe-$1-$$" >/dev/null 2>&1
}

if [ -r /dev/kvm ] && try kvm "$kvm_limit"; then
    echo kvm
    exit 0
fi
dock-fire --root "$root" delete --force "probe-kvm-$$" >/dev/null 2>&1 || true
if try tcg 120; then
    echo tcg
    exit 0
fi
dock-fire --root "$root" delete --force "probe-tcg-$$" >/dev/null 2>&1 || true
echo "probe-accel.sh: no accelerator could boot a guest; run dock-fire check" >&2
exit 1
