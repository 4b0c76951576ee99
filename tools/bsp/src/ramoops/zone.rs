// SPDX-License-Identifier: GPL-2.0

//! One persistent RAM zone: Linux's `struct persistent_ram_buffer` and its ring.
//!
//! A zone starts with three little-endian `u32` fields, `sig`, `start` and `size`, followed by
//! the data ring of `zone size - 12` bytes (the capacity). Writers append at `start` and wrap
//! to 0; `size` grows until it reaches the capacity and stays there. The text, oldest first,
//! is therefore `data[start..size]` followed by `data[..start]`; before the ring has wrapped,
//! `start` equals `size` and that is simply `data[..size]` (`persistent_ram_save_old()` in
//! fs/pstore/ram_core.c reads it the same way).
//!
//! Limitations: zones protected by Reed-Solomon ECC (`ecc-size` in the device tree) keep
//! parity bytes at the end of the ring and are not supported: ECC must be off. The header is
//! read as little-endian, the byte order of arm64 Linux.

/// `PERSISTENT_RAM_SIG`, "DBGC" in memory; dmesg, console and pmsg zones use it unchanged.
pub const SIGNATURE: u32 = 0x4347_4244;

/// Bytes of `sig`, `start` and `size` before the data ring.
pub const HEADER_LEN: usize = 12;

/// Reads the text of the zone `bytes` (header included), oldest byte first. `name` and
/// `offset` only label errors: a wrong signature or a header that does not fit the zone.
pub fn read<'a>(bytes: &'a [u8], name: &str, offset: usize) -> Result<Ring<'a>, String> {
    let field = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(sig), Some(start), Some(size)) = (field(0), field(4), field(8)) else {
        return Err(format!(
            "{name} zone at 0x{offset:x}: {} bytes, too small for a header",
            bytes.len()
        ));
    };
    if sig != SIGNATURE {
        return Err(format!(
            "{name} zone at 0x{offset:x}: signature 0x{sig:08x}, not 0x{SIGNATURE:08x} \
             (\"DBGC\"): not a ramoops dump, or the zone sizes differ from the kernel's"
        ));
    }

    let data = &bytes[HEADER_LEN..];
    let (start, size) = (start as usize, size as usize);
    if size > data.len() || start > size {
        return Err(format!(
            "{name} zone at 0x{offset:x}: invalid header (start {start}, size {size}, \
             capacity {})",
            data.len()
        ));
    }
    Ok(Ring {
        older: &data[start..size],
        newer: &data[..start],
    })
}

/// The valid bytes of a zone in two pieces, because the ring may have wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring<'a> {
    /// From `start` to `size`: empty until the ring wraps.
    pub older: &'a [u8],
    /// From 0 to `start`.
    pub newer: &'a [u8],
}

impl Ring<'_> {
    /// The bytes in the order they were written.
    pub fn to_vec(self) -> Vec<u8> {
        [self.older, self.newer].concat()
    }

    pub fn is_empty(&self) -> bool {
        self.older.is_empty() && self.newer.is_empty()
    }
}

/// Builds a zone of `zone_size` bytes holding `text` the way the kernel would after writing
/// it: wrapped around if it is longer than the capacity. For tests here and in the CLI tests.
#[doc(hidden)]
pub fn synthesize(zone_size: usize, text: &[u8]) -> Vec<u8> {
    let capacity = zone_size - HEADER_LEN;
    let mut data = vec![0u8; capacity];
    let (mut start, mut size) = (0usize, 0usize);
    for &byte in text {
        data[start] = byte;
        start = (start + 1) % capacity;
        size = (size + 1).min(capacity);
    }
    let mut zone = Vec::with_capacity(zone_size);
    zone.extend_from_slice(&SIGNATURE.to_le_bytes());
    zone.extend_from_slice(&(start as u32).to_le_bytes());
    zone.extend_from_slice(&(size as u32).to_le_bytes());
    zone.extend_from_slice(&data);
    zone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwrapped_ring_is_read_from_zero() {
        let zone = synthesize(64, b"hello\n");
        let ring = read(&zone, "console", 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(ring.older.is_empty());
        assert_eq!(ring.to_vec(), b"hello\n");
    }

    #[test]
    fn wrapped_ring_starts_at_start() {
        // Capacity 20: the first 6 bytes were overwritten by the last 6.
        let text = b"abcdefghijklmnopqrstuvwxyz";
        let zone = synthesize(HEADER_LEN + 20, text);
        assert_eq!(&zone[4..8], &6u32.to_le_bytes());
        assert_eq!(&zone[8..12], &20u32.to_le_bytes());
        let ring = read(&zone, "console", 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ring.to_vec(), &text[6..]);
        assert_eq!(ring.older, b"ghijklmnopqrst");
        assert_eq!(ring.newer, b"uvwxyz");
    }

    #[test]
    fn exactly_full_ring_has_start_zero() {
        let zone = synthesize(HEADER_LEN + 4, b"abcd");
        let ring = read(&zone, "console", 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ring.older, b"abcd");
        assert!(ring.newer.is_empty());
    }

    #[test]
    fn empty_zone() {
        let zone = synthesize(32, b"");
        let ring = read(&zone, "pmsg", 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(ring.is_empty());
    }

    #[test]
    fn bad_signature_is_named() {
        let mut zone = synthesize(32, b"x");
        zone[0] = 0;
        let err = read(&zone, "console", 0x40000).err().unwrap_or_default();
        assert_eq!(
            err,
            "console zone at 0x40000: signature 0x43474200, not 0x43474244 (\"DBGC\"): \
             not a ramoops dump, or the zone sizes differ from the kernel's"
        );
    }

    #[test]
    fn inconsistent_header_is_refused() {
        let mut zone = synthesize(32, b"abc");
        zone[4..8].copy_from_slice(&5u32.to_le_bytes());
        let err = read(&zone, "dmesg 0", 0).err().unwrap_or_default();
        assert!(
            err.contains("invalid header (start 5, size 3, capacity 20)"),
            "{err}"
        );

        zone[4..8].copy_from_slice(&0u32.to_le_bytes());
        zone[8..12].copy_from_slice(&21u32.to_le_bytes());
        assert!(read(&zone, "dmesg 0", 0).is_err());
        assert!(read(&zone[..8], "dmesg 0", 0).is_err());
    }
}
