#!/bin/sh
# Write stand-ins for NXP's DDR training firmware into DIR: files with the names the board's
# uboot.conf lists, odd sizes and fixed pseudo-random contents (the same on every run, so the
# container built from them stays cached). They let make test build and check the whole boot
# container without NXP's files; a container built from them cannot bring up a board's RAM.
# Usage: standin-firmware.sh BOARD DIR
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
board=${1:?usage: standin-firmware.sh BOARD DIR}
dir=${2:?usage: standin-firmware.sh BOARD DIR}
for conf in "$top"/board/*/"$board"/uboot.conf; do
	[ -f "$conf" ] || { echo "standin-firmware.sh: no uboot.conf for $board" >&2; exit 1; }
	# shellcheck source=board/nxp/imx8mp-evk/uboot.conf
	. "$conf"
done
mkdir -p "$dir"
echo "stand-ins for NXP's DDR training firmware (tests/bootloader/standin-firmware.sh):" \
	"a container built from them cannot bring up a board's RAM" >"$dir/STAND-IN"
size=30001
for f in $UBOOT_NXP_FIRMWARE; do
	python3 -c 'import hashlib, sys
name, size = sys.argv[1].encode(), int(sys.argv[2])
out = b"".join(hashlib.sha256(name + i.to_bytes(4, "big")).digest()
               for i in range(size // 32 + 1))
sys.stdout.buffer.write(out[:size])' "stand-in $f" "$size" >"$dir/$f"
	size=$((size / 2 + 7))
done
