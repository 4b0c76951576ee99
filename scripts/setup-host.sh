#!/bin/sh
# Install what the build needs on a Debian 12 (bookworm) host, then fetch the kernel source
# and bindgen into the build cache. Host packages come only from bookworm, bookworm-security
# and bookworm-backports; target packages never touch the host (see private-apt.sh).
# Usage: setup-host.sh [--check | --dt-tools]   (--check: exit 1 if anything is missing,
# change nothing; --dt-tools: only the device tree checker of tests/dt/, see install_dt_tools)
set -eu
. "$(dirname "$0")/lib.sh"

BINDGEN_VERSION=0.73.2
HOST_PACKAGES="rustc-web rust-web-src rust-web-clippy rustfmt-web cargo-web
 clang-19 lld-19 llvm-19 libclang-19-dev make bc bison flex libelf-dev libssl-dev cpio kmod
 xz-utils device-tree-compiler genimage bmap-tools mtools dosfstools e2fsprogs fdisk
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross python3 ca-certificates
 dpkg-dev swig python3-dev python3-setuptools"
BACKPORTS_PACKAGES="qemu-system-arm qemu-system-misc"
# Only for --dt-tools (tests/dt/): a venv, and what building pylibfdt there takes.
DT_PACKAGES="python3-venv swig python3-dev"
DEB_NAME=$(cut -d' ' -f3 "$TOP/board/common/linux-source.sha256")

# missing_packages: host packages not installed yet (QEMU must be the 10.x backport).
missing_packages() {
	for p in $HOST_PACKAGES $BACKPORTS_PACKAGES; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			echo "$p"
	done
	qemu-system-aarch64 --version 2>/dev/null | grep -q 'version 10\.' || echo qemu-system-arm
}

# install_packages: add bookworm-backports if needed, then install (root only).
install_packages() {
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ || cat \
		>/etc/apt/sources.list.d/bookworm-backports.sources <<'EOT'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$HOST_PACKAGES >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-t bookworm-backports $BACKPORTS_PACKAGES >/dev/null
}

# fetch_kernel_source: Debian's linux-source-7.3 package, checked against our pinned hash.
fetch_kernel_source() {
	[ -f "$BSP_CACHE/dl/$DEB_NAME" ] && return 0
	mkdir -p "$BSP_CACHE/dl"
	pkg=$(echo "$DEB_NAME" | sed 's/_\(.*\)_all\.deb$/=\1/')
	(cd "$BSP_CACHE/dl" && "$TOP/scripts/private-apt.sh" download "$pkg" >/dev/null &&
		sha256sum -c --quiet "$TOP/board/common/linux-source.sha256") ||
		die "could not fetch $DEB_NAME with a matching sha256"
}

# install_bindgen: bindgen-cli at a pinned version, into the cache, not the host.
install_bindgen() {
	bindgen --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$" && return 0
	cargo=$(command -v cargo || echo /usr/bin/cargo)
	"$cargo" install -q --locked --root "$BSP_CACHE/tools" "bindgen-cli@$BINDGEN_VERSION"
}

# install_dt_tools: dtschema (dt-validate, dt-mk-schema) at the versions pinned in
# tests/dt/requirements.txt, in a venv in the cache rather than the host's Python.
install_dt_tools() {
	venv=$BSP_CACHE/venv
	req=$TOP/tests/dt/requirements.txt
	cmp -s "$req" "$venv/requirements.txt" 2>/dev/null && return 0
	rm -rf "$venv"
	/usr/bin/python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check -r "$req" ||
		die "could not install dtschema into $venv"
	cp "$req" "$venv/requirements.txt"
}

if [ "${1:-}" = --dt-tools ]; then
	missing=$(for p in $DT_PACKAGES; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			echo "$p"
	done | tr '\n' ' ')
	if [ -n "$missing" ] && [ "$(id -u)" != 0 ]; then
		echo "missing host packages: $missing" >&2
		echo "run as root:  sudo $TOP/scripts/setup-host.sh --dt-tools" >&2
		exit 1
	fi
	if [ -n "$missing" ]; then
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			$missing >/dev/null
	fi
	install_dt_tools
	echo "dtschema ready: $("$BSP_CACHE/venv/bin/dt-validate" --version)"
	exit 0
fi

missing=$(missing_packages | sort -u | tr '\n' ' ')
if [ "${1:-}" = --check ]; then
	[ -z "$missing" ] && [ -f "$BSP_CACHE/dl/$DEB_NAME" ] && bindgen --version >/dev/null 2>&1
	exit
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing host packages: $missing" >&2
		echo "run as root:  sudo $TOP/scripts/setup-host.sh" >&2
		exit 1
	fi
	echo "installing host packages: $missing"
	install_packages
fi
fetch_kernel_source
install_bindgen
echo "host ready: $(rustc --version), $(bindgen --version), $(qemu-system-aarch64 --version | head -1)"
