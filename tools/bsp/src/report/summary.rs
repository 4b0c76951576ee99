// SPDX-License-Identifier: GPL-2.0

//! The summary for people: one line per suite, then one line per problem.
//!
//! Each top-level suite gets its status and pass/fail/skip counts (crashed when nonzero).
//! Then every failed or crashed test gets a line with its dotted path and reason, and every
//! parse error that is not already explained by a crash gets a line. The totals line is
//! printed by the caller, last.

use std::fmt::Write;

use super::join_path;
use crate::ktap::{Counts, ErrorKind, Status, Test};

/// Renders the summary; `title` heads it (the log and board).
pub fn render(root: &Test, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");

    if root.status == Status::FailureToParse {
        let _ = writeln!(out, "  {}", root.reason());
    }
    let width = root
        .subtests
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0);
    for test in &root.subtests {
        let _ = writeln!(
            out,
            "  {:<7} {:<width$}  {}",
            label(test.status),
            test.name,
            counts_text(&test.counts)
        );
    }

    let mut problems = Vec::new();
    collect_errors(root, "", &mut problems);
    collect(root, "", &mut problems);
    if !problems.is_empty() {
        let _ = writeln!(out, "Problems:");
        for line in problems {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Success => "PASS",
        Status::Failure => "FAIL",
        Status::Skipped => "SKIP",
        Status::Crashed => "CRASH",
        Status::NoTests => "NOTESTS",
        Status::FailureToParse => "NOKTAP",
    }
}

fn counts_text(c: &Counts) -> String {
    let mut text = format!(
        "{} passed, {} failed, {} skipped",
        c.passed, c.failed, c.skipped
    );
    if c.crashed > 0 {
        let _ = write!(text, ", {} crashed", c.crashed);
    }
    text
}

/// Failure and crash lines for the subtests of `test`, depth first.
fn collect(test: &Test, path: &str, out: &mut Vec<String>) {
    for sub in &test.subtests {
        let sub_path = join_path(path, &sub.name);
        let own_line = match sub.status {
            // A suite that never printed its result explains its missing cases at once.
            Status::Crashed if sub.group && sub.reported.is_none() => true,
            Status::Crashed => !sub.placeholder || path.is_empty(),
            Status::Failure => !sub.is_suite() || sub.failed_on_its_own(),
            _ => false,
        };
        if own_line {
            out.push(format!(
                "{} {}: {}",
                label(sub.status),
                sub_path,
                sub.reason()
            ));
        }
        collect_errors(sub, &sub_path, out);
        collect(sub, &sub_path, out);
    }
}

/// Parse errors of one test that a crash line does not already explain.
fn collect_errors(test: &Test, path: &str, out: &mut Vec<String>) {
    for error in &test.errors {
        if matches!(
            error.kind,
            ErrorKind::MissingCase | ErrorKind::MissingResult | ErrorKind::NoKtap
        ) {
            continue;
        }
        let place = if path.is_empty() { "KTAP" } else { path };
        out.push(format!("ERROR {place}: {}", error.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ktap::parse;

    #[test]
    fn lists_suites_and_problems() {
        let log = "\
KTAP version 1
1..2
    # Subtest: gpio
    1..2
    # out: EXPECTATION FAILED at gpio.rs:9
    not ok 1 out
    ok 2 in
not ok 1 gpio
    # Subtest: fec
    1..2
    ok 1 mdio
";
        let text = render(&parse(log).root, "title");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "title");
        assert_eq!(lines[1], "  FAIL    gpio  1 passed, 1 failed, 0 skipped");
        assert_eq!(
            lines[2],
            "  CRASH   fec   1 passed, 0 failed, 0 skipped, 1 crashed"
        );
        assert_eq!(lines[3], "Problems:");
        assert_eq!(lines[4], "  FAIL gpio.out: EXPECTATION FAILED at gpio.rs:9");
        assert_eq!(
            lines[5],
            "  CRASH fec: 1 of 2 results missing (no results after line 11 before the log ends)"
        );
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn suite_failing_on_its_own() {
        let log = "KTAP version 1\n1..1\n  # Subtest: s\n  1..1\n  ok 1 a\nnot ok 1 s\n";
        let text = render(&parse(log).root, "t");
        assert!(text.ends_with("  FAIL s: suite reported not ok, but none of its cases failed\n"));
    }
}
