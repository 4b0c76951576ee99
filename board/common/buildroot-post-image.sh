#!/bin/sh
# Buildroot post-image step, run before support/scripts/genimage.sh with the same arguments:
# copies the files that the board's genimage.cfg takes from the board folder, not from
# Buildroot's output (extlinux.conf), into BINARIES_DIR, where genimage looks for its inputs.
# Usage (by Buildroot): buildroot-post-image.sh BINARIES_DIR -c BOARD_DIR/genimage.cfg
set -eu

me=buildroot-post-image.sh

# die MESSAGE: one error line, then exit 1
die() {
	echo "$me: $*" >&2
	exit 1
}

[ $# -eq 3 ] && [ "$2" = -c ] || die "usage: $me BINARIES_DIR -c BOARD_DIR/genimage.cfg"
binaries=$1
board=$(dirname "$3")
[ -f "$3" ] || die "$3 not found"
[ -f "$board/extlinux.conf" ] || die "$board/extlinux.conf not found"
cp "$board/extlinux.conf" "$binaries/extlinux.conf"
