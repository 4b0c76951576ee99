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
BSP_TOOLS_BOARD_CONF = \
	$(wildcard $(BR2_EXTERNAL_RUST_BSP_PATH)/board/*/$(call qstrip,$(BR2_PACKAGE_BSP_TOOLS_BOARD))/board.conf)

# /etc/bsp/board, as scripts/mkrootfs.sh writes it outside Buildroot
define BSP_TOOLS_INSTALL_BOARD_FILE
	$(if $(BSP_TOOLS_BOARD_CONF),,$(error bsp-tools: no board.conf for board \
		'$(BR2_PACKAGE_BSP_TOOLS_BOARD)' under $(BR2_EXTERNAL_RUST_BSP_PATH)/board))
	mkdir -p $(TARGET_DIR)/etc/bsp
	(. $(BSP_TOOLS_BOARD_CONF) && \
		printf 'BOARD=%s\nARCH=%s\nKUNIT_SUITES="%s"\n' \
			$(call qstrip,$(BR2_PACKAGE_BSP_TOOLS_BOARD)) "$$ARCH" "$$KUNIT_SUITES") \
		>$(TARGET_DIR)/etc/bsp/board
endef
BSP_TOOLS_POST_INSTALL_TARGET_HOOKS += BSP_TOOLS_INSTALL_BOARD_FILE

$(eval $(cargo-package))
