################################################################################
#
# Rust BSP: hand the host Rust tools to the kernel (BR2_PACKAGE_HOST_RUST_BSP_KERNEL_TOOLS)
#
################################################################################

# Not a kernel extension: this file is named like one because linux/linux-ext-*.mk files are
# the only files of an external tree that Buildroot reads before it defines the linux
# package. Dependencies added later (external.mk) are not seen by the kernel's rules.

ifeq ($(BR2_PACKAGE_HOST_RUST_BSP_KERNEL_TOOLS),y)

# Kconfig runs scripts/rust_is_available.sh when the configuration is first merged, before
# the kernel's ordinary dependencies are built, and drops CONFIG_RUST if the tools are not
# there yet: so they are configuration dependencies.
LINUX_KCONFIG_DEPENDENCIES += host-rust-bsp-kernel-tools

LINUX_MAKE_FLAGS += \
	RUSTC=$(HOST_DIR)/bin/rustc \
	HOSTRUSTC=$(HOST_DIR)/bin/rustc \
	RUSTDOC=$(HOST_DIR)/bin/rustdoc \
	BINDGEN=$(HOST_DIR)/bin/bindgen \
	RUST_LIB_SRC=$(HOST_RUST_BSP_KERNEL_TOOLS_LIB_SRC)
LINUX_MAKE_ENV += LIBCLANG_PATH=$(HOST_DIR)/lib

# LLVM=<folder>/ makes the kernel take clang, ld.lld, llvm-ar, llvm-nm, llvm-objcopy and the
# other binary tools from that folder; HOSTCC stays the one LINUX_MAKE_FLAGS names.
ifeq ($(BR2_PACKAGE_HOST_RUST_BSP_KERNEL_TOOLS_LLVM),y)
LINUX_MAKE_FLAGS += LLVM=$(HOST_DIR)/bin/
endif

# After the last Kconfig pass: CONFIG_RUST=y or stop, with the kernel's own reason.
define RUST_BSP_KERNEL_TOOLS_CHECK_CONFIG
	$(Q)if ! grep -q '^CONFIG_RUST=y$$' $(LINUX_DIR)/.config; then \
		echo "CONFIG_RUST is not set in the final kernel configuration;" \
			"the kernel's check of the Rust toolchain says:" >&2; \
		$(LINUX_MAKE_ENV) $(BR2_MAKE) $(LINUX_MAKE_FLAGS) -C $(LINUX_DIR) rustavailable >&2; \
		echo "(if it reports no problem, the kernel configuration does not ask for CONFIG_RUST=y)" >&2; \
		exit 1; \
	fi
endef
LINUX_POST_CONFIGURE_HOOKS += RUST_BSP_KERNEL_TOOLS_CHECK_CONFIG

else

# Without the option the kernel would take whatever rustc and bindgen the build host has.
define RUST_BSP_KERNEL_TOOLS_CHECK_CONFIG
	$(Q)if grep -q '^CONFIG_RUST=y$$' $(LINUX_DIR)/.config; then \
		echo "CONFIG_RUST=y needs the host Rust tools of the Rust BSP external tree" \
			"(BR2_PACKAGE_HOST_RUST_BSP_KERNEL_TOOLS)" >&2; \
		exit 1; \
	fi
endef
LINUX_POST_CONFIGURE_HOOKS += RUST_BSP_KERNEL_TOOLS_CHECK_CONFIG

endif
