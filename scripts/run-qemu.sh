#!/bin/bash
# Boot a board's kernel with its SD card image in QEMU: the kernel is loaded directly
# (-kernel, -dtb), the card holds the root file system.
#
# Usage: run-qemu.sh BOARD KERNEL_DIR IMAGE [--headless LOGFILE [--timeout SECONDS]]
#                    [--snapshot] [--qtest SOCKET] [--monitor SOCKET] [--netdev SPEC]
#                    [--mac ADDRESS] [--extra QEMU_ARGS...]
#   By default the board's console is this terminal (standard input and output) and IMAGE
#   keeps what the guest writes.
#   --headless: the console goes to LOGFILE and IMAGE is never written (-snapshot). QEMU is
#     stopped, with status 0, once the boot's KUnit run has ended and userspace reports
#     "bsp: userspace ready"; after SECONDS (default 300) it is stopped with status 124.
#   --snapshot: IMAGE is never written.
#   --qtest: QEMU serves the qtest protocol on unix socket SOCKET beside the running guest
#     (the host drives GPIO inputs and watches outputs through it, see tests/board/).
#   --monitor: the QEMU monitor (HMP) is on unix socket SOCKET instead of the console.
#   --netdev: the back-end of the board's Ethernet port, a QEMU -netdev SPEC without its id
#     (the id is n0, the name the monitor's set_link takes); default user,restrict=on, which
#     reaches no other host. Commas in a path inside SPEC must be doubled by the caller.
#   --mac: the port's MAC address (default QEMU's, 52:54:00:12:34:56).
#   --extra: every argument after it is passed to QEMU as it is.
set -eu

me=run-qemu.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
ready_line='bsp: userspace ready'

# usage: print the synopsis and stop with status 2
usage() {
	echo "usage: $me BOARD KERNEL_DIR IMAGE [--headless LOGFILE [--timeout SECONDS]]" \
		"[--snapshot] [--qtest SOCKET] [--monitor SOCKET] [--netdev SPEC] [--mac ADDRESS]" \
		"[--extra QEMU_ARGS...]" >&2
	exit 2
}

# need_file FILE: stop unless FILE exists
need_file() {
	[ -f "$1" ] || die "$1 not found"
}

# board_command BOARD_DIR KERNEL_DIR IMAGE SERIAL: set the array qemu to the board's QEMU
# command line, with the console UART on chardev spec SERIAL and the Ethernet port on the
# back-end $netdev (MAC $mac if set). The machine comes from board.conf's QEMU_MACHINE, so
# every board built on the same SoC board boots alike.
board_command() {
	local drive=${3//,/,,}	# QEMU option values escape a comma by doubling it
	local QEMU_MACHINE= KERNEL_DTB= dtb
	. "$1/board.conf"
	dtb=$2/${KERNEL_DTB##*/}
	case $QEMU_MACHINE in
	imx8mp-evk)
		command -v qemu-system-aarch64 >/dev/null ||
			die "qemu-system-aarch64 not found: run make setup"
		need_file "$2/Image"
		need_file "$dtb"
		# The console is UART2 (ttymxc1), QEMU's second serial port. The card goes into
		# uSDHC2, the EVK's microSD slot, which Linux names mmcblk1.
		qemu=(qemu-system-aarch64 -M imx8mp-evk -smp 4 -m 2G -display none
			-serial null -serial "$4"
			-kernel "$2/Image" -dtb "$dtb"
			-append "console=ttymxc1,115200 root=/dev/mmcblk1p2 rootwait rw"
			-drive "file=$drive,if=sd,bus=1,format=raw"
			-netdev "$netdev,id=n0" -net "nic,netdev=n0${mac:+,macaddr=$mac}")
		;;
	*)
		die "no QEMU machine '$QEMU_MACHINE' set up (QEMU_MACHINE in $1/board.conf)"
		;;
	esac
}

# host_sockets QTEST MONITOR: add the qtest and monitor sockets named (if not empty) to qemu.
# qtest needs TCG named explicitly: this QEMU has no qtest accelerator to fall back on.
host_sockets() {
	if [ -n "$1" ]; then
		qemu+=(-accel tcg -chardev "socket,id=qtc,path=${1//,/,,},server=on,wait=off"
			-object "qtest,id=qt0,chardev=qtc,log=none")
	fi
	if [ -n "$2" ]; then
		qemu+=(-monitor "unix:${2//,/,,},server=on,wait=off")
	fi
}

# kunit_done LOG: true unless LOG shows a KUnit run that has not printed all its top-level
# results yet. KUnit prints "KTAP version 1" and the plan "1..N" unindented, then one
# unindented "ok"/"not ok" line per suite; suite contents are indented.
kunit_done() {
	awk '
		{ sub(/\r$/, ""); sub(/^\[ *[0-9]+\.[0-9]+\] /, "") }
		!started && /^KTAP version [0-9]+$/ { started = 1; next }
		started && plan == "" && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
		started && /^(not )?ok [0-9]+/ { results++ }
		END { exit !(!started || (plan != "" && results >= plan)) }
	' "$1"
}

# boot_finished LOG: true once LOG shows the end of KUnit and userspace's ready line
boot_finished() {
	grep -q "$ready_line" "$1" && kunit_done "$1"
}

# stop_qemu: end the QEMU started by this script, if it still runs
stop_qemu() {
	if [ -n "${qemu_pid:-}" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid"
		wait "$qemu_pid" 2>/dev/null || true
	fi
	qemu_pid=
}

# run_headless LOG SECONDS: boot with the console in LOG and wait for the end of the boot
run_headless() {
	local status
	[ ! -d "$1" ] || die "log file $1 is a directory"
	mkdir -p "$(dirname "$1")"
	"${qemu[@]}" -snapshot </dev/null >"$1" 2>&1 &
	qemu_pid=$!
	trap 'stop_qemu; exit 130' INT TERM
	SECONDS=0
	local start kunit=
	start=$(date +%s%N)
	while [ "$SECONDS" -lt "$2" ]; do
		sleep 0.2
		# The wall-clock time from QEMU's start to the last top-level KTAP result.
		if [ -z "$kunit" ] && grep -q '^KTAP version' "$1" && kunit_done "$1"; then
			kunit=$(( ($(date +%s%N) - start) / 1000000 ))
			echo "$me: KUnit finished ${kunit} ms after QEMU started"
		fi
		if boot_finished "$1"; then
			stop_qemu
			echo "$me: userspace ready after ${SECONDS}s; log in $1"
			return 0
		fi
		if ! kill -0 "$qemu_pid" 2>/dev/null; then
			status=0
			wait "$qemu_pid" || status=$?
			qemu_pid=
			die "QEMU ended (status $status) before '$ready_line'; log in $1"
		fi
	done
	stop_qemu
	echo "$me: timeout: no '$ready_line' and KUnit end within $2s; log in $1" >&2
	exit 124
}

[ $# -ge 3 ] || usage
board=$(board_dir "$1")
kernel=$2
image=$3
shift 3
log=
timeout=300
snapshot=()
qtest=
monitor=
netdev=user,restrict=on
mac=
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--headless) [ $# -ge 2 ] || usage; log=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--snapshot) snapshot=(-snapshot); shift ;;
	--qtest) [ $# -ge 2 ] || usage; qtest=$2; shift 2 ;;
	--monitor) [ $# -ge 2 ] || usage; monitor=$2; shift 2 ;;
	--netdev) [ $# -ge 2 ] || usage; netdev=$2; shift 2 ;;
	--mac) [ $# -ge 2 ] || usage; mac=$2; shift 2 ;;
	--extra) shift; extra=("$@"); break ;;
	*) usage ;;
	esac
done
case $timeout in '' | *[!0-9]*) die "--timeout takes whole seconds, not '$timeout'" ;; esac
need_file "$image"

if [ -n "$log" ]; then
	board_command "$board" "$kernel" "$image" stdio
	host_sockets "$qtest" "$monitor"
	qemu+=("${extra[@]}")
	run_headless "$log" "$timeout"
elif [ -n "$monitor" ]; then
	board_command "$board" "$kernel" "$image" stdio
	host_sockets "$qtest" "$monitor"
	qemu+=("${snapshot[@]}" "${extra[@]}")
	exec "${qemu[@]}"
else
	# mon: multiplexes QEMU's monitor onto the terminal, which makes Ctrl-A X work
	board_command "$board" "$kernel" "$image" mon:stdio
	host_sockets "$qtest" ""
	qemu+=("${snapshot[@]}" "${extra[@]}")
	echo "$me: console on this terminal; quit with Ctrl-A X (Ctrl-A C: QEMU monitor)" >&2
	exec "${qemu[@]}"
fi
