// SPDX-License-Identifier: GPL-2.0

//! `bsp`: command-line tools of the board-support package.
//!
//! - `bsp results LOG --out DIR` reads KUnit results from a serial-console log and writes
//!   `results.ktap` (the KTAP part of the log), `junit.xml` and `results.json` into `DIR`,
//!   prints a summary and, last, one totals line.
//! - `bsp serial TTY --out DIR` records a board's console until the KUnit run is over, then
//!   reports like `bsp results` ([`bsp::serial`]).
//! - `bsp ramoops FILE --out DIR` decodes a dump of the pstore/ramoops region, then reports
//!   on its console log like `bsp results` ([`bsp::ramoops`]).
//! - `bsp flash IMAGE DEVICE` writes an SD-card image the way bmaptool does ([`bsp::flash`]).
//!
//! Exit status of the reporting commands: 0 if the log has KTAP, nothing failed or crashed
//! and every `--expect-suite` ran; 1 otherwise; 2 if the input or output could not be read or
//! written. `bsp flash`: 0 written and verified; 1 writing started and failed; 2 refused,
//! nothing written.
//!
//! Limitations: logs are read whole into memory; reading from standard input is not
//! supported.

use nix::sys::signal::{signal, SigHandler, Signal};
use std::{fs, path::PathBuf, process::ExitCode};

use bsp::{flash, ramoops, results, serial};
use clap::{Args, Parser, Subcommand};

/// Exit status when the run did not pass.
const EXIT_FAILED: u8 = 1;

/// Exit status for unreadable input or unwritable output (also clap's usage errors).
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(name = "bsp", version, about = "Board-support package tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse KUnit (KTAP) results out of a console log and write reports.
    Results(ResultsArgs),
    /// Record a board's serial console until the KUnit run ends, then write reports.
    Serial(serial::Args),
    /// Decode a pstore/ramoops memory dump and write reports on its console log.
    Ramoops(ramoops::Args),
    /// Write an SD-card image to a card through its block map, then read it back.
    Flash(flash::Args),
}

#[derive(Args)]
struct ResultsArgs {
    /// Serial-console or dmesg log holding KTAP output.
    log: PathBuf,

    /// Directory for results.ktap, junit.xml and results.json (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    #[command(flatten)]
    report: results::Options,
}

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`bsp results ... | head`) instead of failing on the write.
    // SAFETY: Setting a signal's disposition to the default is async-signal-safe and nothing
    // else has installed a handler for SIGPIPE at this point.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Results(args) => run_results(&args),
        Command::Serial(args) => serial::run(&args),
        Command::Ramoops(args) => ramoops::run(&args),
        Command::Flash(args) => return flash_status(flash::run(&args)),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(message) => {
            eprintln!("bsp: error: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Runs `bsp results`; returns whether the run passed.
fn run_results(args: &ResultsArgs) -> Result<bool, String> {
    let bytes =
        fs::read(&args.log).map_err(|e| format!("cannot read log {}: {e}", args.log.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let source = args.log.display().to_string();
    let totals = results::write(&text, &source, &args.out, &args.report)?;
    Ok(totals.ok())
}

/// `bsp flash` tells a refusal (nothing written) from a failure after writing began.
fn flash_status(result: Result<(), flash::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bsp: error: {error}");
            ExitCode::from(match error {
                flash::Error::Refused(_) => EXIT_BAD_INPUT,
                flash::Error::Failed(_) => EXIT_FAILED,
            })
        }
    }
}
