// SPDX-License-Identifier: GPL-2.0

//! `bsp-probe`: reads a board's RAM through a debug probe with the probe-rs library, for
//! dumps that `bsp ramoops` decodes when the serial console has nothing left to say.
//!
//! - `bsp-probe list` lists the attached probes; with none it prints "no debug probes
//!   found" and exits 1.
//! - `bsp-probe read --chip NAME --address A --size S --out FILE` attaches to the running
//!   target (no reset) and writes the raw bytes to FILE. The region must lie in the RAM the
//!   chip's description lists; that, the numbers and the chip name are checked before any
//!   probe is opened.
//!
//! Exit status: 0 done; 1 no probe, or the probe or target failed; 2 bad arguments.
//!
//! Limitations: not tried on hardware. probe-rs 0.32 knows no i.MX 8M chip; `MIMX8ML8` is
//! our own description ([`chips`]). The i.MX 8M Plus DAP is reached over JTAG, the default
//! here.

mod chips;
mod dump;
mod region;

use std::{fs, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};
use probe_rs::probe::{DebugProbeSelector, WireProtocol};

use crate::{
    dump::{Connection, Via},
    region::Region,
};

/// Exit status when no probe was found or the probe or target failed.
const EXIT_FAILED: u8 = 1;

/// Exit status for bad arguments (also clap's usage errors).
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "bsp-probe",
    version,
    about = "Read target RAM through a debug probe"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the attached debug probes.
    List,
    /// Read target memory into a file.
    Read(ReadArgs),
}

#[derive(Args)]
struct ReadArgs {
    /// Target name: a probe-rs target, or MIMX8ML8 for the i.MX 8M Plus.
    #[arg(long, value_name = "NAME")]
    chip: String,

    /// First byte to read (hex with 0x, or decimal).
    #[arg(long, value_name = "ADDR", value_parser = region::parse_number)]
    address: u64,

    /// Number of bytes to read (hex with 0x, or decimal).
    #[arg(long, value_name = "BYTES", value_parser = region::parse_number)]
    size: u64,

    /// File for the raw bytes.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,

    /// The probe to use; needed when more than one is attached.
    #[arg(long, value_name = "VID:PID[:SERIAL]", value_parser = parse_selector)]
    probe: Option<DebugProbeSelector>,

    /// Read through this memory access port (physical addresses, cores keep running).
    #[arg(long, value_name = "N", conflicts_with = "core")]
    ap: Option<u8>,

    /// Read through this core, halting it meanwhile (addresses as the core sees them).
    #[arg(long, value_name = "N")]
    core: Option<usize>,

    /// Wire protocol.
    #[arg(long, default_value = "jtag", value_parser = parse_protocol)]
    protocol: WireProtocol,

    /// Probe clock in kHz [default: the probe's].
    #[arg(long, value_name = "KHZ")]
    speed: Option<u32>,

    /// A probe-rs target description (YAML) to add to the known chips.
    #[arg(long, value_name = "FILE")]
    chip_description: Option<PathBuf>,
}

/// Why `bsp-probe` stopped.
enum Error {
    Usage(String),
    Failed(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => return list(),
        Command::Read(args) => read(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Usage(message)) => {
            eprintln!("bsp-probe: error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(Error::Failed(message)) => {
            eprintln!("bsp-probe: error: {message}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// `bsp-probe list`: one probe a line, as `--probe` takes it, then its name.
fn list() -> ExitCode {
    let probes = dump::list();
    if probes.is_empty() {
        println!("no debug probes found");
        return ExitCode::from(EXIT_FAILED);
    }
    for probe in probes {
        let serial = probe.serial_number.as_deref().unwrap_or("");
        println!(
            "{:04x}:{:04x}:{serial}  {}",
            probe.vendor_id, probe.product_id, probe.identifier
        );
    }
    ExitCode::SUCCESS
}

/// `bsp-probe read`.
fn read(args: &ReadArgs) -> Result<(), Error> {
    let region = Region::new(args.address, args.size).map_err(Error::Usage)?;
    let registry = chips::registry(args.chip_description.as_deref()).map_err(Error::Usage)?;
    let target = chips::target(&registry, &args.chip).map_err(Error::Usage)?;
    chips::check_ram(&target, &region).map_err(Error::Usage)?;
    let via = match args.ap {
        Some(ap) => Via::AccessPort(ap),
        None => Via::Core(args.core.unwrap_or(0)),
    };

    let connection = Connection {
        selector: args.probe.as_ref(),
        protocol: args.protocol,
        speed_khz: args.speed,
        chip: &args.chip,
        registry: &registry,
    };
    let mut session = dump::attach(&connection).map_err(Error::Failed)?;
    let data = dump::read(&mut session, &region, via).map_err(Error::Failed)?;
    fs::write(&args.out, &data)
        .map_err(|e| Error::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    println!(
        "read {region} ({} bytes) from {} through {via} into {}",
        data.len(),
        args.chip,
        args.out.display()
    );
    Ok(())
}

fn parse_selector(text: &str) -> Result<DebugProbeSelector, String> {
    text.parse()
        .map_err(|e| format!("not a probe VID:PID[:SERIAL] (hex): {e}"))
}

fn parse_protocol(text: &str) -> Result<WireProtocol, String> {
    text.parse()
}
