#!/bin/sh
# Build the SD card image of a board: kernel, root filesystem, genimage, bmap. Outputs go to
# $BSP_CACHE/out/image/BOARD-KEY, KEY hashing the kernel and every rootfs and image input.
# Usage: build-image.sh BOARD   (prints the output folder on stdout, progress on stderr)
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: build-image.sh BOARD}
bdir=$(board_dir "$board")

kdir=$("$TOP/scripts/build-kernel.sh" "$board")
inputs=$(find "$TOP/overlay" "$bdir" -type f | sort)
key=$(echo "$kdir" | hash_files $inputs "$TOP/scripts/mkrootfs.sh" "$TOP/scripts/mkimage.sh" -)
out=$BSP_CACHE/out/image/$board-$key

if [ ! -f "$out/sdcard.img.bmap" ]; then
	echo "building the SD image for $board" >&2
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	"$TOP/scripts/mkrootfs.sh" "$board" "$out.tmp" >&2
	"$TOP/scripts/mkimage.sh" "$board" "$kdir" "$out.tmp" >&2
	rm -f "$out.tmp/rootfs.ext4"
	rm -rf "$out"
	mv "$out.tmp" "$out"
fi
ln -sfn "$kdir" "$out/kernel"
echo "$out"
