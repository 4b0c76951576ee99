#!/bin/sh
# make test: host unit tests, a headless boot of the board's image (KUnit suites and doctests),
# the board tests against the emulated pins and Ethernet port, the boot-container checks and a
# scan of every console for kernel splats. All results go through one parser into results/BOARD/
# (results.ktap, junit.xml, results.json); the last line is "N passed, N failed".
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

echo "== image for $board${variant:+ ($variant kernel)}"
img=$("$TOP/scripts/build-image.sh" "$board" $variant)

# The second board of board_net's two-board test: the C-driver image, so that our Ethernet
# driver talks to mainline's over the wire. Without it that test fails and says why.
peer=
if [ "$variant" = c-drivers ]; then
	peer=$img
elif [ -f "$bdir/linux-c-drivers.fragment" ]; then
	echo "== C-driver image for $board (peer board of the network tests)"
	peer=$("$TOP/scripts/build-image.sh" "$board" c-drivers) ||
		{ echo "no C-driver image: board_net's two_boards test will fail" >&2; peer=; }
fi

res=$TOP/results/$board${variant:+-$variant}
rm -rf "$res"
mkdir -p "$res"
echo "== booting $board in QEMU, headless, at most $timeout s"
boot=0
"$TOP/scripts/run-qemu.sh" "$board" "$img/kernel" "$img/sdcard.img" \
	--headless "$res/console.log" --timeout "$timeout" || boot=$?
[ "$boot" = 124 ] && echo "boot timed out after $timeout s: results below are what the log holds"

# Each step below writes a KTAP document; a step that cannot run reports "not ok".
echo "== board tests (qtest pins, libgpiod, network, broken device trees)"
# NET_UNBIND_CYCLES (default 1000) sets the unbind/bind cycles of the network tests.
python3 "$TOP/tests/board/run.py" --board "$board" --kernel "$img/kernel" \
	--image "$img/sdcard.img" --out "$res" \
	${peer:+--peer-kernel "$peer/kernel" --peer-image "$peer/sdcard.img"} |
	grep -E '^ *(not )?ok|^ *# [a-z_]+: ' || true
[ -s "$res/board.ktap" ] || printf 'KTAP version 1\n1..1\nnot ok 1 board_tests # no output\n' \
	>"$res/board.ktap"

if [ -d "$img/bootloader" ]; then
	card=$img
	if [ ! -f "$img/bootloader/flash.bin" ]; then
		# Without NXP's DDR firmware the card has no container; check one assembled the same
		# way from stand-in files instead, on a card image of its own.
		echo "== boot container checks (stand-in DDR firmware: NXP's is not here)"
		fw=$BSP_CACHE/standin-firmware/$board
		card=$("$TOP/tests/bootloader/standin-firmware.sh" "$board" "$fw" &&
			NXP_FIRMWARE_DIR=$fw "$TOP/scripts/build-image.sh" "$board" $variant \
			2>"$res/standin-image.log") || card=
	else
		echo "== boot container checks"
	fi
	if [ -n "$card" ]; then
		python3 "$TOP/tests/bootloader/check-container.py" "$card/bootloader" \
			--image "$card/sdcard.img" >"$res/bootloader.ktap" || true
	else
		printf 'KTAP version 1\n1..1\nnot ok 1 boot_container # %s\n' \
			"no container from stand-in firmware: see standin-image.log" >"$res/bootloader.ktap"
	fi
fi

echo "== tree checks (device tree, new-board command)"
# check NAME COMMAND...: one KTAP result from the command's exit status; output kept in $res.
tree_check() {
	name=$1
	shift
	if "$@" >"$res/$name.txt" 2>&1; then echo "    ok $n $name"; else
		echo "    # $name: $(tail -1 "$res/$name.txt")"
		echo "    not ok $n $name"
	fi
	n=$((n + 1))
}
n=1
{
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: tree_checks\n    1..2\n'
	tree_check dt_validate "$TOP/tests/dt/validate.sh"
	tree_check new_board "$TOP/tests/new-board/test.sh"
} >"$res/tree.ktap"
grep -q 'not ok' "$res/tree.ktap" && t=not || t=
echo "${t:+not }ok 1 tree_checks" >>"$res/tree.ktap"
grep -E '^ *(not )?ok|#' "$res/tree.ktap" | sed -n '3,$p'

echo "== kernel log scan"
cat "$res/console.log" "$res/console-board.log" "$res/console-net.log" \
	"$res/console-card.log" "$res"/console-net-pair-*.log 2>/dev/null >"$res/consoles.log" || true
"$TOP/tests/kernel-log-check.sh" "$res/consoles.log" >"$res/kernel-log.ktap" || true

echo "== parser cross-check against kunit.py"
check=0
"$TOP/tests/ktap-crosscheck.sh" "$img/kernel/source" "$TOP"/tools/bsp/tests/data/*.log \
	"$res/console.log" >"$res/crosscheck.txt" 2>&1 || check=$?
grep -v '^ok ' "$res/crosscheck.txt" || true
echo "$(grep -c '^ok ' "$res/crosscheck.txt") logs agree with kunit.py"

echo "== results ($res)"
cat "$res/console.log" "$res/board.ktap" "$res/tree.ktap" "$res/kernel-log.ktap" \
	"$res/bootloader.ktap" 2>/dev/null >"$res/all.log" || true
parse=0
"$CARGO_TARGET_DIR/release/bsp" results "$res/all.log" --out "$res" --board "$board" \
	--arch "$ARCH" $(for s in $KUNIT_SUITES $BOARD_SUITES tree_checks kernel_log; do
		printf ' --expect-suite %s' "$s"; done) || parse=$?
[ "$boot" = 0 ] && [ "$check" = 0 ] && [ "$parse" = 0 ]
