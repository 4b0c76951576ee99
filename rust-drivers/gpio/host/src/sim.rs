// SPDX-License-Identifier: GPL-2.0

//! A simulated i.MX GPIO bank.
//!
//! It follows the reference manual's behaviour: PSR follows the pads, an output pad follows
//! DR, ISR bits latch on the configured condition (ICR1/ICR2, overridden by EDGE_SEL for both
//! edges) whether or not IMR enables them, sampled at every register access, writing 1 to an ISR bit clears it, and a level
//! condition latches again while it lasts. The parent interrupt lines are the OR of
//! ISR & IMR for lines 0-15 and 16-31.

use crate::hw::{self, Layout, Registers};
use std::cell::RefCell;

/// Register file and pad state of one bank.
#[derive(Debug, Default)]
struct State {
    dr: u32,
    gdir: u32,
    icr: [u32; 2],
    imr: u32,
    isr: u32,
    edge_sel: u32,
    /// Levels driven onto input pads from outside.
    external: u32,
    /// Pad levels as last sampled.
    pads: u32,
    /// Register writes, for tests that count accesses.
    writes: usize,
}

/// A simulated bank with a given layout.
pub struct SimBank {
    layout: &'static Layout,
    state: RefCell<State>,
}

/// An access outside the bank's registers.
#[derive(Debug, PartialEq, Eq)]
pub struct BadOffset(pub usize);

impl SimBank {
    /// A bank in its reset state: all inputs, nothing driven, interrupts masked.
    pub fn new(layout: &'static Layout) -> Self {
        Self {
            layout,
            state: RefCell::new(State::default()),
        }
    }

    /// Drives input pad `line` from outside.
    pub fn drive(&self, line: u32, level: bool) {
        let mut s = self.state.borrow_mut();
        s.external = hw::with_line(s.external, line, level);
        Self::sample(self.layout, &mut s);
    }

    /// The level on pad `line`.
    pub fn pad(&self, line: u32) -> bool {
        self.state.borrow().pads & hw::bit(line) != 0
    }

    /// Whether the parent interrupt for lines 0-15 (`upper` false) or 16-31 is asserted.
    pub fn parent_irq(&self, upper: bool) -> bool {
        let s = self.state.borrow();
        let half = if upper { 0xffff_0000 } else { 0x0000_ffff };
        s.isr & s.imr & half != 0
    }

    /// Number of register writes so far.
    pub fn writes(&self) -> usize {
        self.state.borrow().writes
    }

    /// Recomputes the pads and latches interrupt conditions.
    fn sample(layout: &Layout, s: &mut State) {
        let old = s.pads;
        let new = (s.dr & s.gdir) | (s.external & !s.gdir);
        s.pads = new;
        for line in 0..hw::LINES {
            let (was, is) = (old & hw::bit(line) != 0, new & hw::bit(line) != 0);
            let both = layout.edge_sel.is_some() && s.edge_sel & hw::bit(line) != 0;
            let code = hw::icr_code(s.icr[hw::icr_field(line).0], line);
            let hit = if both {
                was != is
            } else {
                match code {
                    hw::ICR_LOW_LEVEL => !is,
                    hw::ICR_HIGH_LEVEL => is,
                    hw::ICR_RISING => !was && is,
                    _ => was && !is,
                }
            };
            if hit {
                s.isr |= hw::bit(line);
            }
        }
    }
}

impl Registers for SimBank {
    type Error = BadOffset;

    fn read(&self, offset: usize) -> Result<u32, BadOffset> {
        let l = self.layout;
        let s = self.state.borrow();
        match offset {
            o if o == l.dr => Ok(s.dr),
            o if o == l.gdir => Ok(s.gdir),
            o if o == l.psr => Ok(s.pads),
            o if o == l.icr1 => Ok(s.icr[0]),
            o if o == l.icr2 => Ok(s.icr[1]),
            o if o == l.imr => Ok(s.imr),
            o if o == l.isr => Ok(s.isr),
            o if Some(o) == l.edge_sel => Ok(s.edge_sel),
            o => Err(BadOffset(o)),
        }
    }

    fn write(&self, offset: usize, value: u32) -> Result<(), BadOffset> {
        let l = self.layout;
        let mut s = self.state.borrow_mut();
        s.writes += 1;
        match offset {
            o if o == l.dr => s.dr = value,
            o if o == l.gdir => s.gdir = value,
            o if o == l.psr => {}
            o if o == l.icr1 => s.icr[0] = value,
            o if o == l.icr2 => s.icr[1] = value,
            o if o == l.imr => s.imr = value,
            o if o == l.isr => {
                // Write 1 to clear; a level that still holds latches again just below.
                s.isr &= !value;
            }
            o if Some(o) == l.edge_sel => s.edge_sel = value,
            o => return Err(BadOffset(o)),
        }
        Self::sample(l, &mut s);
        Ok(())
    }
}
