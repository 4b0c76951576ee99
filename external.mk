# Rust BSP: the packages of this tree (package/*/); the kernel glue is in linux/.
include $(sort $(wildcard $(BR2_EXTERNAL_RUST_BSP_PATH)/package/*/*.mk))
