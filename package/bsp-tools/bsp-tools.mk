################################################################################
#
# bsp-tools
#
################################################################################

# tools/bsp of this tree, for the target; Buildroot's cargo infrastructure vendors its
# dependencies (Cargo.lock at the tree's root) at download time.
BSP_TOOLS_SITE = $(BR2_EXTERNAL_RUST_BSP_PATH)
BSP_TOOLS_SITE_METHOD = local
BSP_TOOLS_SUBDIR = tools/bsp
BSP_TOOLS_LICENSE = GPL-2.0
# /etc/bsp/board, written by the same script as outside Buildroot (an unknown board name
# stops the build there, listing the known ones)
define BSP_TOOLS_INSTALL_BOARD_FILE
	mkdir -p $(TARGET_DIR)/etc/bsp
	$(BR2_EXTERNAL_RUST_BSP_PATH)/scripts/bsp-board-file.sh \
		$(call qstrip,$(BR2_PACKAGE_BSP_TOOLS_BOARD)) >$(TARGET_DIR)/etc/bsp/board
endef
BSP_TOOLS_POST_INSTALL_TARGET_HOOKS += BSP_TOOLS_INSTALL_BOARD_FILE

$(eval $(cargo-package))
