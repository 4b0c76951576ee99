#!/bin/sh
# Run apt-get against a private apt root in the build cache, for target (arm64, riscv64)
# packages, the arch-all kernel source and Debian source packages. The host's package state
# is never touched.
# Usage: private-apt.sh update | download PKG=VER... | source PKG=VER...
# (download and source write into the current directory; source verifies the .dsc and its
# tarballs against the signed Sources index but does not unpack)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${BSP_CACHE:-$HOME/.cache/rust-bsp}/apt
mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/etc/sources.list.d" \
	"$root/etc/preferences.d"
touch "$root/dpkg.status"
# A changed source list makes the package lists stale: drop them, the next step updates.
if ! cmp -s "$top/board/common/private-apt.list" "$root/etc/sources.list"; then
	rm -f "$root"/lists/*_Packages* "$root"/lists/*_Sources*
	cp "$top/board/common/private-apt.list" "$root/etc/sources.list"
fi

apt_private() {
	apt-get -q -o Dir::Etc="$root/etc" -o Dir::State="$root" -o Dir::State::Lists="$root/lists" \
		-o Dir::State::status="$root/dpkg.status" -o Dir::Cache="$root" \
		-o APT::Architecture=arm64 -o APT::Architectures::=riscv64 \
		-o APT::Sandbox::User=root "$@"
}

case "${1:-}" in
update)
	apt_private update >/dev/null ;;
download)
	shift
	[ -d "$root/lists" ] && ls "$root/lists" | grep -q Packages || apt_private update >/dev/null
	apt_private download "$@" ;;
source)
	shift
	ls "$root"/lists/*_bookworm_main_source_Sources* >/dev/null 2>&1 || apt_private update >/dev/null
	apt_private source --download-only "$@" ;;
*)
	echo "usage: $0 update | download PKG=VERSION... | source PKG=VERSION..." >&2; exit 2 ;;
esac
