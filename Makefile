# Rust BSP: build, boot and test the board images. `make help` lists the targets.
BOARD ?= imx8mp-evk
export BSP_CACHE ?= $(HOME)/.cache/rust-bsp

.PHONY: help setup kernel image run test test-debug bench host-test clean-results .setup-check buildroot-check \
	dt-check

help:
	@echo "make run     build the image for BOARD (default $(BOARD)) and boot it in QEMU"
	@echo "make test    host unit tests, then a headless boot with KUnit results in results/"
	@echo "make test-debug  the same tests on the lockdep/KASAN/kmemleak kernel"
	@echo "make bench   C drivers against ours in the same QEMU (figures, ratios)"
	@echo "make setup   install the host packages and fetch the sources (run it as root)"
	@echo "make kernel  / make image   build steps on their own"
	@echo "make buildroot-check BUILDROOT=/path   our defconfigs against a Buildroot tree"
	@echo "make dt-check   dt-validate and dtc on dts/*.dts (needs the kernel source: make kernel)"
	@echo "Outputs are cached in $(BSP_CACHE)."

setup:
	@scripts/setup-host.sh

# Every entry point checks the host first and sets it up when something is missing.
.setup-check:
	@scripts/setup-host.sh --check || scripts/setup-host.sh

kernel: .setup-check
	@scripts/build-kernel.sh $(BOARD)

image: .setup-check
	@scripts/build-image.sh $(BOARD)

run: .setup-check
	@scripts/run.sh $(BOARD)

host-test: .setup-check
	@CARGO_TARGET_DIR=$(BSP_CACHE)/cargo-target cargo test -q --workspace --locked

test: .setup-check
	@scripts/test.sh $(BOARD)

# The same tests on the debug kernel (lockdep, PROVE_RAW_LOCK_NESTING, KASAN, kmemleak).
test-debug: .setup-check
	@BOOT_TIMEOUT=900 scripts/test.sh $(BOARD) debug

# C drivers against ours in the same QEMU: figures and ratios, not a pass/fail test.
bench: .setup-check
	@scripts/bench.sh $(BOARD)

clean-results:
	rm -rf results

# Buildroot's own kconfig must read each configs/*_defconfig back unchanged. BUILDROOT is a
# Buildroot source tree of your choice; nothing there is built.
buildroot-check:
	@[ -n "$(BUILDROOT)" ] || \
		{ echo "usage: make buildroot-check BUILDROOT=/path/to/buildroot" >&2; exit 2; }
	@tests/buildroot/check-defconfig.sh "$(BUILDROOT)"

dt-check:
	@tests/dt/validate.sh
