#!/bin/sh
# Builds a small local image from Debian's busybox-static and imports it into
# Docker (Docker Hub is not needed). Prints the image name.
# usage: scripts/make-image.sh [IMAGE] [--dir-only DIR]
set -eu
image=${1:-dock-fire-demo:latest}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-image.sh: $busybox missing: apt-get install busybox-static" >&2; exit 1; }

root=$(mktemp -d /var/tmp/dock-fire-image.XXXXXX)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/home/app" "$root/proc" "$root/sys" \
    "$root/dev" "$root/tmp" "$root/var/tmp" "$root/usr/bin" "$root/sbin"
chmod 1777 "$root/tmp" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
app:x:1000:
users:x:100:app
nogroup:x:65534:
GROUP
chown 1000:1000 "$root/home/app"

tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' - "$image" >/dev/null
echo "$image"
