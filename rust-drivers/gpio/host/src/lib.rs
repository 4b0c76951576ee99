// SPDX-License-Identifier: GPL-2.0

//! Host build of the i.MX GPIO driver's hardware logic.
//!
//! `hw` is the same file the kernel driver compiles (`../imx_gpio_hw.rs`). [`sim`] is a register
//! file that behaves like an i.MX35-style bank, and [`pins`] puts small embedded-hal-style pin
//! traits on top of `hw`, so tests drive the logic the way a user of a line would.

#[path = "../../imx_gpio_hw.rs"]
pub mod hw;
pub mod pins;
pub mod sim;
