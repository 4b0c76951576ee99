#!/bin/sh
# Write a board's kernel configuration for Buildroot, board/<vendor>/BOARD/linux.config: the
# configuration our own build makes (allnoconfig, then the board's fragments), saved by the
# kernel's savedefconfig. Buildroot cannot start from allnoconfig; it takes this file as
# BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE and its olddefconfig gives back the same .config.
# Only Kconfig runs, in a scratch folder: nothing is compiled and the kernel source in the
# cache (unpacked by scripts/build-kernel.sh) is only read.
# Usage: linux-defconfig.sh [--check] BOARD
#   --check: write nothing; exit 1 with a diff if linux.config is not what the fragments give
set -eu
. "$(dirname "$0")/lib.sh"

check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: ${0##*/} [--check] BOARD" >&2; exit 2; }
board=$1
bdir=$(board_dir "$board")
. "$bdir/board.conf"

# The source folder scripts/build-kernel.sh unpacks: same key, same patches.
patches=$(find "$TOP/patches/linux" -name '*.patch' | sort)
src_key=$(hash_files $patches - <"$TOP/board/common/linux-source.sha256")
src=$BSP_CACHE/src/linux-7.3.4-$src_key
[ -f "$src/.bsp-ready" ] || die "no kernel source in $src: run scripts/build-kernel.sh $board first"

# Kconfig reads our drivers' Kconfig files from the source tree, where the kernel build
# copies them; an older copy would give another configuration.
for k in $(cd "$TOP/rust-drivers" && find . -name host -prune -o -name Kconfig -print); do
	cmp -s "$TOP/rust-drivers/$k" "$src/drivers/bsp/$k" ||
		die "$src/drivers/bsp/$k is older than rust-drivers/$k: run scripts/build-kernel.sh $board first"
done

obj=$(mktemp -d "${TMPDIR:-/tmp}/linux-defconfig.XXXXXX")
trap 'rm -rf "$obj"' EXIT
trap 'exit 130' INT TERM

# kconfig TARGET...: the kernel's make with the toolchain scripts/build-kernel.sh uses, which
# decides what Kconfig offers (CONFIG_RUST needs rustc and bindgen to be found)
kconfig() {
	make -s -C "$src" O="$obj" ARCH="$ARCH" LLVM=-19 RUSTC=/usr/bin/rustc \
		HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc BINDGEN="$(command -v bindgen)" "$@"
}

fragments=$(for f in $KERNEL_FRAGMENTS; do echo "$TOP/$f"; done)
kconfig allnoconfig
KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
	"$obj/.config" $fragments >/dev/null
kconfig olddefconfig
grep -q '^CONFIG_RUST=y$' "$obj/.config" ||
	die "Kconfig dropped CONFIG_RUST: is the Rust toolchain installed (make setup)?"
# The rule of scripts/build-kernel.sh: every =y of the fragments must have survived Kconfig.
for sym in $(grep -h -o '^CONFIG_[A-Za-z0-9_]*=y' $fragments | sed 's/=y$//'); do
	grep -q "^$sym=y" "$obj/.config" || die "Kconfig dropped $sym (wanted =y by a fragment)"
done
kconfig savedefconfig

if [ -n "$check" ]; then
	diff -u "$bdir/linux.config" "$obj/defconfig" >&2 ||
		die "${bdir#"$TOP"/}/linux.config is out of date: run scripts/linux-defconfig.sh $board"
	echo "${bdir#"$TOP"/}/linux.config matches the fragments"
else
	cp "$obj/defconfig" "$bdir/linux.config"
	echo "wrote ${bdir#"$TOP"/}/linux.config"
fi
