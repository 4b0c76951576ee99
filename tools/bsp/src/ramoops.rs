// SPDX-License-Identifier: GPL-2.0

//! `bsp ramoops FILE --out DIR`: reads a raw dump of the pstore/ramoops reserved memory.
//!
//! The dump is the whole region, so its length is the region size. The zones are laid out as
//! `ramoops_probe()` in fs/pstore/ram.c does: every size is first rounded down to a power of
//! two; the dmesg zones come first and share what console, pmsg and ftrace leave over (their
//! count is that space divided by `record-size`, each zone that space divided by the count,
//! rounded down to even); then the console zone, then pmsg, then ftrace, last. Note the
//! order: pmsg before ftrace.
//!
//! Output in `DIR`: `dmesg-N.txt` for every dmesg zone holding a record (N is the zone
//! index, compressed records inflated), `console.log` (the console zone: the log of the boot
//! that was running when the memory was read, or of the boot before when the kernel that
//! reads it has not started yet), `pmsg.txt` when the pmsg zone holds anything, and the
//! KUnit reports of the console text, as `bsp results` writes them (once the console ring
//! has wrapped, its first line is cut, so the parser starts at the second). Exit status as for
//! `bsp results`; 2 as well for a dump that is not ramoops (a zone with a wrong signature or
//! an impossible header) or sizes that do not fit the region.
//!
//! Limitations: ECC must be off (no `ecc-size` in the device tree; parity is not checked or
//! stripped). The ftrace zone is placed but not decoded, and `flags` with
//! `RAMOOPS_FLAG_FTRACE_PER_CPU` is not supported. Sizes must match the device tree the
//! dumped kernel ran with: wrong sizes usually show as a wrong signature.

mod record;
pub mod zone;

use std::{fs, path::PathBuf};

use crate::results;

/// One zone of the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A dmesg (oops/panic dump) zone and its index.
    Dmesg(usize),
    Console,
    Pmsg,
    Ftrace,
}

/// Where a zone sits in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub kind: Kind,
    pub offset: usize,
    pub size: usize,
}

impl Zone {
    fn name(&self) -> String {
        match self.kind {
            Kind::Dmesg(i) => format!("dmesg {i}"),
            Kind::Console => "console".to_owned(),
            Kind::Pmsg => "pmsg".to_owned(),
            Kind::Ftrace => "ftrace".to_owned(),
        }
    }
}

/// The zone sizes from the device tree node (`record-size`, `console-size`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Sizes {
    /// Size of each dmesg record zone (`record-size`).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "0x10000")]
    pub record_size: u64,

    /// Size of the console zone (`console-size`).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "0x40000")]
    pub console_size: u64,

    /// Size of the user-space message zone (`pmsg-size`).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "0")]
    pub pmsg_size: u64,

    /// Size of the ftrace zone (`ftrace-size`).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "0")]
    pub ftrace_size: u64,
}

#[derive(clap::Args)]
pub struct Args {
    /// Raw dump of the whole ramoops region.
    file: PathBuf,

    /// Directory for the decoded zones and the reports (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    #[command(flatten)]
    sizes: Sizes,

    #[command(flatten)]
    report: results::Options,
}

/// Parses a size in decimal or with a `0x` prefix in hex.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("not a size in bytes: {text:?} (decimal, or hex with 0x)"))
}

/// Places the zones in a region of `region` bytes the way the kernel does.
pub fn layout(region: usize, sizes: &Sizes) -> Result<Vec<Zone>, String> {
    let size = |bytes: u64| -> Result<usize, String> {
        let bytes = usize::try_from(bytes).map_err(|_| format!("size {bytes} is too large"))?;
        Ok(round_down_pow2(bytes))
    };
    let record = size(sizes.record_size)?;
    let console = size(sizes.console_size)?;
    let pmsg = size(sizes.pmsg_size)?;
    let ftrace = size(sizes.ftrace_size)?;
    if record == 0 && console == 0 && pmsg == 0 && ftrace == 0 {
        return Err("all zone sizes are 0: nothing to decode".to_owned());
    }
    let too_big =
        || format!("console, pmsg and ftrace zones together exceed the region (0x{region:x})");
    let others = console
        .checked_add(pmsg)
        .and_then(|n| n.checked_add(ftrace))
        .ok_or_else(too_big)?;
    let dmesg_space = region.checked_sub(others).ok_or_else(|| {
        format!(
            "console, pmsg and ftrace zones (0x{others:x} bytes) exceed the region (0x{region:x})"
        )
    })?;

    let mut zones = Vec::new();
    let mut offset = 0;
    if record != 0 && dmesg_space != 0 {
        let count = dmesg_space / record;
        if count == 0 {
            return Err(format!(
                "record size 0x{record:x} exceeds the 0x{dmesg_space:x} bytes left for dmesg"
            ));
        }
        let zone_size = (dmesg_space / count) & !1;
        for index in 0..count {
            zones.push(Zone {
                kind: Kind::Dmesg(index),
                offset,
                size: zone_size,
            });
            offset += zone_size;
        }
    }
    for (kind, size) in [
        (Kind::Console, console),
        (Kind::Pmsg, pmsg),
        (Kind::Ftrace, ftrace & !1),
    ] {
        if size != 0 {
            zones.push(Zone { kind, offset, size });
            offset += size;
        }
    }
    Ok(zones)
}

/// What a region holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Dmesg zone index, dump time, text.
    pub dmesg: Vec<(usize, String, Vec<u8>)>,
    /// `None` when the layout has no console zone.
    pub console: Option<Vec<u8>>,
    /// The console ring has wrapped: its first line is probably cut.
    pub console_wrapped: bool,
    pub pmsg: Option<Vec<u8>>,
    /// Problems that do not stop decoding (a record that does not inflate).
    pub notes: Vec<String>,
}

/// Decodes the dmesg, console and pmsg zones of a region.
pub fn decode(region: &[u8], sizes: &Sizes) -> Result<Decoded, String> {
    let mut decoded = Decoded::default();
    for zone in layout(region.len(), sizes)? {
        if zone.kind == Kind::Ftrace {
            continue;
        }
        let bytes = &region[zone.offset..zone.offset + zone.size];
        let ring = zone::read(bytes, &zone.name(), zone.offset)?;
        let text = ring.to_vec();
        match zone.kind {
            Kind::Dmesg(index) => {
                if text.is_empty() {
                    continue;
                }
                let Some(record) = record::parse(&text) else {
                    decoded
                        .notes
                        .push(format!("dmesg {index}: no record header, skipped"));
                    continue;
                };
                match record.text() {
                    Ok(log) => decoded.dmesg.push((index, record.time.clone(), log)),
                    Err(e) => decoded.notes.push(format!("dmesg {index}: {e}")),
                }
            }
            Kind::Console => {
                decoded.console = Some(text);
                decoded.console_wrapped = !ring.older.is_empty();
            }
            Kind::Pmsg => decoded.pmsg = Some(text).filter(|t| !t.is_empty()),
            Kind::Ftrace => {}
        }
    }
    Ok(decoded)
}

/// Runs `bsp ramoops`; returns whether the KUnit run in the console zone passed.
pub fn run(args: &Args) -> Result<bool, String> {
    let region = fs::read(&args.file)
        .map_err(|e| format!("cannot read ramoops dump {}: {e}", args.file.display()))?;
    let decoded =
        decode(&region, &args.sizes).map_err(|e| format!("{}: {e}", args.file.display()))?;

    fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for (index, time, log) in &decoded.dmesg {
        let name = format!("dmesg-{index}.txt");
        write(&args.out.join(&name), log)?;
        println!("{name}: {} bytes, dumped at {time}", log.len());
    }
    if let Some(pmsg) = &decoded.pmsg {
        write(&args.out.join("pmsg.txt"), pmsg)?;
        println!("pmsg.txt: {} bytes", pmsg.len());
    }
    for note in &decoded.notes {
        println!("note: {note}");
    }
    let console = match &decoded.console {
        Some(console) => {
            write(&args.out.join("console.log"), console)?;
            println!("console.log: {} bytes", console.len());
            // A cut first line could pass for a KTAP line with a wrong prefix width.
            let whole_lines = match console.iter().position(|&b| b == b'\n') {
                Some(newline) if decoded.console_wrapped => &console[newline + 1..],
                _ => console,
            };
            String::from_utf8_lossy(whole_lines).into_owned()
        }
        None => {
            println!("note: no console zone (console-size 0), so no KUnit results");
            String::new()
        }
    };

    let source = format!("the ramoops console in {}", args.file.display());
    let totals = results::write(&console, &source, &args.out, &args.report)?;
    Ok(totals.ok())
}

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `rounddown_pow_of_two()`, with 0 staying 0.
fn round_down_pow2(n: usize) -> usize {
    match n {
        0 => 0,
        n => 1 << (usize::BITS - 1 - n.leading_zeros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Sizes = Sizes {
        record_size: 0x10000,
        console_size: 0x40000,
        pmsg_size: 0,
        ftrace_size: 0,
    };

    fn region(zones: &[(usize, &[u8])]) -> Vec<u8> {
        zones
            .iter()
            .flat_map(|&(size, text)| zone::synthesize(size, text))
            .collect()
    }

    #[test]
    fn default_layout() {
        let zones = layout(0x80000, &DEFAULTS).unwrap_or_default();
        let dmesg: Vec<_> = zones
            .iter()
            .filter(|z| matches!(z.kind, Kind::Dmesg(_)))
            .collect();
        assert_eq!(dmesg.len(), 4);
        assert_eq!(dmesg[3].offset, 0x30000);
        assert_eq!(
            zones.last(),
            Some(&Zone {
                kind: Kind::Console,
                offset: 0x40000,
                size: 0x40000
            })
        );
    }

    #[test]
    fn leftover_space_widens_dmesg_zones_and_pmsg_precedes_ftrace() {
        let sizes = Sizes {
            record_size: 0x1000,
            console_size: 0x3000, // rounded down to 0x2000
            pmsg_size: 0x1000,
            ftrace_size: 0x1000,
        };
        let zones = layout(0x6800, &sizes).unwrap_or_default();
        // 0x6800 - 0x4000 = 0x2800 for dmesg: two zones of 0x1400.
        let kinds: Vec<_> = zones.iter().map(|z| (z.kind, z.offset, z.size)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Dmesg(0), 0, 0x1400),
                (Kind::Dmesg(1), 0x1400, 0x1400),
                (Kind::Console, 0x2800, 0x2000),
                (Kind::Pmsg, 0x4800, 0x1000),
                (Kind::Ftrace, 0x5800, 0x1000),
            ]
        );
    }

    #[test]
    fn sizes_that_do_not_fit() {
        let err = layout(0x1000, &DEFAULTS).err().unwrap_or_default();
        assert!(err.contains("exceed the region"), "{err}");
        let big_record = Sizes {
            record_size: 0x40000,
            ..DEFAULTS
        };
        let err = layout(0x60000, &big_record).err().unwrap_or_default();
        assert!(err.starts_with("record size 0x40000 exceeds"), "{err}");
    }

    #[test]
    fn decodes_console_and_records() {
        let console = b"[    1.0] KTAP version 1\n[    1.0] 1..0\n";
        let dump = region(&[
            (0x10000, b"====5.000001-D\nPanic#1 Part1\nlast words\n"),
            (0x10000, b""),
            (0x10000, b"no header here"),
            (0x10000, b""),
            (0x40000, console),
        ]);
        let decoded = decode(&dump, &DEFAULTS).unwrap_or_default();
        assert_eq!(
            decoded.dmesg,
            [(
                0,
                "5.000001".to_owned(),
                b"Panic#1 Part1\nlast words\n".to_vec()
            )]
        );
        assert_eq!(decoded.console.as_deref(), Some(&console[..]));
        assert!(!decoded.console_wrapped);
        assert_eq!(decoded.notes, ["dmesg 2: no record header, skipped"]);
        assert_eq!(decoded.pmsg, None);
    }

    #[test]
    fn wrapped_console_comes_out_in_order() {
        let sizes = Sizes {
            record_size: 0,
            console_size: 64,
            ..DEFAULTS
        };
        let text: Vec<u8> = (0..200u8).map(|i| b'a' + i % 26).collect();
        let dump = zone::synthesize(64, &text);
        let decoded = decode(&dump, &sizes).unwrap_or_default();
        assert_eq!(decoded.console.as_deref(), Some(&text[200 - 52..]));
        assert!(decoded.console_wrapped);
    }

    #[test]
    fn bad_signature_stops_decoding() {
        let mut dump = region(&[(0x10000, &[][..]); 4]);
        dump.extend(vec![0u8; 0x40000]);
        let err = decode(&dump, &DEFAULTS).err().unwrap_or_default();
        assert!(
            err.starts_with("console zone at 0x40000: signature 0x00000000"),
            "{err}"
        );
    }

    #[test]
    fn size_arguments() {
        assert_eq!(parse_size("0x40000"), Ok(0x40000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("64K").is_err());
        assert_eq!(round_down_pow2(0x3000), 0x2000);
        assert_eq!(round_down_pow2(1), 1);
    }
}
