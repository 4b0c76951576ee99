################################################################################
#
# rust-bsp
#
################################################################################

# The Rust drivers of this tree (rust-drivers/) as a package: Buildroot's kernel extension
# infrastructure makes the kernel's patch step depend on a package named like the extension
# (linux/linux-ext-rust-bsp.mk), and RUST_BSP_DIR is the copy the extension adds to the
# kernel. Nothing is built or installed here; the kernel build compiles the drivers.
RUST_BSP_SITE = $(BR2_EXTERNAL_RUST_BSP_PATH)/rust-drivers
RUST_BSP_SITE_METHOD = local
RUST_BSP_LICENSE = GPL-2.0
RUST_BSP_INSTALL_TARGET = NO

$(eval $(generic-package))
