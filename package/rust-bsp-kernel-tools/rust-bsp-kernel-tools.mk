################################################################################
#
# rust-bsp-kernel-tools
#
################################################################################

# The Rust standard library sources for the kernel (RUST_LIB_SRC). rustup ships them as the
# rust-src component, which Buildroot's rust-bin does not install; they are the "library"
# folder of the rustc source release, so that release is the download. Its version must be
# the host rustc's: the kernel compiles core and alloc with that rustc. The archive is the
# one host-rust builds from (same download folder), so a source-built rustc fetches it once.
ifeq ($(BR2_PACKAGE_HOST_RUST),y)
RUST_BSP_KERNEL_TOOLS_VERSION = $(RUST_VERSION)
else
RUST_BSP_KERNEL_TOOLS_VERSION = $(RUST_BIN_VERSION)
endif
RUST_BSP_KERNEL_TOOLS_SITE = https://static.rust-lang.org/dist
RUST_BSP_KERNEL_TOOLS_SOURCE = rustc-$(RUST_BSP_KERNEL_TOOLS_VERSION)-src.tar.xz
RUST_BSP_KERNEL_TOOLS_DL_SUBDIR = rust
RUST_BSP_KERNEL_TOOLS_LICENSE = Apache-2.0 or MIT
RUST_BSP_KERNEL_TOOLS_LICENSE_FILES = LICENSE-APACHE LICENSE-MIT

# bindgen loads libclang at run time; host-rust-bindgen depends on host-clang for that.
HOST_RUST_BSP_KERNEL_TOOLS_DEPENDENCIES = host-rustc host-rust-bindgen
ifeq ($(BR2_PACKAGE_HOST_RUST_BSP_KERNEL_TOOLS_LLVM),y)
HOST_RUST_BSP_KERNEL_TOOLS_DEPENDENCIES += host-clang host-lld host-llvm
endif

RUST_BSP_KERNEL_TOOLS_TOP = rustc-$(RUST_BSP_KERNEL_TOOLS_VERSION)-src

# Only the library sources and the licence texts: the rest of the release is the compiler.
define HOST_RUST_BSP_KERNEL_TOOLS_EXTRACT_CMDS
	$(call suitable-extractor,$(HOST_RUST_BSP_KERNEL_TOOLS_SOURCE)) \
		$(HOST_RUST_BSP_KERNEL_TOOLS_DL_DIR)/$(HOST_RUST_BSP_KERNEL_TOOLS_SOURCE) | \
		$(TAR) -C $(@D) --strip-components=1 $(TAR_OPTIONS) - \
			$(RUST_BSP_KERNEL_TOOLS_TOP)/library \
			$(RUST_BSP_KERNEL_TOOLS_TOP)/LICENSE-APACHE \
			$(RUST_BSP_KERNEL_TOOLS_TOP)/LICENSE-MIT
endef

# Where the kernel looks by default too: <rustc sysroot>/lib/rustlib/src/rust/library.
HOST_RUST_BSP_KERNEL_TOOLS_LIB_SRC = $(HOST_DIR)/lib/rustlib/src/rust/library

define HOST_RUST_BSP_KERNEL_TOOLS_INSTALL_CMDS
	rm -rf $(HOST_RUST_BSP_KERNEL_TOOLS_LIB_SRC)
	mkdir -p $(dir $(HOST_RUST_BSP_KERNEL_TOOLS_LIB_SRC))
	cp -a $(@D)/library $(HOST_RUST_BSP_KERNEL_TOOLS_LIB_SRC)
endef

# A rustc of another version would fail on these sources deep inside the kernel build.
define HOST_RUST_BSP_KERNEL_TOOLS_CHECK_RUSTC_VERSION
	$(Q)found=`$(HOST_DIR)/bin/rustc --version | cut -d' ' -f2`; \
	if [ "$$found" != "$(RUST_BSP_KERNEL_TOOLS_VERSION)" ]; then \
		echo "rust-bsp-kernel-tools: library sources are $(RUST_BSP_KERNEL_TOOLS_VERSION)" \
			"but host rustc is $$found" >&2; \
		exit 1; \
	fi
endef
HOST_RUST_BSP_KERNEL_TOOLS_POST_INSTALL_HOOKS += HOST_RUST_BSP_KERNEL_TOOLS_CHECK_RUSTC_VERSION

$(eval $(host-generic-package))
