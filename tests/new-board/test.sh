#!/bin/sh
# Test scripts/new-board.sh in a scratch copy of the tree (the files git tracks or would
# track; no target/ or results/): the refusals write nothing and exit 2, and a new board
# gets the kernel inputs of the board it comes from, a device tree that differs only in its
# model, and a defconfig whose paths exist; then it builds and boots in QEMU. The build
# shares the cache ($BSP_CACHE) and needs `make setup` done and the host bsp built.
# Usage: tests/new-board/test.sh   (BUILDROOT=/path also checks the new defconfig with
# tests/buildroot/check-defconfig.sh). Prints one "ok"/"not ok" line per check.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
BSP_CACHE=${BSP_CACHE:-$HOME/.cache/rust-bsp}
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BSP_CACHE/cargo-target}
failed=0
count=0

# ok DESCRIPTION / not_ok DESCRIPTION [DETAIL]: one result line
ok() {
	count=$((count + 1))
	echo "ok $count $1"
}
not_ok() {
	count=$((count + 1))
	failed=1
	echo "not ok $count $1"
	if [ -n "${2:-}" ]; then echo "$2" | sed 's/^/# /'; fi
}

# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# tree_state: every file of the copy with its checksum
tree_state() {
	(cd "$copy" && find . -type f ! -path './.bsp-probe.sh' -exec md5sum {} + | sort)
}

# refused DESCRIPTION ARGS...: new-board.sh ARGS must exit 2 with one line and change nothing
refused() {
	desc=$1
	shift
	before=$(tree_state)
	status=0
	err=$("$copy/scripts/new-board.sh" "$@" 2>&1 >/dev/null) || status=$?
	after=$(tree_state)
	if [ "$status" != 2 ]; then
		not_ok "refuses $desc" "exit status $status, not 2: $err"
	elif [ "$before" != "$after" ]; then
		not_ok "refuses $desc" "the tree changed"
	elif [ -z "$err" ]; then
		not_ok "refuses $desc" "no error message"
	else
		ok "refuses $desc ($(echo "$err" | head -n 1))"
	fi
}

# conf BOARD_DIR VAR: VAR as BOARD_DIR/board.conf sets it
conf() {
	(. "$1/board.conf" && eval "echo \"\$$2\"")
}

# same_kernel_inputs FROM_DIR NEW_DIR: same ARCH, image, QEMU machine, suites, and fragment
# files of the same contents, one for one
same_kernel_inputs() {
	for v in ARCH KERNEL_IMAGE QEMU_MACHINE KUNIT_SUITES; do
		[ "$(conf "$1" $v)" = "$(conf "$2" $v)" ] || { echo "$v differs"; return 1; }
	done
	# shellcheck disable=SC2046 # one argument per fragment
	set -- $(conf "$1" KERNEL_FRAGMENTS) -- $(conf "$2" KERNEL_FRAGMENTS)
	froms=
	while [ "$1" != -- ]; do froms="$froms $1"; shift; done
	shift
	for f in $froms; do
		[ $# -gt 0 ] || { echo "fewer fragments"; return 1; }
		[ -f "$copy/$1" ] || { echo "$1 missing"; return 1; }
		cmp "$copy/$f" "$copy/$1" || return 1
		shift
	done
	[ $# -eq 0 ] || { echo "more fragments"; return 1; }
}

# defconfig_paths DEFCONFIG: every $(BR2_EXTERNAL_RUST_BSP_PATH)/... file it names exists
defconfig_paths() {
	for p in $(grep -o 'BR2_EXTERNAL_RUST_BSP_PATH)/[^" ]*' "$1" | sed 's/^[^/]*\///'); do
		[ -e "$copy/$p" ] || { echo "$p does not exist"; return 1; }
	done
}

# dts_only_model FROM_DTS NEW_DTS: both compile (cpp, dtc, the cached kernel source's
# includes) to the same tree but for /model
dts_only_model() {
	for d in "$1" "$2"; do
		n=$work/$(basename "$d" .dts)
		cpp -nostdinc -I "$ksrc/include" -I "$ksrc/arch/arm64/boot/dts" \
			-I "$ksrc/scripts/dtc/include-prefixes" -undef -D__DTS__ \
			-x assembler-with-cpp -o "$n.pre" "$d" &&
			dtc -q -I dts -O dts -o "$n.out" "$n.pre" || return 1
		grep -v '^[[:space:]]*model = ' "$n.out" >"$n.nomodel"
	done
	diff "$work/$(basename "$1" .dts).nomodel" "$work/$(basename "$2" .dts).nomodel"
}

# builds_and_boots BOARD: the copy builds BOARD's image (its kernel shares the build of the
# board it came from through the cache) and QEMU boots it to userspace with the new device
# tree's model and a KUnit run that passes with the board's suites; its outputs are removed
builds_and_boots() {
	img=$("$copy/scripts/build-image.sh" "$1" 2>"$work/build-$1.log") ||
		{ tail -n 5 "$work/build-$1.log"; return 1; }
	kdir=$(readlink -f "$img/kernel")
	status=0
	"$copy/scripts/run-qemu.sh" "$1" "$img/kernel" "$img/sdcard.img" --headless \
		"$work/console-$1.log" --timeout 300 >/dev/null 2>&1 || status=$?
	suites=$(conf "$copy/board/nxp/$1" KUNIT_SUITES)
	# shellcheck disable=SC2046 # one option per suite
	"$CARGO_TARGET_DIR/release/bsp" results "$work/console-$1.log" --out "$work/r-$1" \
		$(for s in $suites; do echo "--expect-suite $s"; done) >"$work/r-$1.txt" 2>&1 ||
		status=1
	report=$(tail -n 1 "$work/r-$1.txt")
	rm -rf "$img" "$kdir"
	[ "$status" = 0 ] || { echo "boot: status $status, KUnit: $report"; return 1; }
	tr -d '\r' <"$work/console-$1.log" | grep -q "Machine model: $1\$" ||
		{ echo "no 'Machine model: $1'"; return 1; }
	echo "$report"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/new-board-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
copy=$work/tree
mkdir "$copy"
(cd "$top" && git ls-files -co --exclude-standard -z | tar -c --null -T - -f -) |
	tar -x -C "$copy" -f -
cat >"$copy/.bsp-probe.sh" <<'EOF'
#!/bin/sh
# board_dir NAME as the build scripts resolve it (TOP is this file's folder's parent)
. "$(dirname "$0")/scripts/lib.sh"
TOP=$(dirname "$0")
board_dir "$1"
EOF
chmod +x "$copy/.bsp-probe.sh"

refused "an existing board" imx8mp-evk
refused "an upper-case name" My-Board
refused "a name starting with a digit" 8mp-carrier
refused "a name starting with '-'" -carrier
refused "'_' in a name" my_board
refused "'.' in a name" my.board
refused "'/' in a name" nxp/board
refused "an empty name" ""
refused "a bad vendor" x-board --vendor Acme
refused "the shared folder as vendor" x-board --vendor common
refused "an unknown --from" x-board --from no-such-board
refused "an unknown option" x-board --colour blue
refused "a name whose dts exists" imx8mp-evk-rust

from=$copy/board/nxp/imx8mp-evk
check "creates my-carrier2" "$copy/scripts/new-board.sh" my-carrier2
new=$copy/board/nxp/my-carrier2
check "board_dir finds my-carrier2" sh -c "[ \"\$('$copy/.bsp-probe.sh' my-carrier2)\" = '$new' ]"
check "same kernel inputs as imx8mp-evk" same_kernel_inputs "$from" "$new"
check "KERNEL_DTB is my-carrier2.dtb, from dts/my-carrier2.dts" \
	sh -c "[ \"\$(. '$new/board.conf'; echo \$KERNEL_DTB)\" = my-carrier2.dtb ] &&
		[ -f '$copy/dts/my-carrier2.dts' ]"
check "boot files name my-carrier2.dtb only" sh -c \
	"grep -q 'my-carrier2.dtb' '$new/genimage.cfg' && grep -q 'fdt /my-carrier2.dtb' \
	'$new/extlinux.conf' && ! grep -q 'imx8mp-evk-rust.dtb' '$new/genimage.cfg' '$new/extlinux.conf'"
check "same Buildroot kernel configuration" cmp "$from/linux.config" "$new/linux.config"
check "defconfig my_carrier2_rust_defconfig names only files that exist" \
	defconfig_paths "$copy/configs/my_carrier2_rust_defconfig"
check "defconfig points at the new board, not the old" sh -c \
	"! grep -q 'imx8mp-evk' '$copy/configs/my_carrier2_rust_defconfig'"
check "defconfig has bsp-tools read my-carrier2's board.conf" grep -qx \
	'BR2_PACKAGE_BSP_TOOLS_BOARD="my-carrier2"' "$copy/configs/my_carrier2_rust_defconfig"
refused "the same name twice" my-carrier2

ksrc=$(ls -dt "$BSP_CACHE"/src/linux-7.3.4-*/.bsp-ready 2>/dev/null | head -n 1)
if [ -n "$ksrc" ]; then
	ksrc=$(dirname "$ksrc")
	check "dts/my-carrier2.dts is the EVK's but for the model" \
		dts_only_model "$copy/dts/imx8mp-evk-rust.dts" "$copy/dts/my-carrier2.dts"
else
	count=$((count + 1))
	echo "ok $count # SKIP device tree comparison: no kernel source in $BSP_CACHE/src"
fi

check "--vendor acme makes board/acme/evk2" "$copy/scripts/new-board.sh" evk2 --vendor acme
check "board_dir finds evk2" sh -c \
	"[ \"\$('$copy/.bsp-probe.sh' evk2)\" = '$copy/board/acme/evk2' ]"
check "evk2's fragments are its own copies" sh -c \
	"grep -q 'board/acme/evk2/linux.fragment' '$copy/board/acme/evk2/board.conf'"
check "evk3 from my-carrier2 works too" "$copy/scripts/new-board.sh" evk3 --from my-carrier2

check "my-carrier2 builds and boots in QEMU, its KUnit suites pass" builds_and_boots my-carrier2

if [ -n "${BUILDROOT:-}" ]; then
	check "Buildroot takes the new defconfigs" "$copy/tests/buildroot/check-defconfig.sh" \
		"$BUILDROOT" my_carrier2_rust_defconfig evk2_rust_defconfig
fi

echo "1..$count"
exit $failed
