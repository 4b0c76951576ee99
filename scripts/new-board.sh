#!/bin/sh
# Start a new board from an existing one on the same SoC: copies board/<vendor>/FROM/ to
# board/VENDOR/NEW/, writes dts/NEW.dts (the FROM board's device tree, with a list of what a
# custom carrier board changes first) and, if FROM has one, the Buildroot defconfig
# configs/<NEW with '_' for '-'>_rust_defconfig, every path pointing at the new files. The
# new board builds the same kernel and boots in QEMU on the SoC's board model right away:
#   make run BOARD=NEW    make test BOARD=NEW
# Usage: new-board.sh NEW [--from BOARD] [--vendor VENDOR]
#   NEW: lowercase letters, digits and '-', starting with a letter (Kconfig and Buildroot
#   take it, as NEW_rust_defconfig with '_'); --from: default imx8mp-evk; --vendor: default
#   FROM's vendor folder. Refused (exit 2, nothing written): a bad or taken name.
set -eu

me="new-board.sh"
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# refuse MESSAGE: the one error line for a request we do not carry out; nothing is written
refuse() {
	echo "$me: $*" >&2
	exit 2
}

# usage: the synopsis, then exit 2
usage() {
	echo "usage: $me NEW [--from BOARD] [--vendor VENDOR]" >&2
	exit 2
}

# check_name WHAT NAME: refuse NAME unless it is lowercase letters, digits and '-', starting
# with a letter, not ending with '-', at most 48 characters
check_name() {
	case $2 in
	'' | [!a-z]* | *[!a-z0-9-]* | *-)
		refuse "invalid $1 '$2': use lowercase letters, digits and '-', starting with a letter and not ending with '-'"
		;;
	esac
	[ ${#2} -le 48 ] || refuse "invalid $1: '$2' is longer than 48 characters"
}

# dts_header NEW FROM: the opening comment of the new device tree: what to change first
dts_header() {
	cat <<EOF
// SPDX-License-Identifier: (GPL-2.0-or-later OR MIT)
/*
 * $1: made by scripts/new-board.sh from $2, so at first it describes the same
 * hardware.
 *
 * For a custom carrier board of the same SoC, change first, in this order:
 * - memory: the memory@ node's reg, the DRAM banks the board really has (size and
 *   number), and keep the ramoops region (if any) inside them and clear of what the
 *   firmware uses;
 * - console: chosen/stdout-path, the UART node that becomes "okay" and its pinctrl group
 *   in &iomuxc (the pads the board routes to its debug port), console= in extlinux.conf;
 * - regulators: the PMIC node on its I2C bus and the fixed/GPIO regulators (SD card
 *   supply, PHY and USB power), with the GPIOs that switch them;
 * - peripherals: status = "okay" only for what the board has (SD/eMMC slots, Ethernet
 *   MAC with its PHY address and reset GPIO, I2C devices, USB, PCIe, CAN, display), and
 *   status = "disabled" for what the included board enables but this one lacks;
 * - then model and the root compatible ("vendor,board" before the SoC's).
 * The boot container is board specific too (DDR timing, U-Boot's defconfig: uboot.conf).
 */
EOF
}

# write_dts FROM_DTB NEW FROM OUT: OUT is FROM's device tree with a new opening comment and
# model. FROM_DTB with a folder is the kernel's own DTS, which OUT then only includes.
write_dts() {
	dts_header "$2" "$3" >"$4"
	case $1 in
	*/*)
		printf '\n#include "%s.dts"\n\n/ {\n\tmodel = "%s";\n};\n' "${1%.dtb}" "$2" >>"$4"
		;;
	*)
		# keep everything from the first #include on; the old header goes
		sed -n '/^#include /,$p' "$TOP/dts/${1%.dtb}.dts" |
			sed "s|^\(\t*model = \).*;\$|\1\"$2\";|" >>"$4"
		;;
	esac
}

[ $# -ge 1 ] || usage
new=$1
shift
from=imx8mp-evk
vendor=
while [ $# -gt 0 ]; do
	case $1 in
	--from) [ $# -ge 2 ] || usage; from=$2; shift 2 ;;
	--vendor) [ $# -ge 2 ] || usage; vendor=$2; shift 2 ;;
	*) usage ;;
	esac
done

# Every check first: a refusal leaves the tree as it was.
check_name "board name" "$new"
fdir=$(board_dir "$from")
from_vendor=$(basename "$(dirname "$fdir")")
vendor=${vendor:-$from_vendor}
check_name "vendor" "$vendor"
[ "$vendor" != common ] || refuse "vendor 'common' is the folder of files all boards share"
for d in "$TOP"/board/*/"$new"; do
	[ -e "$d" ] && refuse "board '$new' exists: ${d#"$TOP"/}"
done
defconfig_name=$(echo "$new" | tr - _)_rust_defconfig
from_defconfig=$TOP/configs/$(echo "$from" | tr - _)_rust_defconfig
[ -e "$TOP/configs/$defconfig_name" ] && refuse "configs/$defconfig_name exists"
[ -e "$TOP/dts/$new.dts" ] && refuse "dts/$new.dts exists"
from_dtb=$(. "$fdir/board.conf" && echo "$KERNEL_DTB")
case $from_dtb in
*/*) ;;
*) [ -f "$TOP/dts/${from_dtb%.dtb}.dts" ] || refuse "$from's dts/${from_dtb%.dtb}.dts is missing" ;;
esac

ndir=$TOP/board/$vendor/$new
new_dts=$TOP/dts/$new.dts
new_defconfig=$TOP/configs/$defconfig_name
vendor_dir=
[ -d "$TOP/board/$vendor" ] || vendor_dir=$TOP/board/$vendor

# cleanup: on a failure half way, remove whatever this run made
cleanup() {
	rm -rf "$ndir" "$new_dts" "$new_defconfig"
	if [ -n "$vendor_dir" ]; then rmdir "$vendor_dir" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TOP/board/$vendor"
cp -R "$fdir" "$ndir"
old_path=board/$from_vendor/$from
new_path=board/$vendor/$new
from_stem=$(basename "$from_dtb" .dtb)
from_stem_re=$(echo "$from_stem" | sed 's/\./\\./g')

# board.conf: the new paths and device tree; a line saying where it came from
{
	echo "# $new: copied from $from by scripts/new-board.sh; same SoC, same QEMU model."
	sed -e "s|$old_path\([/\" ]\)|$new_path\1|g" -e "s|^KERNEL_DTB=.*|KERNEL_DTB=$new.dtb|" \
		"$fdir/board.conf"
} >"$ndir/board.conf"
# The boot files name the device tree the kernel build puts beside Image.
for f in genimage.cfg extlinux.conf; do
	if [ -f "$ndir/$f" ]; then
		sed -i "s|$from_stem_re\\.dtb|$new.dtb|g" "$ndir/$f"
	fi
done

write_dts "$from_dtb" "$new" "$from" "$new_dts"

if [ -f "$from_defconfig" ]; then
	# bsp-tools names the board whose board.conf it reads (default imx8mp-evk)
	sed -e "s|$old_path\([/\" ]\)|$new_path\1|g" \
		-e "s|/dts/$from_stem_re\\.dts|/dts/$new.dts|g" \
		-e '/^BR2_PACKAGE_BSP_TOOLS_BOARD=/d' \
		-e "s|^BR2_PACKAGE_BSP_TOOLS=y\$|&\\
BR2_PACKAGE_BSP_TOOLS_BOARD=\"$new\"|" \
		"$from_defconfig" >"$new_defconfig"
	defconfig_note="configs/$defconfig_name"
else
	defconfig_note="no Buildroot defconfig (${from_defconfig#"$TOP"/} does not exist)"
fi

trap - EXIT
echo "new board $new: $new_path/, dts/$new.dts, $defconfig_note"
echo "next: make run BOARD=$new; then edit dts/$new.dts (its opening comment lists what first)"
