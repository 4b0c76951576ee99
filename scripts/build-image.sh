#!/bin/sh
# Build the SD card image of a board: kernel, boot container (if the board has one), root
# filesystem, genimage, bmap. Outputs go to $BSP_CACHE/out/image/BOARD-KEY, KEY hashing the
# kernel, the boot container and every rootfs and image input.
# Usage: build-image.sh BOARD [VARIANT]   (prints the output folder on stdout, progress on
# stderr; VARIANT is a kernel variant, see build-kernel.sh)
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: build-image.sh BOARD [VARIANT]}
variant=${2:-}
bdir=$(board_dir "$board")

kdir=$("$TOP/scripts/build-kernel.sh" "$board" $variant)
# A real board boots from the container; QEMU loads the kernel directly and ignores it.
boot=
if [ -f "$bdir/uboot.conf" ]; then
	boot=$("$TOP/scripts/build-bootloader.sh" "$board")
fi
# The C programs of tests/board/ and the bsp tool (with its Rust compiler) are built into the
# root file system too.
inputs=$( (find "$TOP/overlay" "$bdir" -type f; find "$TOP/tests/board" -name '*.c'
	find "$TOP/tools/bsp/src" -type f) | sort)
key=$(echo "$kdir $boot $(rustc --version)" |
	hash_files $inputs "$TOP/tools/bsp/Cargo.toml" "$TOP/Cargo.lock" \
		"$TOP/scripts/build-target-bsp.sh" "$TOP/scripts/bsp-board-file.sh" \
		"$TOP/scripts/mkrootfs.sh" "$TOP/scripts/mkimage.sh" -)
out=$BSP_CACHE/out/image/$board${variant:+-$variant}-$key
# a container from stand-in DDR firmware (make test's checks) must not pass for a real one
if [ -f "$boot/STAND-IN" ]; then
	out=$BSP_CACHE/out/image/$board${variant:+-$variant}-standin-$key
fi

if [ ! -f "$out/sdcard.img.bmap" ]; then
	echo "building the SD image for $board" >&2
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	"$TOP/scripts/mkrootfs.sh" "$board" "$out.tmp" >&2
	if [ -f "$boot/flash.bin" ]; then cp "$boot/flash.bin" "$out.tmp/"; fi
	"$TOP/scripts/mkimage.sh" "$board" "$kdir" "$out.tmp" >&2
	rm -f "$out.tmp/rootfs.ext4"
	rm -rf "$out"
	mv "$out.tmp" "$out"
fi
ln -sfn "$kdir" "$out/kernel"
if [ -n "$boot" ]; then ln -sfn "$boot" "$out/bootloader"; fi
echo "$out"
