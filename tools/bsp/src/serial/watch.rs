// SPDX-License-Identifier: GPL-2.0

//! Decides when a console capture is over, one line at a time.
//!
//! The built-in KUnit run is over when the top-level KTAP plan (`1..N`, printed by the KUnit
//! executor before the first suite) has all N results. That is checked by running the KTAP
//! parser over the capture whenever a line looks like a top-level result, so the parser
//! stays the one authority. `# Totals:` is no end marker: Linux 7.3 prints it after every
//! suite with parameterised tests (`kunit_print_suite_stats()`).
//!
//! After the run is over, the capture ends at the userspace marker ([`USERSPACE_READY`],
//! printed by our init script) or after [`QUIET`] without output. A kernel panic ends it at
//! the panic's closing `---[ end Kernel panic` line, or after [`QUIET`]. The userspace marker
//! also ends a capture whose run never finished: nothing more comes once init runs.

use std::time::Duration;

use crate::ktap::{
    self,
    crash::{self, MarkerKind},
};

/// Printed by `overlay/etc/init.d/rcS` when userspace is up.
pub const USERSPACE_READY: &str = "bsp: userspace ready";

/// Silence that ends a capture after the run or a panic.
pub const QUIET: Duration = Duration::from_secs(3);

/// The kernel's last line after a panic.
const PANIC_END: &str = "---[ end Kernel panic";

/// Longest bracketed printk prefix group (`[    1.234567]`, `[  T42]`).
const MAX_PREFIX_GROUP: usize = 32;

/// Why a capture ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Userspace printed its marker.
    Userspace,
    /// The run was over and the console fell silent.
    Quiet,
    /// The kernel panicked; the panic line, without its prefix.
    Panic(String),
    /// The deadline passed.
    Timeout,
    /// The serial port failed or hung up.
    Closed(String),
}

/// What has been seen so far.
#[derive(Debug, Default)]
pub struct Watch {
    /// Complete lines so far, each ending in `\n`.
    text: String,
    run_over: bool,
    panic: Option<String>,
}

impl Watch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one complete console line (without its line ending); returns why the capture
    /// should end now, if it should.
    pub fn line(&mut self, line: &str) -> Option<Stop> {
        self.text.push_str(line);
        self.text.push('\n');

        if let Some(panic) = &self.panic {
            return line.contains(PANIC_END).then(|| Stop::Panic(panic.clone()));
        }
        if crash::classify(line) == Some(MarkerKind::Panic) {
            self.panic = Some(message(line).to_owned());
            return None;
        }
        if line.contains(USERSPACE_READY) {
            return Some(Stop::Userspace);
        }
        if !self.run_over && is_top_level_result(line) {
            self.run_over = plan_complete(&ktap::parse(&self.text));
        }
        None
    }

    /// Called when the console has been silent for `silence`.
    pub fn silent(&self, silence: Duration) -> Option<Stop> {
        if silence < QUIET {
            return None;
        }
        match &self.panic {
            Some(panic) => Some(Stop::Panic(panic.clone())),
            None => self.run_over.then_some(Stop::Quiet),
        }
    }

    /// Whether the top-level plan has all its results.
    pub fn run_over(&self) -> bool {
        self.run_over
    }
}

/// Whether every suite of the top-level plan reported.
fn plan_complete(parsed: &ktap::Ktap) -> bool {
    let root = &parsed.root;
    let reported = root
        .subtests
        .iter()
        .filter(|t| t.reported.is_some() && !t.placeholder)
        .count();
    root.plan.is_some_and(|plan| reported >= plan)
}

/// `ok N`/`not ok N` right after the printk prefix: a result at the top level.
fn is_top_level_result(line: &str) -> bool {
    let mut rest = line.trim_end();
    while let Some(inner) = rest.strip_prefix('[') {
        match inner.find(']') {
            Some(end) if end <= MAX_PREFIX_GROUP => {
                rest = &inner[end + 1..];
                rest = rest.strip_prefix(' ').unwrap_or(rest);
            }
            _ => break,
        }
    }
    rest.starts_with("ok ") || rest.starts_with("not ok ")
}

/// The message of a console line, printk prefix removed.
fn message(line: &str) -> &str {
    let mut rest = line.trim();
    while let Some(inner) = rest.strip_prefix('[') {
        match inner.find(']') {
            Some(end) if end <= MAX_PREFIX_GROUP => rest = inner[end + 1..].trim_start(),
            _ => break,
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &[&str] = &[
        "[    1.0] KTAP version 1",
        "[    1.0] 1..2",
        "[    1.1]     # Subtest: a",
        "[    1.1]     1..1",
        "[    1.1]     ok 1 x",
        "[    1.2] # Totals: pass:1 fail:0 skip:0 total:1",
        "[    1.2] ok 1 a",
        "[    1.3]     # Subtest: b",
        "[    1.3]     1..1",
        "[    1.3]     ok 1 y",
        "[    1.4] ok 2 b",
    ];

    fn feed(watch: &mut Watch, lines: &[&str]) -> Option<Stop> {
        lines.iter().find_map(|l| watch.line(l))
    }

    #[test]
    fn run_is_over_after_the_last_planned_result() {
        let mut watch = Watch::new();
        assert_eq!(feed(&mut watch, &RUN[..7]), None);
        assert!(!watch.run_over(), "# Totals: after a suite is not the end");
        assert_eq!(watch.silent(QUIET), None);
        assert_eq!(feed(&mut watch, &RUN[7..]), None);
        assert!(watch.run_over());
        assert_eq!(watch.silent(Duration::from_secs(1)), None);
        assert_eq!(watch.silent(QUIET), Some(Stop::Quiet));
        assert_eq!(
            watch.line("[    2.0] random: crng init done\r"),
            None,
            "noise after the run changes nothing"
        );
        assert_eq!(watch.line("bsp: userspace ready\r"), Some(Stop::Userspace));
    }

    #[test]
    fn panic_ends_at_its_last_line() {
        let mut watch = Watch::new();
        feed(&mut watch, &RUN[..4]);
        let panic = "[    1.2] Kernel panic - not syncing: Oops: Fatal exception";
        assert_eq!(watch.line(panic), None);
        assert_eq!(watch.line("[    1.2] SMP: stopping secondary CPUs"), None);
        let expected = Stop::Panic("Kernel panic - not syncing: Oops: Fatal exception".into());
        assert_eq!(watch.silent(QUIET), Some(expected.clone()));
        let end = "[    1.3] ---[ end Kernel panic - not syncing: Oops: Fatal exception ]---";
        assert_eq!(watch.line(end), Some(expected));
    }

    #[test]
    fn unfinished_run_waits() {
        let mut watch = Watch::new();
        feed(&mut watch, &RUN[..9]);
        assert!(!watch.run_over());
        assert_eq!(watch.silent(Duration::from_secs(60)), None);
    }

    #[test]
    fn top_level_results() {
        assert!(is_top_level_result(
            "[    1.929158] ok 1 rust_doctests_kernel\r"
        ));
        assert!(is_top_level_result("[    1.9][  T1] not ok 2 gpio"));
        assert!(is_top_level_result("ok 1 a"));
        assert!(!is_top_level_result("[    1.9]     ok 1 case"));
        assert!(!is_top_level_result("[    1.9] # ok so far"));
    }
}
