#!/bin/sh
# Build the kernel of a board: Linux 7.3.4 + patches/linux + rust-drivers, configured from
# allnoconfig plus the board's fragments. Outputs go to $BSP_CACHE/out/kernel/BOARD-KEY, where
# KEY hashes every input, so an unchanged tree rebuilds nothing.
# Usage: build-kernel.sh BOARD [VARIANT]   (prints the output folder on stdout, progress on
# stderr). VARIANT adds board/<vendor>/BOARD/linux-VARIANT.fragment, e.g. "debug" (lockdep,
# KASAN, kmemleak) or "c-drivers" (mainline's C drivers instead of ours, for comparisons).
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: build-kernel.sh BOARD [VARIANT]}
variant=${2:-}
bdir=$(board_dir "$board")
. "$bdir/board.conf"
if [ -n "$variant" ]; then
	[ -f "$bdir/linux-$variant.fragment" ] || die "no kernel variant '$variant' for $board"
	KERNEL_FRAGMENTS="$KERNEL_FRAGMENTS ${bdir#"$TOP"/}/linux-$variant.fragment"
	board=$board-$variant
fi

deb_name=$(cut -d' ' -f3 "$TOP/board/common/linux-source.sha256")
deb=$BSP_CACHE/dl/$deb_name
[ -f "$deb" ] || die "kernel source $deb missing: run 'make setup'"
for t in rustc bindgen clang-19 ld.lld-19; do
	command -v "$t" >/dev/null || die "$t not found: run 'make setup'"
done

fragments=$(for f in $KERNEL_FRAGMENTS; do echo "$TOP/$f"; done)
patches=$(find "$TOP/patches/linux" -name '*.patch' | sort)
drivers=$(find "$TOP/rust-drivers" -name host -prune -o -name target -prune -o -type f -print | sort)
tools=$(rustc --version; bindgen --version; clang-19 --version | head -1)

# The build folder is keyed by what the configuration holds, not by board or file names, so
# boards with the same configuration (a board made by new-board.sh, at first) share one
# build; the output adds the drivers and the board's own device tree.
src_key=$(cat "$TOP/board/common/linux-source.sha256" | hash_files $patches -)
# shellcheck disable=SC2086 # one argument per fragment
cfg_key=$( (echo "$src_key $tools $ARCH"; cat $fragments) | sha256sum | cut -c1-16)
own_dts=
case $KERNEL_DTB in */*) ;; *) own_dts=$TOP/dts/${KERNEL_DTB%.dtb}.dts ;; esac
[ -z "$own_dts" ] || [ -f "$own_dts" ] ||
	die "board.conf names $KERNEL_DTB, but there is no ${own_dts#"$TOP"/}"
key=$(echo "$cfg_key $KERNEL_IMAGE $KERNEL_DTB" |
	hash_files $drivers "$TOP/linux/install-rust-drivers.sh" $own_dts -)
out=$BSP_CACHE/out/kernel/$board-$key
src=$BSP_CACHE/src/linux-7.3.4-$src_key
obj=$BSP_CACHE/build/$ARCH-$cfg_key

if [ -f "$out/Image" ]; then
	echo "kernel for $board is up to date" >&2
	echo "$out"
	exit 0
fi

# unpack_source: Debian's tree, then our series in order; each patch must apply cleanly.
unpack_source() {
	[ -f "$src/.bsp-ready" ] && return 0
	echo "unpacking $deb_name and applying $(echo "$patches" | grep -c . || true) patches" >&2
	(cd "$(dirname "$deb")" && sha256sum -c --quiet "$TOP/board/common/linux-source.sha256") ||
		die "checksum mismatch for $deb"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-7.3.tar.xz | xz -dc |
		tar -x -C "$src.tmp" --strip-components=1
	for p in $patches; do
		patch -d "$src.tmp" -p1 -s --no-backup-if-mismatch -F0 < "$p" ||
			die "patch does not apply: ${p#"$TOP"/}"
	done
	mv "$src.tmp" "$src"
	touch "$src/.bsp-ready"
}

kmake() {
	make -C "$src" O="$obj" ARCH="$ARCH" LLVM=-19 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc \
		RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver \
		BINDGEN="$(command -v bindgen)" "$@"
}

# install_dts: a KERNEL_DTB without a folder is ours, built from dts/<name>.dts, which goes
# into the kernel's arch/$ARCH/boot/dts/ first (where Buildroot's
# BR2_LINUX_KERNEL_CUSTOM_DTS_PATH puts it too); one with a folder is the kernel's own.
install_dts() {
	[ -z "$own_dts" ] || cp "$own_dts" "$src/arch/$ARCH/boot/dts/"
}

# configure: allnoconfig, the board's fragments, then check that Kconfig kept every symbol.
configure() {
	[ -f "$obj/.config" ] && return 0
	mkdir -p "$obj"
	kmake -s allnoconfig
	KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" $fragments >/dev/null
	kmake -s olddefconfig
	check_config || { mv "$obj/.config" "$obj/.config.rejected"; exit 1; }
}

# check_config: every =y of the fragments is set and every "is not set" stays unset; when
# fragments disagree, the later one wins (as in merge_config.sh).
check_config() {
	ok=0
	wanted=$(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/\1 y/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' $fragments |
		awk '{ v[$1] = $2 } END { for (s in v) print s, v[s] }')
	while read -r sym val; do
		if [ "$val" = y ]; then
			grep -q "^$sym=y" "$obj/.config" || { echo "Kconfig dropped $sym (wanted =y)" >&2; ok=1; }
		elif grep -q "^$sym=[ym]" "$obj/.config"; then
			echo "$sym is set but must not be" >&2
			ok=1
		fi
	done <<EOT
$wanted
EOT
	return $ok
}

unpack_source
"$TOP/linux/install-rust-drivers.sh" "$TOP/rust-drivers" "$src"
install_dts
configure
echo "building Linux for $board in $obj" >&2
kmake -j"$(nproc)" Image "$KERNEL_DTB" >"$obj/build.log" 2>&1 || {
	grep -E 'error|Error' "$obj/build.log" | head -40 >&2
	die "kernel build failed; full log: $obj/build.log"
}

mkdir -p "$out.tmp"
cp "$obj/$KERNEL_IMAGE" "$obj/.config" "$obj/System.map" "$out.tmp/"
cp "$obj/arch/$ARCH/boot/dts/$KERNEL_DTB" "$out.tmp/"
ln -s "$src" "$out.tmp/source"
ln -s "$obj" "$out.tmp/build"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
