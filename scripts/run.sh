#!/bin/sh
# make run: build the board's SD image and boot it in QEMU with the console on this terminal.
# The guest writes to a working copy of the image, made anew whenever the image is rebuilt,
# so the built image itself stays as built (make test boots that one).
# Usage: run.sh BOARD
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: run.sh BOARD}
board_dir "$board" >/dev/null

img=$("$TOP/scripts/build-image.sh" "$board")
work=$img/run-sdcard.img
[ "$work" -nt "$img/sdcard.img" ] || cp --sparse=always "$img/sdcard.img" "$work"

echo "booting $board in QEMU; quit with Ctrl-A X (card: $work)"
exec "$TOP/scripts/run-qemu.sh" "$board" "$img/kernel" "$work"
