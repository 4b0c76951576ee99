################################################################################
#
# Rust BSP drivers: kernel extension
#
################################################################################

LINUX_EXTENSIONS += rust-bsp

define RUST_BSP_PREPARE_KERNEL
	$(BR2_EXTERNAL_RUST_BSP_PATH)/linux/install-rust-drivers.sh \
		$(BR2_EXTERNAL_RUST_BSP_PATH)/rust-drivers $(LINUX_DIR)
endef
