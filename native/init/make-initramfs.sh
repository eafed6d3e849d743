#!/bin/sh
# Builds the guest's initramfs: an uncompressed newc cpio holding /init
# (dock-fire-init), the directories it mounts on, and dev/console so the
# kernel can give init a console before devtmpfs is mounted. Runs as root
# (mknod).
#
# usage: make-initramfs.sh OUT_CPIO INIT_BINARY
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 OUT_CPIO INIT_BINARY" >&2
    exit 2
fi
out=$1
init=$2
if [ ! -f "$init" ]; then
    echo "make-initramfs.sh: $init: no such file" >&2
    exit 1
fi

stage=$(mktemp -d)
tmp="$out.tmp.$$"
trap 'rm -rf "$stage" "$tmp"' EXIT

mkdir -p "$stage/dev" "$stage/proc" "$stage/sys" "$stage/mnt" "$stage/run"
cp "$init" "$stage/init"
chmod 0755 "$stage/init"
mknod -m 0600 "$stage/dev/console" c 5 1

# Written next to the target and renamed, so no reader sees half a file.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$tmp"
mv "$tmp" "$out"
