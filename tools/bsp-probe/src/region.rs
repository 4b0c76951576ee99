// SPDX-License-Identifier: GPL-2.0

//! The memory to read: an address and a size, checked before any probe is touched.

use std::fmt;

/// Largest read, held in memory at once: far more than a ramoops region.
pub const MAX_SIZE: u64 = 1 << 30;

/// `size` bytes of target memory from `address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub address: u64,
    pub size: u64,
}

impl Region {
    /// Checks that the region is not empty, not larger than [`MAX_SIZE`] and does not wrap
    /// around the end of the address space.
    pub fn new(address: u64, size: u64) -> Result<Self, String> {
        if size == 0 {
            return Err("--size is 0: nothing to read".to_owned());
        }
        if size > MAX_SIZE {
            return Err(format!(
                "--size 0x{size:x} is larger than the 0x{MAX_SIZE:x} bytes one read may hold"
            ));
        }
        if address.checked_add(size).is_none() {
            return Err(format!(
                "0x{size:x} bytes at 0x{address:x} run past the end of the address space"
            ));
        }
        Ok(Self { address, size })
    }

    /// One past the last byte.
    pub fn end(&self) -> u64 {
        self.address + self.size
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:x}-0x{:x}", self.address, self.end() - 1)
    }
}

/// Parses an address or size: hex with `0x`, or decimal.
pub fn parse_number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("not a number: {text:?} (hex with 0x, or decimal)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0x9000_0000"), Ok(0x9000_0000));
        assert_eq!(parse_number("0X80000"), Ok(0x80000));
        assert_eq!(parse_number("4096"), Ok(4096));
        assert!(parse_number("0x").is_err());
        assert!(parse_number("-1").is_err());
        assert!(parse_number("64K").is_err());
        assert!(parse_number("0x1_0000_0000_0000_0000").is_err());
    }

    #[test]
    fn regions() {
        let region = Region::new(0x9000_0000, 0x8_0000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(region.to_string(), "0x90000000-0x9007ffff");
        assert_eq!(
            Region::new(0x1000, 0),
            Err("--size is 0: nothing to read".to_owned())
        );
        assert!(Region::new(0, MAX_SIZE + 1).is_err());
        assert!(Region::new(u64::MAX - 10, 0x100).is_err());
        assert!(Region::new(u64::MAX - 0x100, 0x100).is_ok());
    }
}
