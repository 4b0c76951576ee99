#!/bin/sh
# Build the boot container of a board: U-Boot from Debian's source package, TF-A's BL31 from
# Debian's arm-trusted-firmware package, and NXP's DDR training firmware from NXP_FIRMWARE_DIR,
# put together by U-Boot's binman into flash.bin. Outputs go to $BSP_CACHE/out/bootloader/
# BOARD-KEY, KEY hashing every input, so an unchanged tree rebuilds nothing.
# Usage: build-bootloader.sh BOARD [OUTDIR]   (prints the output folder on stdout, progress on
# stderr; with OUTDIR, also copies flash.bin there when it was built). JOBS sets make's -j.
# Without NXP_FIRMWARE_DIR, SPL and u-boot.itb are built but no flash.bin: a container without
# the DDR training firmware cannot bring up the board's RAM, so none is made to look complete.
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: build-bootloader.sh BOARD [OUTDIR]}
outdir=${2:-}
bdir=$(board_dir "$board")
[ -f "$bdir/uboot.conf" ] || die "no boot container for $board: $bdir/uboot.conf missing"
. "$bdir/uboot.conf"
for t in aarch64-linux-gnu-gcc dpkg-source swig bison flex; do
	command -v "$t" >/dev/null || die "$t not found: run 'make setup'"
done

uboot_pin=$TOP/board/common/u-boot-source.sha256
atf_pin=$TOP/board/common/arm-trusted-firmware.sha256
dsc=$(awk '/\.dsc$/ { print $2 }' "$uboot_pin")
uboot_version=$(basename "$dsc" .dsc | sed 's/^u-boot_//')
atf_deb=$(awk '{ print $2 }' "$atf_pin")
atf_version=$(echo "$atf_deb" | sed 's/^arm-trusted-firmware_\(.*\)_arm64\.deb$/\1/')
dl=$BSP_CACHE/dl
src=$BSP_CACHE/src/u-boot-$uboot_version
atf=$BSP_CACHE/src/arm-trusted-firmware-$atf_version
bl31=$atf/usr/lib/arm-trusted-firmware/$UBOOT_BL31
no_firmware="no flash.bin for $board, the card will not boot a real board: set NXP_FIRMWARE_DIR\
 to the folder with $(echo $UBOOT_NXP_FIRMWARE | sed 's/ /, /g') (NXP's firmware-imx, under\
 NXP's licence)"

# nxp_firmware DIR: the DDR training files in DIR; stops at the first one missing.
nxp_firmware() {
	for f in $UBOOT_NXP_FIRMWARE; do
		[ -f "$1/$f" ] || die "NXP_FIRMWARE_DIR=$NXP_FIRMWARE_DIR has no $f"
		echo "$1/$f"
	done
}

fwdir=
firmware=
if [ -n "${NXP_FIRMWARE_DIR:-}" ]; then
	fwdir=$(cd "$NXP_FIRMWARE_DIR" 2>/dev/null && pwd) ||
		die "NXP_FIRMWARE_DIR=$NXP_FIRMWARE_DIR is not a folder"
	firmware=$(nxp_firmware "$fwdir")
fi
tools=$(aarch64-linux-gnu-gcc --version | head -1)
cfg_key=$(echo "$tools" | hash_files "$uboot_pin" "$bdir/uboot.conf" -)
key=$(echo "$cfg_key" | hash_files "$atf_pin" "$TOP/scripts/build-bootloader.sh" $firmware -)
obj=$BSP_CACHE/build/u-boot-$board-$cfg_key
out=$BSP_CACHE/out/bootloader/$board-$key

# fetch PIN APT-ARGS...: the pinned files into $dl through the private apt, hashes checked.
fetch() {
	pin=$1
	shift
	mkdir -p "$dl"
	(cd "$dl" && sha256sum -c --quiet "$pin" >/dev/null 2>&1) && return 0
	echo "fetching $(awk '{ print $2 }' "$pin" | paste -sd ' ')" >&2
	(cd "$dl" && "$TOP/scripts/private-apt.sh" "$@" >/dev/null &&
		sha256sum -c --quiet "$pin") || die "could not fetch $* matching ${pin#"$TOP"/}"
}

# unpack_uboot: dpkg-source checks the tarballs against the .dsc and applies Debian's patches.
unpack_uboot() {
	[ -f "$src/.bsp-ready" ] && return 0
	fetch "$uboot_pin" source "u-boot=$uboot_version"
	echo "unpacking u-boot $uboot_version" >&2
	rm -rf "$src"
	# The uploader's signature is not checked (no keyring here); the .dsc's own hash is.
	dpkg-source -x "$dl/$dsc" "$src" >"$src.log" 2>&1 || die "dpkg-source -x failed: $src.log"
	touch "$src/.bsp-ready"
}

# unpack_bl31: Debian's arm-trusted-firmware package, unpacked (never installed).
unpack_bl31() {
	[ -f "$bl31" ] && return 0
	fetch "$atf_pin" download "arm-trusted-firmware:arm64=$atf_version"
	rm -rf "$atf" "$atf.tmp"
	dpkg -x "$dl/$atf_deb" "$atf.tmp"
	mv "$atf.tmp" "$atf"
	[ -f "$bl31" ] || die "$atf_deb has no ${bl31#"$atf"/}"
}

# umake ARGS...: U-Boot's make in the build folder, cross-compiling for arm64.
umake() {
	make -C "$src" O="$obj" CROSS_COMPILE=aarch64-linux-gnu- "$@"
}

# build: SPL, U-Boot and the binman images. Without the NXP firmware binman makes only the
# "itb" image (U-Boot's Makefile hands BINMAN_<target> to binman); with it, flash.bin too.
build() {
	mkdir -p "$obj"
	[ -f "$obj/.config" ] || umake -s "$UBOOT_DEFCONFIG"
	rm -f "$obj/flash.bin" "$obj/spl.bin" "$obj/u-boot-spl-ddr.bin"
	if [ -n "$fwdir" ]; then
		set -- BINMAN_INDIRS="$fwdir"
	else
		set -- "BINMAN_.binman_stamp=-i itb"
	fi
	echo "building U-Boot $uboot_version for $board in $obj" >&2
	# U-Boot's version banner takes its date from here: the package's, not the clock's.
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$src/debian/changelog" -STimestamp)
	export SOURCE_DATE_EPOCH
	umake -j"${JOBS:-$(nproc)}" BL31="$bl31" "$@" all u-boot-initial-env >"$obj/build.log" 2>&1 || {
		grep -E 'error|Error|missing' "$obj/build.log" | head -20 >&2
		die "U-Boot build failed; full log: $obj/build.log"
	}
}

# collect: the outputs; flash.bin only with the NXP firmware, else a note saying why not.
collect() {
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	cp "$obj/spl/u-boot-spl.bin" "$obj/u-boot-nodtb.bin" "$obj/u-boot.itb" \
		"$obj/u-boot-initial-env" "$obj/.config" "$bl31" "$out.tmp/"
	if [ -n "$fwdir" ]; then
		cp "$obj/u-boot-spl-ddr.bin" "$obj/flash.bin" "$out.tmp/"
		# what binman appended to SPL, in its order, for tests/bootloader's checks
		for f in $firmware; do
			echo "${f##*/} $(wc -c <"$f") $(sha256sum "$f" | cut -d' ' -f1)"
		done >"$out.tmp/ddr-firmware.list"
		# tests/bootloader/standin-firmware.sh marks its files: such a container boots no board
		if [ -f "$fwdir/STAND-IN" ]; then cp "$fwdir/STAND-IN" "$out.tmp/"; fi
	else
		echo "built without NXP's DDR training firmware (NXP_FIRMWARE_DIR unset)" \
			>"$out.tmp/flash.bin.missing"
	fi
	rm -rf "$out"
	mv "$out.tmp" "$out"
}

if [ -f "$out/flash.bin" ]; then
	echo "boot container for $board is up to date" >&2
elif [ ! -f "$out/u-boot.itb" ]; then
	unpack_uboot
	unpack_bl31
	build
	collect
fi
[ -f "$out/flash.bin" ] || echo "${0##*/}: $no_firmware" >&2
if [ -n "$outdir" ] && [ -f "$out/flash.bin" ]; then
	cp "$out/flash.bin" "$outdir/"
fi
echo "$out"
