#!/bin/sh
# Build the `bsp` tool (tools/bsp) for a board's CPU, so that the image can turn its own boot's
# KTAP into JUnit and JSON on the card with the same parser the host uses. The host's rustc
# (Debian's rustc-web) compiles it against the target's standard library from Debian's
# libstd-rust-web-dev of exactly the same version, unpacked into the cache, never installed.
# Usage: build-target-bsp.sh ARCH   (prints the path of the stripped binary on stdout)
set -eu
. "$(dirname "$0")/lib.sh"
arch=${1:?usage: build-target-bsp.sh ARCH}

# Rust target and C linker (for glibc's start files) of each board ARCH
case $arch in
arm64) triple=aarch64-unknown-linux-gnu linker=aarch64-linux-gnu-gcc ;;
*) die "no Rust standard library for ARCH=$arch in bookworm-security: cannot build bsp for it" ;;
esac
command -v "$linker" >/dev/null || die "$linker not found: run make setup"

# sysroot: the target's libstd-rust-web-dev at the host rustc's version, in the cache
version=$(dpkg-query -W -f '${Version}' libstd-rust-web-dev 2>/dev/null) ||
	die "libstd-rust-web-dev not installed: run make setup"
sysroot=$BSP_CACHE/rust-sysroot/$triple-$version
if [ ! -d "$sysroot/usr/lib/rustlib/$triple/lib" ]; then
	dl=$(mktemp -d "$BSP_CACHE/.rust-sysroot.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && "$TOP/scripts/private-apt.sh" download \
		"libstd-rust-web-dev:$arch=$version" >/dev/null) ||
		die "cannot download libstd-rust-web-dev:$arch=$version (bookworm-security)"
	dpkg-deb -x "$dl"/libstd-rust-web-dev_*.deb "$dl/root"
	mkdir -p "$(dirname "$sysroot")"
	rm -rf "$sysroot"
	mv "$dl/root" "$sysroot"
fi

target_env=$(echo "$triple" | tr 'a-z-' 'A-Z_')
env "CARGO_TARGET_${target_env}_LINKER=$linker" \
	"CARGO_TARGET_${target_env}_RUSTFLAGS=--sysroot=$sysroot/usr -C strip=symbols" \
	cargo build -q --release --locked -p bsp --target "$triple" >&2 ||
	die "cargo could not build bsp for $triple"
echo "$CARGO_TARGET_DIR/$triple/release/bsp"
