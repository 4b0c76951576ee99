#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Cross-checks `bsp results` against the kernel's kunit.py on the same logs: both write
# kunit.py-style JSON, and the passed/failed/crashed/skipped totals must agree.
#
# Usage: tests/ktap-crosscheck.sh KERNEL_SRC LOG...
#
# Prints "ok <log>" or "MISMATCH <log>: bsp ... kunit.py ..." per log, "skip <log>: why"
# for logs where the two tools intentionally differ, and exits 1 on any mismatch.
#
# Intentional differences (see tools/bsp/src/ktap.rs):
# - Several top-level KTAP documents (built-in suites, then a test module loaded later):
#   bsp merges them, kunit.py reads only the first. Logs named *module-document* are skipped.
# - A suite cut short while the log carries on with another suite: bsp closes it as crashed,
#   kunit.py nests what follows into it. No fixture does this.
# - Crash markers (Oops, BUG:, WARNING:, panics) only name the reason for missing results in
#   bsp; they change no count, so logs with markers are compared like any other.
set -eu

# Prints a usage line and exits.
usage() {
	echo "usage: $0 KERNEL_SRC LOG..." >&2
	exit 2
}

# Prints "passed failed crashed skipped" from the top group of a kunit.py-style JSON file.
totals() {
	python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["misc"]
print(m["passed"], m["failed"], m["crashed"], m["skipped"])' "$1"
}

[ $# -ge 2 ] || usage
kunit_py=$1/tools/testing/kunit/kunit.py
shift
[ -f "$kunit_py" ] || { echo "$0: kunit.py not found at $kunit_py" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --manifest-path "$repo/Cargo.toml" -p bsp
bsp=${CARGO_TARGET_DIR:-$repo/target}/debug/bsp

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for log in "$@"; do
	case $log in
	*module-document*)
		echo "skip $log: several KTAP documents, kunit.py reads only the first"
		continue
		;;
	esac
	[ -f "$log" ] || { echo "MISMATCH $log: no such file"; status=1; continue; }

	# kunit.py changes into the kernel tree, so it needs absolute paths.
	abs=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
	rm -f "$work/kunit.json"
	python3 "$kunit_py" parse --json="$work/kunit.json" "$abs" >/dev/null 2>&1 || true
	"$bsp" results "$abs" --out "$work/bsp" >/dev/null 2>&1 || true
	if [ ! -f "$work/kunit.json" ] || [ ! -f "$work/bsp/results.json" ]; then
		echo "MISMATCH $log: a tool wrote no JSON"
		status=1
		continue
	fi

	ours=$(totals "$work/bsp/results.json")
	theirs=$(totals "$work/kunit.json")
	if [ "$ours" = "$theirs" ]; then
		echo "ok $log"
	else
		echo "MISMATCH $log: bsp $ours kunit.py $theirs (passed failed crashed skipped)"
		status=1
	fi
	rm -f "$work/bsp/results.json"
done
exit $status
