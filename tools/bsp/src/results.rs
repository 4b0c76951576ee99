// SPDX-License-Identifier: GPL-2.0

//! The reports of one run, written the same way by every command that reads KUnit output.
//!
//! [`write`] parses a console text with [`ktap::parse`], applies the required suites, writes
//! `results.ktap`, `junit.xml` and `results.json` into the output directory, prints the
//! summary and, last, the totals line. `bsp results`, `bsp serial` and `bsp ramoops` all
//! end here, so their reports cannot drift apart.

use std::{fs, path::Path};

use crate::{
    ktap,
    report::{json, junit, summary},
    verdict::{self, Totals},
};

/// What the reports check and record besides the results; the same options on every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// Fail unless a top-level suite with this name ran (may be repeated).
    #[arg(long = "expect-suite", value_name = "NAME")]
    pub expect_suites: Vec<String>,

    /// Architecture recorded in the reports, e.g. arm64.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub arch: String,

    /// Board recorded in the reports, e.g. imx8mp-evk.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "",
        hide_default_value = true
    )]
    pub board: String,
}

/// Writes the three reports for `text` into `out` (created if missing) and prints the summary
/// headed by a title naming `source`. Returns the totals; errors name the file.
pub fn write(text: &str, source: &str, out: &Path, options: &Options) -> Result<Totals, String> {
    let mut parsed = ktap::parse(text);
    verdict::require_suites(&mut parsed, &options.expect_suites);
    let root = &parsed.root;

    let json_meta = json::Metadata {
        arch: options.arch.clone(),
        ..json::Metadata::default()
    };
    let junit_meta = junit::Metadata {
        name: if options.board.is_empty() {
            "kunit".to_owned()
        } else {
            options.board.clone()
        },
        arch: options.arch.clone(),
        board: options.board.clone(),
    };
    let json_text =
        json::render(root, &json_meta).map_err(|e| format!("cannot render JSON: {e}"))?;
    let junit_text =
        junit::render(root, &junit_meta).map_err(|e| format!("cannot render JUnit: {e}"))?;
    let mut ktap_text = parsed.extracted.join("\n");
    if !ktap_text.is_empty() {
        ktap_text.push('\n');
    }

    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    write_file(&out.join("results.ktap"), &ktap_text)?;
    write_file(&out.join("junit.xml"), &junit_text)?;
    write_file(&out.join("results.json"), &json_text)?;

    let totals = Totals::of(root);
    print!("{}", summary::render(root, &title(source, options)));
    println!("{totals}");
    Ok(totals)
}

/// Writes one output file; the error names it.
fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn title(source: &str, options: &Options) -> String {
    let mut title = format!("KUnit results from {source}");
    let context: Vec<&str> = [options.board.as_str(), options.arch.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !context.is_empty() {
        title.push_str(&format!(" ({})", context.join(", ")));
    }
    title
}
