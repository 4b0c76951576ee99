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

/// What an interrupt input reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    /// Low-to-high edge.
    Rising,
    /// High-to-low edge.
    Falling,
    /// Either edge.
    Both,
    /// High level.
    High,
    /// Low level.
    Low,
}

/// ICR field value (two bits per line): low level.
pub const ICR_LOW_LEVEL: u32 = 0;
/// ICR field value: high level.
pub const ICR_HIGH_LEVEL: u32 = 1;
/// ICR field value: rising edge.
pub const ICR_RISING: u32 = 2;
/// ICR field value: falling edge.
pub const ICR_FALLING: u32 = 3;

/// Which ICR register holds `line` (0 = ICR1, 1 = ICR2) and the shift of its field.
pub const fn icr_field(line: u32) -> (usize, u32) {
    ((line / 16) as usize, (line % 16) * 2)
}

/// Returns ICR register value `reg` with the field of `line` set to `code`.
pub const fn with_icr(reg: u32, line: u32, code: u32) -> u32 {
    let (_, shift) = icr_field(line);
    (reg & !(0b11 << shift)) | ((code & 0b11) << shift)
}

/// Returns the field of `line` in ICR register value `reg`.
pub const fn icr_code(reg: u32, line: u32) -> u32 {
    let (_, shift) = icr_field(line);
    (reg >> shift) & 0b11
}

/// Register settings that make a line detect a [`Sense`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriggerSetup {
    /// New ICR field, if the ICR is used.
    pub icr: Option<u32>,
    /// The line's EDGE_SEL bit.
    pub edge_sel: bool,
    /// Both edges emulated by a level trigger that flips after each event (no EDGE_SEL).
    pub emulated_both: bool,
}

/// Settings for `sense` on a bank with or without EDGE_SEL; `level` is the pad's level now,
/// which decides the first level to wait for when both edges are emulated.
pub fn trigger_setup(sense: Sense, has_edge_sel: bool, level: bool) -> TriggerSetup {
    let plain = |code| TriggerSetup {
        icr: Some(code),
        edge_sel: false,
        emulated_both: false,
    };
    match sense {
        Sense::Rising => plain(ICR_RISING),
        Sense::Falling => plain(ICR_FALLING),
        Sense::High => plain(ICR_HIGH_LEVEL),
        Sense::Low => plain(ICR_LOW_LEVEL),
        // EDGE_SEL overrides the ICR field, which stays as it is.
        Sense::Both if has_edge_sel => TriggerSetup {
            icr: None,
            edge_sel: true,
            emulated_both: false,
        },
        Sense::Both => TriggerSetup {
            icr: Some(if level { ICR_LOW_LEVEL } else { ICR_HIGH_LEVEL }),
            edge_sel: false,
            emulated_both: true,
        },
    }
}

/// For an emulated both-edges line: the level trigger to wait for after an event.
pub const fn flipped(code: u32) -> Option<u32> {
    match code {
        ICR_HIGH_LEVEL => Some(ICR_LOW_LEVEL),
        ICR_LOW_LEVEL => Some(ICR_HIGH_LEVEL),
        _ => None,
    }
}

/// Iterates over the set bits of `pending`, lowest first.
pub fn lines(mut pending: u32) -> impl Iterator<Item = u32> {
    core::iter::from_fn(move || {
        if pending == 0 {
            return None;
        }
        let line = pending.trailing_zeros();
        pending &= pending - 1;
        Some(line)
    })
}
