################################################################################
#
# Rust BSP drivers: kernel extension
#
################################################################################

LINUX_EXTENSIONS += rust-bsp

# RUST_BSP_DIR is package/rust-bsp's copy of rust-drivers/ (the infrastructure builds the
# package named like the extension before the kernel's patch step).
define RUST_BSP_PREPARE_KERNEL
	$(BR2_EXTERNAL_RUST_BSP_PATH)/linux/install-rust-drivers.sh $(RUST_BSP_DIR) $(LINUX_DIR)
endef
