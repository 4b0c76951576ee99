# Rust BSP: build, boot and test the board images. `make help` lists the targets.
BOARD ?= imx8mp-evk
export BSP_CACHE ?= $(HOME)/.cache/rust-bsp

.PHONY: help setup kernel image run test host-test clean-results .setup-check

help:
	@echo "make run     build the image for BOARD (default $(BOARD)) and boot it in QEMU"
	@echo "make test    host unit tests, then a headless boot with KUnit results in results/"
	@echo "make setup   install the host packages and fetch the sources (asks for root once)"
	@echo "make kernel  / make image   build steps on their own"
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
	@cargo test -q --workspace --locked

test: .setup-check
	@scripts/test.sh $(BOARD)

clean-results:
	rm -rf results
