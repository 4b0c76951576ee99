# Rust BSP: packages of this tree (none yet besides the kernel extension in linux/).
include $(sort $(wildcard $(BR2_EXTERNAL_RUST_BSP_PATH)/package/*/*.mk))
