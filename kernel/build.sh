#!/bin/sh
# Build the dock-fire guest kernel from Debian's linux-source-6.1 and the
# fragment beside this script. The result is cached under
# /var/cache/dock-fire/kernel/<key>, keyed by the fragment, this script and the
# source package version, so each machine builds it once (~10 min on 2 cores).
#
# usage: kernel/build.sh [OUT]   copies the vmlinux to OUT when given;
#                                prints the cached vmlinux path on stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src_tar=/usr/src/linux-source-6.1.tar.xz
cache_root=${DOCK_FIRE_KERNEL_CACHE:-/var/cache/dock-fire/kernel}

if [ ! -f "$src_tar" ]; then
    echo "kernel/build.sh: $src_tar missing: apt-get install linux-source-6.1" >&2
    exit 1
fi

src_version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
key=$( (cat "$here/guest.config" "$here/build.sh"; echo "$src_version") \
    | sha256sum | cut -c1-16)
dir="$cache_root/$key"

if [ ! -f "$dir/vmlinux" ]; then
    echo "building guest kernel $key (linux-source $src_version); this takes a while" >&2
    work="$dir.build.$$"
    rm -rf "$work"
    mkdir -p "$work"
    trap 'rm -rf "$work"' EXIT

    tar -xJf "$src_tar" -C "$work" --strip-components=1
    cd "$work"
    # stdout carries only the result's path: the build's chatter goes to stderr.
    make -s tinyconfig >&2
    ./scripts/kconfig/merge_config.sh -m .config "$here/guest.config" >/dev/null
    make -s olddefconfig >&2
    # Every `=y` of the fragment must have survived olddefconfig, or the guest
    # misses a device and fails at boot in a way that is hard to diagnose.
    missing=$(grep -E '^CONFIG_[A-Z0-9_]+=y' "$here/guest.config" | while read -r line; do
        grep -qx "$line" .config || echo "$line"
    done)
    if [ -n "$missing" ]; then
        echo "kernel/build.sh: options dropped by kconfig:" $missing >&2
        exit 1
    fi
    make -s -j"$(nproc)" vmlinux >build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
    strip --strip-debug -o vmlinux.stripped vmlinux

    mkdir -p "$dir.tmp"
    cp vmlinux.stripped "$dir.tmp/vmlinux"
    cp .config "$dir.tmp/config"
    make -s kernelrelease > "$dir.tmp/release"
    cd /
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
fi

if [ $# -ge 1 ]; then
    install -D -m 0644 "$dir/vmlinux" "$1"
fi
echo "$dir/vmlinux"
