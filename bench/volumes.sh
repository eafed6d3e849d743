#!/bin/sh
# Volume throughput, dock-fire against runc (docs/volumes.md): a 100 MB
# file written into a volume with dd, and a tar of 10,000 small files
# extracted into one. The tar is baked into an image so that reading it
# costs the same under both runtimes.
#
# usage: bench/volumes.sh [RUNTIME] [ROUNDS]   (default: dock-fire, 2)
#        ROOTFS_ONLY=1 bench/volumes.sh RUNTIME: only the root file system rows
set -eu
runtime=${1:-dock-fire}
rounds=${2:-2}
image=dock-fire-bench-volumes:latest
work=$(mktemp -d /var/tmp/df-bench-volumes.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$image" >/dev/null 2>&1; then
    root=$work/root
    mkdir -p "$root/bin" "$root/tmp" "$work/files"
    cp /bin/busybox "$root/bin/busybox"
    for a in sh dd tar time rm sync; do ln -s busybox "$root/bin/$a"; done
    # 10,000 files of 100 bytes in 100 directories.
    i=0
    while [ $i -lt 100 ]; do
        mkdir "$work/files/d$i"
        j=0
        while [ $j -lt 100 ]; do
            head -c 100 /dev/urandom > "$work/files/d$i/f$j"
            j=$((j + 1))
        done
        i=$((i + 1))
    done
    tar -C "$work/files" -cf "$root/files.tar" .
    tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - "$image" >/dev/null
fi

run() {
    dir=$work/vol
    rm -rf "$dir"
    mkdir -p "$dir"
    docker run --rm --runtime="$runtime" -v "$dir:/data" "$image" sh -c "$1" 2>&1
}

rootfs_only=${ROOTFS_ONLY:-}
for r in $(seq "$rounds"); do
    [ -z "$rootfs_only" ] || break
    echo "== $runtime round $r: 100 MB write (dd bs=1M, then sync)"
    run 'time sh -c "dd if=/dev/zero of=/data/big bs=1M count=100 && sync"' |
        grep real
    echo "== $runtime round $r: tar x of 10,000 files"
    run 'time tar -xf /files.tar -C /data' | grep real
    echo "   files on the host: $(find "$work/vol" -type f | wc -l)"
done

# The same two workloads into the container's own root file system: what
# the runtime costs without a volume (under dock-fire, the guest's ext4).
echo "== $runtime: 100 MB write into the root file system"
run 'time sh -c "dd if=/dev/zero of=/tmp/big bs=1M count=100 && sync"' | grep real
echo "== $runtime: tar x of 10,000 files into the root file system"
run 'time tar -xf /files.tar -C /tmp' | grep real
