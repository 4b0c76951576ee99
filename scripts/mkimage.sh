#!/bin/sh
# Assemble a board's SD card image, OUTDIR/sdcard.img, and its block map, sdcard.img.bmap,
# with genimage and board/<vendor>/<board>/genimage.cfg. Inputs: the kernel files in
# KERNEL_DIR (Image, device trees), the board folder's files (extlinux.conf),
# OUTDIR/rootfs.ext4 from scripts/mkrootfs.sh and, if built, OUTDIR/flash.bin from
# scripts/build-bootloader.sh.
# Usage: mkimage.sh BOARD KERNEL_DIR OUTDIR
set -eu

me=mkimage.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# need TOOL...: stop unless every TOOL is on PATH
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$t not found: run make setup"
	done
}

# link_inputs DIR SRC...: link every regular file of each SRC folder into DIR; a later SRC
# wins over an earlier one
link_inputs() {
	dir=$1
	shift
	for src in "$@"; do
		for f in "$src"/*; do
			if [ -f "$f" ]; then ln -sfn "$f" "$dir/${f##*/}"; fi
		done
	done
}

# source_epoch: SOURCE_DATE_EPOCH, else the last commit's time, else 1980-01-01 (FAT's first
# day; e2fsprogs would take 0 as "use the clock")
source_epoch() {
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		echo "$SOURCE_DATE_EPOCH"
	else
		git -C "$TOP" log -1 --format=%ct 2>/dev/null || echo 315532800
	fi
}

# boot_container_cfg BOARD_DIR INPUT_DIR: the file genimage.cfg includes for the boot container:
# the board's boot-container.cfg when flash.bin is among the inputs, else an empty one
boot_container_cfg() {
	if [ -f "$1/boot-container.cfg" ] && [ -f "$2/flash.bin" ]; then
		echo "$1/boot-container.cfg"
	else
		: >"$work/no-boot-container.cfg"
		echo "$work/no-boot-container.cfg"
	fi
}

# is_power_of_two FILE: true if FILE's size is a power of two (QEMU's SD card model needs it)
is_power_of_two() {
	size=$(stat -c %s "$1")
	[ "$size" -gt 0 ] && [ $((size & (size - 1))) -eq 0 ]
}

[ $# -eq 3 ] || { echo "usage: $me BOARD KERNEL_DIR OUTDIR" >&2; exit 2; }
need genimage mkdosfs mcopy mmd bmaptool
board=$(board_dir "$1")
[ -f "$board/genimage.cfg" ] || die "$board/genimage.cfg not found"
[ -d "$2" ] || die "kernel folder $2 not found: run make kernel"
[ -f "$2/Image" ] || die "$2/Image not found: run make kernel"
[ -f "$3/rootfs.ext4" ] || die "$3/rootfs.ext4 not found: run scripts/mkrootfs.sh first"
kernel=$(cd "$2" && pwd)
out=$(cd "$3" && pwd)

work=$(mktemp -d "$out/.image.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir "$work/input" "$work/root" "$work/output"
link_inputs "$work/input" "$kernel" "$board" "$out"

# genimage wants a root path even when no image is filled from it; give it an empty one.
# mtools stamps the FAT's files with SOURCE_DATE_EPOCH. The include takes an absolute path: with
# --includepath, genimage 16 looks for an absolute --config path under the current directory.
BOOT_CONTAINER_CFG=$(boot_container_cfg "$board" "$work/input") SOURCE_DATE_EPOCH=$(source_epoch) \
	genimage --config "$board/genimage.cfg" --inputpath "$work/input" \
	--rootpath "$work/root" --tmppath "$work/tmp" --outputpath "$work/output" \
	>"$work/genimage.log" 2>&1 || { cat "$work/genimage.log" >&2; die "genimage failed"; }
[ -f "$work/output/sdcard.img" ] || die "genimage.cfg of $1 makes no sdcard.img"
is_power_of_two "$work/output/sdcard.img" || die "sdcard.img size is not a power of two"

mv -f "$work/output/sdcard.img" "$out/sdcard.img"
bmaptool -q create -o "$out/sdcard.img.bmap" "$out/sdcard.img"
echo "$me: $out/sdcard.img ($(($(stat -c %s "$out/sdcard.img") / 1048576)) MiB) and .bmap"
