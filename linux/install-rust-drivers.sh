#!/bin/sh
# Copy rust-drivers/ into a kernel tree as drivers/bsp and hook it into drivers/Kconfig and
# drivers/Makefile. Used by our kernel build and by Buildroot's kernel extension, so both
# trees are the same. Safe to run again on the same tree.
# Usage: install-rust-drivers.sh RUST_DRIVERS_DIR KERNEL_DIR
set -eu
src=$1
ksrc=$2
[ -f "$src/Kconfig" ] || { echo "install-rust-drivers.sh: no Kconfig in $src" >&2; exit 1; }
[ -f "$ksrc/drivers/Kconfig" ] || { echo "install-rust-drivers.sh: $ksrc is not a kernel tree" >&2; exit 1; }

# Kernel sources only: the host-side crates and cargo output stay out of the kernel tree.
rm -rf "$ksrc/drivers/bsp"
mkdir -p "$ksrc/drivers/bsp"
(cd "$src" && find . -name host -prune -o -name target -prune -o \
	\( -name Kconfig -o -name Makefile -o -name '*.rs' -o -name '*.c' -o -name '*.h' \) -print) |
while read -r f; do
	mkdir -p "$ksrc/drivers/bsp/$(dirname "$f")"
	cp -p "$src/$f" "$ksrc/drivers/bsp/$f"
done

grep -q '^source "drivers/bsp/Kconfig"' "$ksrc/drivers/Kconfig" ||
	sed -i 's|^endmenu$|source "drivers/bsp/Kconfig"\n\nendmenu|' "$ksrc/drivers/Kconfig"
grep -q 'CONFIG_BSP_RUST_DRIVERS' "$ksrc/drivers/Makefile" ||
	echo 'obj-$(CONFIG_BSP_RUST_DRIVERS)	+= bsp/' >> "$ksrc/drivers/Makefile"
