#!/bin/sh
# make test: host unit tests, then a headless boot of the board's image whose KUnit output
# becomes results/BOARD/ (console.log, results.ktap, junit.xml, results.json).
# Usage: test.sh BOARD [VARIANT]   (VARIANT: a kernel variant such as "debug")
set -eu
. "$(dirname "$0")/lib.sh"
board=${1:?usage: test.sh BOARD [VARIANT]}
variant=${2:-}
bdir=$(board_dir "$board")
. "$bdir/board.conf"
timeout=${BOOT_TIMEOUT:-300}

echo "== host unit tests"
cargo test -q --workspace --locked
cargo build -q --release --locked -p bsp

echo "== image for $board"
img=$("$TOP/scripts/build-image.sh" "$board" $variant)

res=$TOP/results/$board${variant:+-$variant}
rm -rf "$res"
mkdir -p "$res"
echo "== booting $board in QEMU, headless, at most $timeout s"
boot=0
"$TOP/scripts/run-qemu.sh" "$board" "$img/kernel" "$img/sdcard.img" \
	--headless "$res/console.log" --timeout "$timeout" || boot=$?
[ "$boot" = 124 ] && echo "boot timed out after $timeout s: results below are what the log holds"

echo "== parser cross-check against kunit.py"
check=0
"$TOP/tests/ktap-crosscheck.sh" "$img/kernel/source" "$TOP"/tools/bsp/tests/data/*.log \
	"$res/console.log" >"$res/crosscheck.txt" 2>&1 || check=$?
grep -v '^ok ' "$res/crosscheck.txt" || true
echo "$(grep -c '^ok ' "$res/crosscheck.txt") logs agree with kunit.py"

echo "== KUnit results ($res)"
parse=0
"$CARGO_TARGET_DIR/release/bsp" results "$res/console.log" --out "$res" --board "$board" \
	--arch "$ARCH" $(for s in $KUNIT_SUITES; do printf ' --expect-suite %s' "$s"; done) || parse=$?
[ "$boot" = 0 ] && [ "$check" = 0 ] && [ "$parse" = 0 ]
