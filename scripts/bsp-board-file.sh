#!/bin/sh
# Print /etc/bsp/board for a board: its name, ARCH and the KUnit suites its boot must report,
# from its board.conf. The start-up script reads it to run `bsp results` on the card; both
# scripts/mkrootfs.sh and Buildroot's package/bsp-tools write it with this.
# Usage: bsp-board-file.sh BOARD
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: bsp-board-file.sh BOARD}
bdir=$(board_dir "$board")
# shellcheck source=board/nxp/imx8mp-evk/board.conf
. "$bdir/board.conf"
printf 'BOARD=%s\nARCH=%s\nKUNIT_SUITES="%s"\n' "$board" "$ARCH" "$KUNIT_SUITES"
