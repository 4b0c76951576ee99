#!/bin/sh
# Check our Buildroot defconfigs against a Buildroot tree: each one is loaded with this tree
# as BR2_EXTERNAL and saved again with savedefconfig; the result must be the file itself.
# A difference means a symbol Buildroot does not know or drops (a typo, an unmet
# dependency, a renamed option) or a line that is not minimal. The kernel tarball the
# defconfig downloads must also have its sha256 in patches/linux/linux.hash.
# Usage: check-defconfig.sh BUILDROOT_DIR [DEFCONFIG_NAME...]   (default: every configs/*)
# Buildroot's kconfig runs in a scratch output folder; nothing is downloaded or built.
set -eu

me=check-defconfig.sh
top=$(cd "$(dirname "$0")/../.." && pwd)

# die MESSAGE: one error line, then exit 1
die() {
	echo "$me: $*" >&2
	exit 1
}

[ $# -ge 1 ] || { echo "usage: $me BUILDROOT_DIR [DEFCONFIG_NAME...]" >&2; exit 2; }
br=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such folder"
shift
[ -f "$br/Makefile" ] && [ -f "$br/Config.in" ] && [ -d "$br/package" ] ||
	die "$br is not a Buildroot tree"
if [ $# -eq 0 ]; then
	for f in "$top"/configs/*_defconfig; do
		[ -f "$f" ] && set -- "$@" "${f##*/}"
	done
	[ $# -gt 0 ] || die "no defconfig in $top/configs"
fi

# kernel_hash CONFIG: the kernel download CONFIG names must have a sha256 line in our
# patches/linux/linux.hash (BR2_DOWNLOAD_FORCE_CHECK_HASHES looks there); prints what fails
kernel_hash() {
	loc=$(sed -n 's/^BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION="\(.*\)"$/\1/p' "$1")
	ver=$(sed -n 's/^BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE="\(.*\)"$/\1/p' "$1")
	file=${loc##*/}
	[ -n "$file" ] || file=${ver:+linux-$ver.tar.xz}
	[ -n "$file" ] || return 0
	grep -Eq "^sha256 +[0-9a-f]{64} +$file\$" "$top/patches/linux/linux.hash" ||
		echo "no sha256 of $file in patches/linux/linux.hash"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/check-defconfig.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

failed=0
for name in "$@"; do
	[ -f "$top/configs/$name" ] || die "configs/$name not found"
	out=$work/$name
	# BR2_DEFCONFIG keeps savedefconfig from writing back into configs/.
	if ! make -s -C "$br" O="$out" BR2_EXTERNAL="$top" "$name" >"$work/log" 2>&1 ||
		! make -s -C "$br" O="$out" BR2_DEFCONFIG="$out/saved" savedefconfig \
			>>"$work/log" 2>&1; then
		cat "$work/log" >&2
		echo "not ok $name: Buildroot's kconfig failed" >&2
		failed=1
		continue
	fi
	missing=$(kernel_hash "$out/.config")
	if [ -n "$missing" ]; then
		echo "not ok $name: $missing" >&2
		failed=1
	elif diff -u "$top/configs/$name" "$out/saved" >"$work/diff"; then
		echo "ok $name"
	else
		echo "not ok $name: savedefconfig differs (- ours, + Buildroot's):" >&2
		cat "$work/diff" >&2
		failed=1
	fi
done
exit $failed
