// SPDX-License-Identifier: GPL-2.0

//! Embedded-hal-style pins over the driver's hardware logic.
//!
//! One small trait per concern, each with an associated error type, as in embedded-hal 1.0;
//! test code depends on the traits, the bank logic in `hw` adapts to them.

use crate::hw::{self, Registers, Shadow};
use std::cell::RefCell;

/// The error type of a pin.
pub trait ErrorType {
    /// What a failed operation reports.
    type Error: core::fmt::Debug;
}

/// A pin that drives a level.
pub trait OutputPin: ErrorType {
    /// Drives the pin low.
    fn set_low(&mut self) -> Result<(), Self::Error>;
    /// Drives the pin high.
    fn set_high(&mut self) -> Result<(), Self::Error>;
}

/// An output pin that can tell which level it drives.
pub trait StatefulOutputPin: OutputPin {
    /// Whether the pin is set to drive high.
    fn is_set_high(&mut self) -> Result<bool, Self::Error>;
    /// Whether the pin is set to drive low.
    fn is_set_low(&mut self) -> Result<bool, Self::Error> {
        Ok(!self.is_set_high()?)
    }
}

/// A pin that senses a level.
pub trait InputPin: ErrorType {
    /// Whether the pad is high.
    fn is_high(&mut self) -> Result<bool, Self::Error>;
    /// Whether the pad is low.
    fn is_low(&mut self) -> Result<bool, Self::Error> {
        Ok(!self.is_high()?)
    }
}

/// A bank's registers and shadows, handing out pins.
pub struct Port<'a, R: Registers> {
    bank: hw::Bank<'a, R>,
    shadow: RefCell<Shadow>,
}

impl<'a, R: Registers> Port<'a, R> {
    /// Takes over a bank, reading its state as the driver's probe does.
    pub fn new(regs: &'a R, layout: &'a hw::Layout) -> Result<Self, R::Error> {
        let bank = hw::Bank { regs, layout };
        let mut shadow = bank.read_shadow()?;
        bank.quiesce(&mut shadow)?;
        Ok(Self {
            bank,
            shadow: RefCell::new(shadow),
        })
    }

    /// The bank's operations and shadows, for interrupt tests.
    pub fn parts(&self) -> (&hw::Bank<'a, R>, &RefCell<Shadow>) {
        (&self.bank, &self.shadow)
    }

    /// Makes `line` an output that starts at `high`.
    pub fn output(&self, line: u32, high: bool) -> Result<Output<'_, 'a, R>, R::Error> {
        self.bank
            .direction_output(&mut self.shadow.borrow_mut(), line, high)?;
        Ok(Output { port: self, line })
    }

    /// The level of `line` as the driver reports it: DR for outputs, the pad for inputs.
    fn level(&self, line: u32) -> Result<bool, R::Error> {
        let pads = self.bank.pads()?;
        let s = self.shadow.borrow();
        Ok(hw::levels(s.dr, pads, s.gdir) & hw::bit(line) != 0)
    }

    /// Makes `line` an input.
    pub fn input(&self, line: u32) -> Result<Input<'_, 'a, R>, R::Error> {
        self.bank
            .direction_input(&mut self.shadow.borrow_mut(), line)?;
        Ok(Input { port: self, line })
    }
}

/// An output line of a [`Port`].
pub struct Output<'p, 'a, R: Registers> {
    port: &'p Port<'a, R>,
    line: u32,
}

/// An input line of a [`Port`].
pub struct Input<'p, 'a, R: Registers> {
    port: &'p Port<'a, R>,
    line: u32,
}

impl<R: Registers> ErrorType for Output<'_, '_, R>
where
    R::Error: core::fmt::Debug,
{
    type Error = R::Error;
}

impl<R: Registers> ErrorType for Input<'_, '_, R>
where
    R::Error: core::fmt::Debug,
{
    type Error = R::Error;
}

impl<R: Registers> OutputPin for Output<'_, '_, R>
where
    R::Error: core::fmt::Debug,
{
    fn set_low(&mut self) -> Result<(), R::Error> {
        let port = self.port;
        port.bank
            .set(&mut port.shadow.borrow_mut(), self.line, false)
    }

    fn set_high(&mut self) -> Result<(), R::Error> {
        let port = self.port;
        port.bank
            .set(&mut port.shadow.borrow_mut(), self.line, true)
    }
}

impl<R: Registers> StatefulOutputPin for Output<'_, '_, R>
where
    R::Error: core::fmt::Debug,
{
    fn is_set_high(&mut self) -> Result<bool, R::Error> {
        self.port.level(self.line)
    }
}

impl<R: Registers> InputPin for Input<'_, '_, R>
where
    R::Error: core::fmt::Debug,
{
    fn is_high(&mut self) -> Result<bool, R::Error> {
        self.port.level(self.line)
    }
}
