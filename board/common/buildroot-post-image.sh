#!/bin/sh
# Buildroot post-image script of our defconfigs: the board's SD card image, sdcard.img, and
# its block map, made with the board's genimage.cfg the way scripts/mkimage.sh makes them
# outside Buildroot. Inputs: Image, the DTB and rootfs.ext4 (and flash.bin, if a boot
# container was built) from BINARIES_DIR; extlinux.conf and boot-container.cfg from the
# board folder. Buildroot puts its host tools (genimage, mtools, bmaptool) first in PATH.
# Usage (by Buildroot): buildroot-post-image.sh BINARIES_DIR BOARD_DIR
set -eu

me=buildroot-post-image.sh

# die MESSAGE: one error line, then exit 1
die() {
	echo "$me: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: $me BINARIES_DIR BOARD_DIR"
binaries=$1
board=$2
for f in genimage.cfg extlinux.conf; do
	[ -f "$board/$f" ] || die "$board/$f not found"
done
command -v genimage >/dev/null || die "genimage not found: enable BR2_PACKAGE_HOST_GENIMAGE"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/root"
cp "$board/extlinux.conf" "$binaries/extlinux.conf"

# genimage.cfg includes the boot container's partition only when flash.bin exists, as in
# scripts/mkimage.sh; otherwise it includes an empty file.
if [ -f "$board/boot-container.cfg" ] && [ -f "$binaries/flash.bin" ]; then
	BOOT_CONTAINER_CFG=$board/boot-container.cfg
else
	: >"$work/no-boot-container.cfg"
	BOOT_CONTAINER_CFG=$work/no-boot-container.cfg
fi
export BOOT_CONTAINER_CFG

genimage --config "$board/genimage.cfg" --rootpath "$work/root" --tmppath "$work/tmp" \
	--inputpath "$binaries" --outputpath "$binaries"
if command -v bmaptool >/dev/null; then
	bmaptool -q create -o "$binaries/sdcard.img.bmap" "$binaries/sdcard.img"
fi
