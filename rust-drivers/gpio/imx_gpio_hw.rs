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

/// Access to a bank's registers: MMIO in the kernel, a simulation on the host.
pub trait Registers {
    /// What a failed access reports.
    type Error;

    /// Reads the 32-bit register at `offset`.
    fn read(&self, offset: usize) -> Result<u32, Self::Error>;

    /// Writes the 32-bit register at `offset`.
    fn write(&self, offset: usize, value: u32) -> Result<(), Self::Error>;
}

/// Copies of the registers the driver writes, so that a change is one write and never a
/// read-modify-write of the hardware. The caller serialises access (a raw spinlock in the
/// kernel, as irq_chip callbacks use it too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shadow {
    /// DR.
    pub dr: u32,
    /// GDIR.
    pub gdir: u32,
    /// IMR.
    pub imr: u32,
    /// ICR1 and ICR2.
    pub icr: [u32; 2],
    /// EDGE_SEL (zero on banks without it).
    pub edge_sel: u32,
    /// Lines whose both-edges trigger is emulated with flipping levels.
    pub emulated_both: u32,
}

/// The operations of one bank: register values for each, written through `R`.
pub struct Bank<'a, R> {
    /// Register access.
    pub regs: &'a R,
    /// Register layout.
    pub layout: &'a Layout,
}

impl<R: Registers> Bank<'_, R> {
    /// Reads the shadows from the hardware, with every interrupt masked.
    pub fn read_shadow(&self) -> Result<Shadow, R::Error> {
        let l = self.layout;
        Ok(Shadow {
            dr: self.regs.read(l.dr)?,
            gdir: self.regs.read(l.gdir)?,
            imr: 0,
            icr: [self.regs.read(l.icr1)?, self.regs.read(l.icr2)?],
            edge_sel: match l.edge_sel {
                Some(offset) => self.regs.read(offset)?,
                None => 0,
            },
            emulated_both: 0,
        })
    }

    /// Masks and acknowledges every interrupt.
    pub fn quiesce(&self, s: &mut Shadow) -> Result<(), R::Error> {
        s.imr = 0;
        self.regs.write(self.layout.imr, 0)?;
        self.regs.write(self.layout.isr, u32::MAX)
    }

    /// Makes `line` an input.
    pub fn direction_input(&self, s: &mut Shadow, line: u32) -> Result<(), R::Error> {
        s.gdir = with_line(s.gdir, line, false);
        self.regs.write(self.layout.gdir, s.gdir)
    }

    /// Makes `line` an output driving `value`: level first, so the pad never drives a stale one.
    pub fn direction_output(&self, s: &mut Shadow, line: u32, value: bool) -> Result<(), R::Error> {
        s.dr = with_line(s.dr, line, value);
        self.regs.write(self.layout.dr, s.dr)?;
        s.gdir = with_line(s.gdir, line, true);
        self.regs.write(self.layout.gdir, s.gdir)
    }

    /// Drives output `line` to `value`.
    pub fn set(&self, s: &mut Shadow, line: u32, value: bool) -> Result<(), R::Error> {
        s.dr = with_line(s.dr, line, value);
        self.regs.write(self.layout.dr, s.dr)
    }

    /// Drives the outputs in `mask` to `bits`.
    pub fn set_multiple(&self, s: &mut Shadow, mask: u32, bits: u32) -> Result<(), R::Error> {
        s.dr = merge(s.dr, mask, bits);
        self.regs.write(self.layout.dr, s.dr)
    }

    /// Reads the pads (PSR).
    pub fn pads(&self) -> Result<u32, R::Error> {
        self.regs.read(self.layout.psr)
    }

    /// Enables (unmasks) or disables (masks) the interrupt of `line`.
    pub fn enable_irq(&self, s: &mut Shadow, line: u32, enable: bool) -> Result<(), R::Error> {
        s.imr = with_line(s.imr, line, enable);
        self.regs.write(self.layout.imr, s.imr)
    }

    /// Clears the latched event of `line` (ISR is write-1-to-clear).
    pub fn ack(&self, line: u32) -> Result<(), R::Error> {
        self.regs.write(self.layout.isr, bit(line))
    }

    /// Sets `line` to detect `sense`, drops any event latched before, and makes it an input.
    pub fn set_trigger(&self, s: &mut Shadow, line: u32, sense: Sense) -> Result<(), R::Error> {
        let level = self.pads()? & bit(line) != 0;
        let setup = trigger_setup(sense, self.layout.edge_sel.is_some(), level);

        if let Some(offset) = self.layout.edge_sel {
            s.edge_sel = with_line(s.edge_sel, line, setup.edge_sel);
            self.regs.write(offset, s.edge_sel)?;
        }
        if let Some(code) = setup.icr {
            self.write_icr(s, line, code)?;
        }
        s.emulated_both = with_line(s.emulated_both, line, setup.emulated_both);
        self.ack(line)?;
        self.direction_input(s, line)
    }

    /// Pending, enabled interrupts.
    pub fn pending(&self, s: &Shadow) -> Result<u32, R::Error> {
        Ok(self.regs.read(self.layout.isr)? & s.imr)
    }

    /// After an event on an emulated both-edges line, waits for the opposite level.
    pub fn flip_emulated_edge(&self, s: &mut Shadow, line: u32) -> Result<(), R::Error> {
        if s.emulated_both & bit(line) == 0 {
            return Ok(());
        }
        let (index, _) = icr_field(line);
        match flipped(icr_code(s.icr[index], line)) {
            Some(code) => self.write_icr(s, line, code),
            None => Ok(()),
        }
    }

    fn write_icr(&self, s: &mut Shadow, line: u32, code: u32) -> Result<(), R::Error> {
        let (index, _) = icr_field(line);
        let offset = if index == 0 {
            self.layout.icr1
        } else {
            self.layout.icr2
        };
        s.icr[index] = with_icr(s.icr[index], line, code);
        self.regs.write(offset, s.icr[index])
    }
}
