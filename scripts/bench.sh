#!/bin/sh
# make bench: the board's C-driver kernel (mainline gpio-mxc, fec) against ours, same QEMU,
# same root filesystem, alternating A B A B; prints per-kernel figures and Rust/C ratios, plus
# the GPIO drivers' .text sizes. Figures, not pass/fail.
# Usage: bench.sh BOARD
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: bench.sh BOARD}
board_dir "$board" >/dev/null

c_img=$("$TOP/scripts/build-image.sh" "$board" c-drivers)
rust_img=$("$TOP/scripts/build-image.sh" "$board")

echo "== .text of the GPIO drivers (bytes)"
# text_size OBJ...: the summed .text* sections of the objects.
text_size() {
	llvm-size-19 -A "$@" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'
}
c_obj=$(readlink -f "$c_img/kernel/build")/drivers/gpio
rust_obj=$(readlink -f "$rust_img/kernel/build")/drivers/bsp/gpio
echo "gpio-mxc.o                    $(text_size "$c_obj/gpio-mxc.o")"
echo "gpio-mxc.o + gpio-mmio.o + generic-chip.o (only gpio-mxc uses them here)   $(text_size "$c_obj/gpio-mxc.o" "$c_obj/gpio-mmio.o" "$c_obj/../../kernel/irq/generic-chip.o")"
echo "gpio_imx_rust.o (with KUnit)  $(text_size "$rust_obj/gpio_imx_rust.o")"
# functions_split OBJ: the object's function bytes, split into driver and KUnit suite.
functions_split() {
	llvm-nm-19 -S -C "$1" | python3 -c '
import sys
sizes = {"driver": 0, "KUnit suite": 0}
for line in sys.stdin:
    f = line.split(None, 3)
    if len(f) == 4 and f[2] in "tT":
        sizes["KUnit suite" if "tests::" in f[3] else "driver"] += int(f[1], 16)
print("functions: driver %(driver)d, KUnit suite %(KUnit suite)d" % sizes)'
}
echo "gpio_imx_rust.o $(functions_split "$rust_obj/gpio_imx_rust.o")"

echo "== .text of the Ethernet drivers (bytes)"
c_net=$(readlink -f "$c_img/kernel/build")/drivers/net/ethernet/freescale
rust_net=$(readlink -f "$rust_img/kernel/build")/drivers/bsp/net
echo "fec_main.o + fec_ptp.o         $(text_size "$c_net/fec_main.o" "$c_net/fec_ptp.o")"
echo "fec_rust.o (with KUnit)        $(text_size "$rust_net/fec_rust.o")"
echo "fec_rust.o $(functions_split "$rust_net/fec_rust.o")"

echo "== GPIO uAPI rates and edge round trip (A = C driver, B = Rust driver)"
python3 "$TOP/tests/board/bench.py" --kernel-a "$c_img/kernel" --kernel-b "$rust_img/kernel" \
	--image "$rust_img/sdcard.img"

echo "== Ethernet: TCP each way, guest CPU per MiB, ping round trip (A = C driver, B = ours)"
python3 "$TOP/tests/board/net_bench.py" --kernel-a "$c_img/kernel" --kernel-b "$rust_img/kernel" \
	--image "$rust_img/sdcard.img"
