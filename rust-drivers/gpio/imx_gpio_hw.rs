// SPDX-License-Identifier: GPL-2.0

//! Register model of the i.MX GPIO bank, free of kernel dependencies.
//!
//! One bank drives up to 32 pads. DR holds output levels, GDIR selects outputs, PSR samples the
//! pads; ICR1/ICR2, IMR, ISR and EDGE_SEL handle interrupts. This module only computes register
//! values; the driver does the MMIO. The same file is built into the kernel driver and into a
//! host crate, so the logic can be tested against a simulated register file.

/// Register offsets of one GPIO bank generation.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    /// Data register: output levels.
    pub dr: usize,
    /// Direction register: 1 = output.
    pub gdir: usize,
    /// Pad status register: sampled pad levels.
    pub psr: usize,
    /// Interrupt configuration, lines 0-15.
    pub icr1: usize,
    /// Interrupt configuration, lines 16-31.
    pub icr2: usize,
    /// Interrupt mask register: 1 = enabled.
    pub imr: usize,
    /// Interrupt status register, write 1 to clear.
    pub isr: usize,
    /// Edge select register (both edges), where the bank has one.
    pub edge_sel: Option<usize>,
}

/// i.MX31 banks: no EDGE_SEL.
pub const IMX31: Layout = Layout {
    dr: 0x00,
    gdir: 0x04,
    psr: 0x08,
    icr1: 0x0c,
    icr2: 0x10,
    imr: 0x14,
    isr: 0x18,
    edge_sel: None,
};

/// i.MX35 and later banks (i.MX7, i.MX8 families): EDGE_SEL at 0x1c.
pub const IMX35: Layout = Layout {
    edge_sel: Some(0x1c),
    ..IMX31
};

/// Bytes of register space a bank of these layouts uses.
pub const WINDOW: usize = 0x20;

/// Lines in one bank.
pub const LINES: u32 = 32;

/// Returns the mask of line `line`.
pub const fn bit(line: u32) -> u32 {
    1 << line
}

/// Returns `reg` with line `line` set to `value`.
pub const fn with_line(reg: u32, line: u32, value: bool) -> u32 {
    if value {
        reg | bit(line)
    } else {
        reg & !bit(line)
    }
}

/// Returns `reg` with the lines in `mask` taken from `bits`.
pub const fn merge(reg: u32, mask: u32, bits: u32) -> u32 {
    (reg & !mask) | (bits & mask)
}

/// Levels as gpiolib reports them: outputs read back DR, inputs read the pad.
pub const fn levels(dr: u32, psr: u32, gdir: u32) -> u32 {
    (dr & gdir) | (psr & !gdir)
}

/// Mask of the lines `0..ngpio`.
pub const fn line_mask(ngpio: u32) -> u32 {
    if ngpio >= LINES {
        u32::MAX
    } else {
        bit(ngpio) - 1
    }
}
