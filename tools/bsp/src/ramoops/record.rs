// SPDX-License-Identifier: GPL-2.0

//! A dmesg record of ramoops: the kernel log dumped on an oops or panic.
//!
//! Each dmesg zone holds at most one record, written from offset 0 after the zone was
//! cleared: a header line `====<seconds>.<microseconds>-<C|D>\n` (older kernels omit `-C`/`-D`)
//! and then the log, raw deflate when the flag is `C` (pstore's `compress=deflate`, the
//! default with `CONFIG_PSTORE_COMPRESS`), plain text when it is `D`. The kernel discards a
//! zone without a valid header; so does [`parse`].

use std::io::Read;

use flate2::read::DeflateDecoder;

/// Start of the header line (`RAMOOPS_KERNMSG_HDR`).
const HEADER_MARK: &[u8] = b"====";

/// Longest header line the kernel writes, newline included.
const MAX_HEADER: usize = 36;

/// A dmesg record with its header decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Time of the dump as the header states it, `seconds.microseconds`.
    pub time: String,
    pub compressed: bool,
    /// The log after the header line, still compressed if `compressed`.
    pub payload: Vec<u8>,
}

/// Splits a dmesg zone's text into header and payload; `None` if there is no valid header.
pub fn parse(text: &[u8]) -> Option<Record> {
    let rest = text.strip_prefix(HEADER_MARK)?;
    let newline = rest.iter().take(MAX_HEADER).position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&rest[..newline]).ok()?;
    let (time, flag) = match header.split_once('-') {
        Some((time, flag)) => (time, Some(flag)),
        None => (header, None),
    };
    let (seconds, micros) = time.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let seconds_ok = digits(seconds.strip_prefix('-').unwrap_or(seconds));
    if !seconds_ok || !digits(micros) {
        return None;
    }
    let compressed = match flag {
        Some("C") => true,
        Some("D") | None => false,
        Some(_) => return None,
    };
    Some(Record {
        time: time.to_owned(),
        compressed,
        payload: rest[newline + 1..].to_vec(),
    })
}

impl Record {
    /// The log text: the payload inflated when it is compressed.
    pub fn text(&self) -> Result<Vec<u8>, String> {
        if !self.compressed {
            return Ok(self.payload.clone());
        }
        let mut out = Vec::new();
        DeflateDecoder::new(self.payload.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot inflate the compressed record: {e}"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{write::DeflateEncoder, Compression};

    use super::*;

    #[test]
    fn plain_record() {
        let record = parse(b"====1723.000042-D\nOops#1 Part1\n<0>[ 2.5] Kernel panic\n");
        let record = record.unwrap_or_else(|| panic!("no header"));
        assert_eq!(record.time, "1723.000042");
        assert!(!record.compressed);
        let text = record.text().unwrap_or_default();
        assert_eq!(text, b"Oops#1 Part1\n<0>[ 2.5] Kernel panic\n");
    }

    #[test]
    fn old_header_without_flag() {
        let record = parse(b"====12.5\nlog").unwrap_or_else(|| panic!("no header"));
        assert_eq!(record.time, "12.5");
        assert!(!record.compressed);
    }

    #[test]
    fn compressed_record_is_inflated() {
        let log = b"Panic#1 Part1\n<0>[    2.521930] Kernel panic - not syncing: Oops\n";
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(log).unwrap_or_else(|e| panic!("{e}"));
        let deflated = encoder.finish().unwrap_or_else(|e| panic!("{e}"));
        let mut zone = b"====99.000001-C\n".to_vec();
        zone.extend_from_slice(&deflated);

        let record = parse(&zone).unwrap_or_else(|| panic!("no header"));
        assert!(record.compressed);
        assert_eq!(record.text().unwrap_or_default(), log);
    }

    #[test]
    fn corrupt_compressed_record_is_an_error() {
        let record = parse(b"====1.000001-C\n\xff\xff\xff\xff").unwrap_or_else(|| panic!("?"));
        let err = record.text().err().unwrap_or_default();
        assert!(err.starts_with("cannot inflate"), "{err}");
    }

    #[test]
    fn no_header_no_record() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"[    0.0] Booting Linux\n"), None);
        assert_eq!(parse(b"====abc.1-D\n"), None);
        assert_eq!(parse(b"====1.1-X\n"), None);
        assert_eq!(parse(b"====1.1-D"), None);
    }
}
