#!/bin/sh
# Check our device trees with dtc's checks and with dt-validate (dtschema) against the
# kernel's bindings. Each of our .dts files is compiled as the kernel build compiles it
# (cpp with the kernel's include folders, then dtc), and so is the kernel's board .dts it
# includes; tests/dt/classify.py then compares the two: the check fails only on diagnostics
# for nodes we add or change. Those the kernel's own board DT has as well are listed apart.
# Usage: tests/dt/validate.sh [DTS...]   (default: every dts/*.dts)
# Needs the kernel source in the cache (make kernel unpacks it) and the dtschema venv,
# which scripts/setup-host.sh --dt-tools makes (run here when it is missing).
set -eu

me=validate.sh
top=$(cd "$(dirname "$0")/../.." && pwd)
BSP_CACHE=${BSP_CACHE:-$HOME/.cache/rust-bsp}
PATH=/usr/bin:/bin:$PATH
venv=$BSP_CACHE/venv

# die MESSAGE: one error line, then exit 1
die() {
	echo "$me: $*" >&2
	exit 1
}

# kernel_source: the newest unpacked kernel tree in the cache (bindings and DTS includes are
# the same in all of them: our patches touch only rust/)
kernel_source() {
	ready=$(ls -dt "$BSP_CACHE"/src/linux-7.3.4-*/.bsp-ready 2>/dev/null | head -n 1)
	[ -n "$ready" ] || die "no kernel source in $BSP_CACHE/src: run make kernel first"
	dirname "$ready"
}

# schema: the kernel's bindings processed by dt-mk-schema, made once for each content of the
# bindings folder and each dtschema version
schema() {
	version=$("$venv/bin/dt-mk-schema" --version 2>&1 | tr -cd '0-9.')
	key=$(cd "$ksrc" && find Documentation/devicetree/bindings -type f | sort | xargs cat |
		sha256sum | cut -c1-16)
	out=$BSP_CACHE/dt/schema-$key-$version.json
	if [ ! -f "$out" ]; then
		echo "processing the kernel's bindings with dt-mk-schema (about two minutes)" >&2
		mkdir -p "$BSP_CACHE/dt"
		"$venv/bin/dt-mk-schema" -j -o "$out.tmp" "$ksrc/Documentation/devicetree/bindings" ||
			die "dt-mk-schema failed"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# compile DTS OUT: OUT.dtb and OUT.dtc.log (dtc's warnings) from DTS, then OUT.json from
# dt-validate. dt-validate exits 0 whatever it finds: the JSON is what counts.
compile() {
	cpp -nostdinc -I "$ksrc/include" -I "$dts_root" -I "$ksrc/scripts/dtc/include-prefixes" \
		-undef -D__DTS__ -x assembler-with-cpp -o "$2.pre.dts" "$1" ||
		die "cpp failed on $1"
	dtc -I dts -O dtb -b 0 -i "$(dirname "$1")" -i "$dts_root" -o "$2.dtb" "$2.pre.dts" \
		2>"$2.dtc.log" || { cat "$2.dtc.log" >&2; die "dtc failed on $1"; }
	"$venv/bin/dt-validate" -s "$processed" --json-output "$2.json" "$2.dtb" >/dev/null 2>&1 ||
		die "dt-validate failed on $2.dtb"
}

# base_of DTS: the kernel .dts that DTS includes, found under some arch/*/boot/dts/
base_of() {
	inc=$(sed -n 's/^#include "\(.*\.dts\)".*/\1/p' "$1" | head -n 1)
	[ -n "$inc" ] || die "$1 includes no kernel .dts: nothing to compare with"
	for d in "$ksrc"/arch/*/boot/dts; do
		[ -f "$d/$inc" ] && { echo "$d/$inc"; return 0; }
	done
	die "$1 includes $inc, which is not in $ksrc/arch/*/boot/dts"
}

command -v cpp >/dev/null && command -v dtc >/dev/null || die "cpp or dtc missing: run make setup"
[ -x "$venv/bin/dt-validate" ] || "$top/scripts/setup-host.sh" --dt-tools ||
	die "no dtschema venv in $venv"
ksrc=$(kernel_source)
processed=$(schema)
if [ $# -eq 0 ]; then
	set -- "$top"/dts/*.dts
	[ -f "$1" ] || die "no .dts in $top/dts"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dt-validate.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

failed=0
for dts in "$@"; do
	[ -f "$dts" ] || die "$dts not found"
	base=$(base_of "$dts")
	dts_root=${base%/boot/dts/*}/boot/dts
	name=$(basename "$dts" .dts)
	echo "== $name (on ${base#"$ksrc"/})"
	compile "$base" "$work/base-$name"
	compile "$dts" "$work/$name"
	"$venv/bin/python3" "$top/tests/dt/classify.py" \
		"$work/base-$name.dtb" "$work/base-$name.dtc.log" "$work/base-$name.json" \
		"$work/$name.dtb" "$work/$name.dtc.log" "$work/$name.json" || failed=1
done
exit $failed
