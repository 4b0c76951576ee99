// SPDX-License-Identifier: GPL-2.0

//! Host build of the i.MX ENET driver's descriptor rings.
//!
//! `ring` is the same file the kernel driver compiles (`../fec_ring.rs`). [`sim`] is a MAC
//! that walks the descriptors as QEMU's `imx_fec` model does with enhanced descriptors, so
//! tests can run the rings against it frame by frame.

#[path = "../../fec_ring.rs"]
pub mod ring;
pub mod sim;
