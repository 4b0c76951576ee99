# Shared helpers for the build scripts. Source it; it sets TOP and BSP_CACHE.
TOP=$(cd "$(dirname "$0")/.." && pwd)
BSP_CACHE=${BSP_CACHE:-$HOME/.cache/rust-bsp}
# The kernel's Rust must be built by Debian's rustc 1.96 with its rust-src, never by a rustup
# toolchain that may come first in PATH.
PATH=/usr/bin:/bin:/usr/sbin:/sbin:$BSP_CACHE/tools/bin:$PATH
LIBCLANG_PATH=/usr/lib/llvm-19/lib
export BSP_CACHE PATH LIBCLANG_PATH

# die MESSAGE: one error line, then exit 1.
die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# board_dir NAME: the folder of a known board, or the list of boards and exit 2.
board_dir() {
	for d in "$TOP"/board/*/"$1"; do
		[ -f "$d/board.conf" ] && { echo "$d"; return 0; }
	done
	echo "unknown board '$1'; known boards:" >&2
	for d in "$TOP"/board/*/*/board.conf; do
		echo "  $(basename "$(dirname "$d")")" >&2
	done
	exit 2
}

# hash_files FILE...: one sha256 over the names and contents of the files.
hash_files() {
	for f in "$@"; do
		printf '%s\n' "${f#"$TOP"/}"
		cat "$f"
	done | sha256sum | cut -c1-16
}

# Host tools build into the cache too, not into the clone.
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BSP_CACHE/cargo-target}
export CARGO_TARGET_DIR
