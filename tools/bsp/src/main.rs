// SPDX-License-Identifier: GPL-2.0

//! `bsp`: command-line tools of the board-support package.
//!
//! `bsp results LOG --out DIR` reads KUnit results from a serial-console log and writes
//! `results.ktap` (the KTAP part of the log), `junit.xml` and `results.json` into `DIR`,
//! prints a summary and, last, one totals line. Exit status: 0 if the log has KTAP, nothing
//! failed or crashed and every `--expect-suite` ran; 1 otherwise; 2 if the input or output
//! could not be read or written.
//!
//! Limitations: the log is read whole into memory; reading from standard input is not
//! supported.

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use bsp::{
    ktap,
    report::{json, junit, summary},
    verdict::{self, Totals},
};
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
}

#[derive(Args)]
struct ResultsArgs {
    /// Serial-console or dmesg log holding KTAP output.
    log: PathBuf,

    /// Directory for results.ktap, junit.xml and results.json (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Fail unless a top-level suite with this name ran (may be repeated).
    #[arg(long = "expect-suite", value_name = "NAME")]
    expect_suite: Vec<String>,

    /// Architecture recorded in the reports, e.g. arm64.
    #[arg(long, default_value = "", hide_default_value = true)]
    arch: String,

    /// Board recorded in the reports, e.g. imx8mp-evk.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "",
        hide_default_value = true
    )]
    board: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Results(args) => results(&args),
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
fn results(args: &ResultsArgs) -> Result<bool, String> {
    let bytes =
        fs::read(&args.log).map_err(|e| format!("cannot read log {}: {e}", args.log.display()))?;
    let text = String::from_utf8_lossy(&bytes);

    let mut parsed = ktap::parse(&text);
    verdict::require_suites(&mut parsed, &args.expect_suite);
    let root = &parsed.root;

    let json_meta = json::Metadata {
        arch: args.arch.clone(),
        ..json::Metadata::default()
    };
    let junit_meta = junit::Metadata {
        name: if args.board.is_empty() {
            "kunit".to_owned()
        } else {
            args.board.clone()
        },
        arch: args.arch.clone(),
        board: args.board.clone(),
    };
    let json_text =
        json::render(root, &json_meta).map_err(|e| format!("cannot render JSON: {e}"))?;
    let junit_text =
        junit::render(root, &junit_meta).map_err(|e| format!("cannot render JUnit: {e}"))?;
    let mut ktap_text = parsed.extracted.join("\n");
    if !ktap_text.is_empty() {
        ktap_text.push('\n');
    }

    fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    write(&args.out.join("results.ktap"), &ktap_text)?;
    write(&args.out.join("junit.xml"), &junit_text)?;
    write(&args.out.join("results.json"), &json_text)?;

    let totals = Totals::of(root);
    print!("{}", summary::render(root, &title(args)));
    println!("{totals}");
    Ok(totals.ok())
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn title(args: &ResultsArgs) -> String {
    let mut title = format!("KUnit results from {}", args.log.display());
    let context: Vec<&str> = [args.board.as_str(), args.arch.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !context.is_empty() {
        title.push_str(&format!(" ({})", context.join(", ")));
    }
    title
}
