#!/bin/sh
# Check a console log for kernel splats and print the verdict as a KTAP suite `kernel_log`,
# so the results parser counts it with the KUnit suites.
# Usage: kernel-log-check.sh CONSOLE_LOG
set -eu
log=${1:?usage: kernel-log-check.sh CONSOLE_LOG}
[ -f "$log" ] || { echo "kernel-log-check.sh: $log not found" >&2; exit 2; }

# check NAME REGEX: one KTAP result, failing with the first matching line.
n=0
check() {
	n=$((n + 1))
	hit=$(grep -E -m1 "$2" "$log" | tr -d '\r' | sed 's/^\[[ 0-9.]*\] //' || true)
	if [ -z "$hit" ]; then
		echo "    ok $n $1"
	else
		echo "    # $1: $hit"
		echo "    not ok $n $1"
		failed=1
	fi
}

failed=0
echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: kernel_log"
echo "    1..5"
check no_oops_or_panic 'Oops|Kernel panic|Unable to handle kernel|Internal error:'
check no_bug_or_warning 'BUG:|WARNING:|Call trace:'
check no_lockdep_report 'Invalid wait context|possible recursive locking|inconsistent lock state|possible circular locking|lock held when returning'
check no_kasan_or_ubsan_report 'KASAN:|UBSAN:'
check no_memory_leak 'suspected memory leak'
if [ "$failed" = 0 ]; then echo "ok 1 kernel_log"; else echo "not ok 1 kernel_log"; fi
