// SPDX-License-Identifier: GPL-2.0

//! A typed KTAP parser for whole serial-console logs.
//!
//! [`parse`] takes a console log as captured from a board or QEMU: printk timestamps or none,
//! other console output interleaved. It starts at the first `KTAP version N` or
//! `TAP version N` found anywhere in a line and strips as many bytes from every following
//! line as preceded that version text. It stops at the lines kunit.py stops at
//! (`List of all partitions:`, `Kernel panic - not syncing: VFS:`, `reboot: System halted`).
//!
//! Nesting is taken from `# Subtest:` headers, nested version lines and indentation together
//! (KUnit indents 4 spaces a level, older logs use tabs). Results that never appeared are
//! counted as crashed tests; crash markers found in the log (see [`crash`]) name the reason.
//! Counts follow kunit.py: a case is a test without subtests; a suite that reports `not ok`
//! while all its cases passed adds one failure; every parse problem is an error.
//!
//! Limitations:
//! - Only the `SKIP` directive changes a status.
//! - A line that lost its console prefix width (a different timestamp width, a line printed
//!   without prefix) is read as garbled text, like kunit.py does.
//! - If a suite is cut short and the log then carries on with another suite at the same
//!   level, the cut suite is closed as crashed; kunit.py instead nests what follows into it.
//! - Several top-level KTAP documents (built-in suites, then modules loaded later) are merged
//!   into one result when each earlier document is complete; kunit.py reads only the first.

mod build;
pub mod crash;
mod line;

use self::crash::CrashMarker;

/// Lines after which kunit.py stops reading a log; kept identical so that counts agree.
const END_MARKERS: [&str; 3] = [
    "List of all partitions:",
    "Kernel panic - not syncing: VFS:",
    "reboot: System halted",
];

/// Console lines printed by the KUnit executor before any KTAP when filtering failed.
const EXECUTOR_PREFIX: &str = "kunit executor:";

/// Name of the top-level test, as kunit.py calls it.
pub const ROOT_NAME: &str = "main";

/// The status of a test or of the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    Skipped,
    /// Results are missing: the log was cut, or the kernel crashed mid-suite.
    Crashed,
    /// A suite (or the run) that has no test cases.
    NoTests,
    /// The log holds no KTAP at all.
    FailureToParse,
}

/// Test counts in kunit.py's sense: cases only, plus parse errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub crashed: usize,
    pub skipped: usize,
    pub errors: usize,
}

impl Counts {
    /// Number of test cases (errors are not tests).
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.crashed + self.skipped
    }

    /// The status these counts amount to: crashes first, then failures.
    pub fn status(&self) -> Status {
        if self.total() == 0 {
            Status::NoTests
        } else if self.crashed > 0 {
            Status::Crashed
        } else if self.failed > 0 {
            Status::Failure
        } else if self.passed > 0 {
            Status::Success
        } else {
            Status::Skipped
        }
    }

    fn add(&mut self, other: &Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.crashed += other.crashed;
        self.skipped += other.skipped;
        self.errors += other.errors;
    }

    fn record(&mut self, status: Status) {
        match status {
            Status::Success => self.passed += 1,
            Status::Failure => self.failed += 1,
            Status::Skipped => self.skipped += 1,
            Status::Crashed | Status::FailureToParse => self.crashed += 1,
            Status::NoTests => {}
        }
    }
}

/// What went wrong while reading the KTAP structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No version line anywhere in the log.
    NoKtap,
    /// A KTAP or TAP version this parser does not know.
    Version,
    /// A planned subtest never reported; a crashed placeholder stands in for it.
    MissingCase,
    /// A suite never printed its own result line.
    MissingResult,
    /// Test numbers out of sequence, or more results than planned.
    Numbering,
    /// A suite's result line names a different test than its header.
    NameMismatch,
    /// A suite (or the run) with no test cases.
    NoTests,
}

/// One parse problem, counted as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// A test: a case, a suite of cases, or the whole run ([`ROOT_NAME`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    pub name: String,
    /// Number on the result line.
    pub number: Option<u64>,
    /// The status after looking at the subtests.
    pub status: Status,
    /// What the result line said (`Success`, `Failure`, `Skipped`); `None` if it is missing.
    pub reported: Option<Status>,
    /// Opened by a version line or `# Subtest:` header: a suite even with no cases.
    pub group: bool,
    /// Planned number of subtests.
    pub plan: Option<usize>,
    pub subtests: Vec<Test>,
    /// Diagnostics and other output printed before the result line, prefix stripped.
    pub log: Vec<String>,
    /// Directive text after `#` on the result line.
    pub directive: Option<String>,
    pub skip_reason: Option<String>,
    /// `# <name>.<key>: <value>` lines for cases, `# <key>: <value>` before a suite's plan.
    pub attributes: Vec<(String, String)>,
    /// Why the test crashed or failed when the parser knows better than the log.
    pub message: Option<String>,
    pub errors: Vec<ParseError>,
    /// Counts over this test and its subtests.
    pub counts: Counts,
    /// 1-based line of the result line in the input log.
    pub line: Option<usize>,
    /// Stands in for a result that never appeared.
    pub placeholder: bool,
}

impl Test {
    /// A suite (or the run) with nothing in it yet.
    pub(crate) fn new_group(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            number: None,
            status: Status::NoTests,
            reported: None,
            group: true,
            plan: None,
            subtests: Vec::new(),
            log: Vec::new(),
            directive: None,
            skip_reason: None,
            attributes: Vec::new(),
            message: None,
            errors: Vec::new(),
            counts: Counts::default(),
            line: None,
            placeholder: false,
        }
    }

    /// A test case with the given result.
    pub fn new_case(name: &str, reported: Status) -> Self {
        Self {
            group: false,
            reported: Some(reported),
            status: reported,
            ..Self::new_group(name)
        }
    }

    /// Whether this test is reported as a suite (has subtests or was opened as one).
    pub fn is_suite(&self) -> bool {
        self.group && !self.subtests.is_empty()
    }

    /// The value of an attribute such as `location` or `module`.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the test passed or was skipped.
    pub fn is_ok(&self) -> bool {
        matches!(self.status, Status::Success | Status::Skipped)
    }

    /// A one-line reason for a status other than success.
    pub fn reason(&self) -> String {
        if let Some(message) = &self.message {
            return message.clone();
        }
        match self.status {
            Status::Skipped => self
                .skip_reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "skipped".to_owned()),
            Status::Failure if self.failed_on_its_own() => {
                "suite reported not ok, but none of its cases failed".to_owned()
            }
            Status::Failure if self.is_suite() => format!("{} failed", self.counts.failed),
            Status::Failure => self.failure_reason(),
            Status::Crashed => "crashed".to_owned(),
            Status::NoTests => "no tests run".to_owned(),
            Status::FailureToParse => "no KTAP output".to_owned(),
            Status::Success => "passed".to_owned(),
        }
    }

    /// A suite that reported `not ok` while every case below it passed or was skipped;
    /// kunit.py counts that as one failure of the suite itself.
    pub fn failed_on_its_own(&self) -> bool {
        let below_ok = self
            .subtests
            .iter()
            .all(|t| t.counts.failed == 0 && t.counts.crashed == 0);
        let any_passed = self.subtests.iter().any(|t| t.counts.passed > 0);
        self.is_suite() && self.reported == Some(Status::Failure) && below_ok && any_passed
    }

    /// Recomputes statuses and counts of this tree, e.g. after adding tests to it.
    pub fn recount(&mut self) {
        finalize(self, true);
    }

    /// A failed case: the first failure diagnostic in its log, a crash in its log, its
    /// directive, and the source location when the test printed one.
    fn failure_reason(&self) -> String {
        let own_prefix = format!("{}: ", self.name);
        let diagnostic = self
            .log
            .iter()
            .filter_map(|l| l.trim().strip_prefix('#'))
            .map(|d| d.trim())
            .map(|d| d.strip_prefix(&own_prefix).unwrap_or(d))
            .find(|d| looks_like_failure(d));
        let crash = self
            .log
            .iter()
            .find(|l| crash::classify(l).is_some_and(|k| k.is_fatal()))
            .map(|l| crash::message(l));

        let mut parts: Vec<String> = diagnostic.into_iter().map(str::to_owned).collect();
        parts.extend(crash.map(str::to_owned));
        if parts.is_empty() {
            parts.push(match &self.directive {
                Some(d) if !d.is_empty() => format!("reported not ok # {d}"),
                _ => "reported not ok".to_owned(),
            });
        }
        let mut reason = parts.join("; ");
        if let Some(location) = self.attribute("location") {
            reason.push_str(&format!(" ({location})"));
        }
        reason
    }
}

/// The result of parsing one console log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ktap {
    /// The whole run; its subtests are the suites.
    pub root: Test,
    /// The KTAP part of the log, prefix stripped, from the version line to the last KTAP line.
    pub extracted: Vec<String>,
    /// Crash markers anywhere in the log.
    pub markers: Vec<CrashMarker>,
}

/// Parses a whole console log. Never fails: a log without KTAP gives a run with status
/// [`Status::FailureToParse`].
pub fn parse(log: &str) -> Ktap {
    let lines: Vec<&str> = log.lines().map(str::trim_end).collect();
    let markers = crash::scan(&lines);

    let Some((start, prefix)) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| line::version_prefix(l).map(|p| (i, p)))
    else {
        return Ktap {
            root: no_ktap(&lines),
            extracted: Vec::new(),
            markers,
        };
    };

    let executor: Vec<String> = lines[..start]
        .iter()
        .filter(|l| l.contains(EXECUTOR_PREFIX))
        .map(|l| l.to_string())
        .collect();
    let mut builder = build::Builder::new(start + 1, strip(lines[start], prefix), &markers);
    let mut extracted = vec![strip(lines[start], prefix).to_owned()];
    let mut last_ktap = 0;
    for (i, raw) in lines.iter().enumerate().skip(start + 1) {
        if END_MARKERS.iter().any(|m| raw.contains(m)) {
            break;
        }
        let text = strip(raw, prefix);
        if builder.feed(i + 1, text) {
            last_ktap = extracted.len();
        }
        extracted.push(text.to_owned());
    }
    extracted.truncate(last_ktap + 1);

    let mut root = builder.finish();
    root.log.splice(0..0, executor);
    finalize(&mut root, true);
    Ktap {
        root,
        extracted,
        markers,
    }
}

/// Removes the console prefix; lines shorter than the prefix become empty.
fn strip(raw: &str, prefix: usize) -> &str {
    raw.get(prefix..).unwrap_or("")
}

fn no_ktap(lines: &[&str]) -> Test {
    let mut root = Test::new_group(ROOT_NAME);
    root.log = lines
        .iter()
        .filter(|l| l.contains(EXECUTOR_PREFIX))
        .map(|l| l.to_string())
        .collect();
    root.errors.push(ParseError::new(
        ErrorKind::NoKtap,
        "no KTAP output found (no \"KTAP version N\" or \"TAP version N\" line)",
    ));
    root.status = Status::FailureToParse;
    root.message = Some("no KTAP output found in the log".to_owned());
    root.counts.errors = 1;
    root
}

fn looks_like_failure(diagnostic: &str) -> bool {
    let lower = diagnostic.to_ascii_lowercase();
    ["failed", "fault", "timed out", "error"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Computes statuses and counts bottom-up, the way kunit.py does, except that a suite
/// without a result line is always `Crashed`.
fn finalize(test: &mut Test, is_root: bool) {
    if test.status == Status::FailureToParse {
        return;
    }
    let mut counts = Counts {
        errors: test.errors.len(),
        ..Counts::default()
    };
    for sub in &mut test.subtests {
        finalize(sub, false);
        counts.add(&sub.counts);
    }

    test.status = if !test.group {
        let status = match test.reported {
            Some(reported) if !test.placeholder => reported,
            _ => Status::Crashed,
        };
        counts.record(status);
        status
    } else if is_root {
        counts.status()
    } else if test.subtests.is_empty() {
        let status = match test.reported {
            Some(s @ (Status::Failure | Status::Skipped)) => s,
            _ => Status::NoTests,
        };
        counts.record(status);
        status
    } else if counts.total() == 0 {
        // Only suites without cases below: kunit.py counts the suite's own result.
        let status = test.reported.unwrap_or(Status::Crashed);
        counts.record(status);
        status
    } else {
        if test.reported == Some(Status::Failure) && counts.status() == Status::Success {
            counts.failed += 1;
        }
        match test.reported {
            None => Status::Crashed,
            Some(_) => counts.status(),
        }
    };
    test.counts = counts;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(log: &str) -> (usize, usize, usize, usize, usize) {
        let c = parse(log).root.counts;
        (c.passed, c.failed, c.crashed, c.skipped, c.errors)
    }

    #[test]
    fn no_ktap_is_failure_to_parse() {
        let k = parse("Booting Linux\nWelcome to Buildroot\n");
        assert_eq!(k.root.status, Status::FailureToParse);
        assert_eq!(k.root.counts.errors, 1);
        assert!(k.extracted.is_empty());
    }

    #[test]
    fn flat_cases_at_top_level() {
        let log = "KTAP version 1\n1..3\nok 1 a\nnot ok 2 b\nok 3 c # SKIP no hw\n";
        assert_eq!(counts(log), (1, 1, 0, 1, 0));
        let k = parse(log);
        assert_eq!(k.root.status, Status::Failure);
        assert_eq!(k.root.subtests[2].skip_reason.as_deref(), Some("no hw"));
    }

    #[test]
    fn prefix_and_noise() {
        let log = "\
[    0.5] booting
[    1.000000] KTAP version 1
[    1.000001] 1..1
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: s
[    1.000004]     1..2
[    1.000005] fec 30be0000.ethernet eth0: link up
[    1.000006]     ok 1 a
[    1.000007]     ok 2 b
[    1.000008] ok 1 s
[    2.000000] Run /sbin/init as init process
";
        let k = parse(log);
        assert_eq!(counts(log), (2, 0, 0, 0, 0));
        assert_eq!(k.root.subtests[0].name, "s");
        assert_eq!(
            k.extracted.first().map(String::as_str),
            Some("KTAP version 1")
        );
        assert_eq!(k.extracted.last().map(String::as_str), Some("ok 1 s"));
        assert_eq!(k.extracted.len(), 9);
    }

    #[test]
    fn parent_not_ok_with_passing_children_adds_a_failure() {
        let log = "KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 x\nnot ok 1 s\n";
        assert_eq!(counts(log), (1, 1, 0, 0, 0));
    }

    #[test]
    fn numbering_error() {
        let log = "KTAP version 1\n1..2\nok 1 a\nok 3 b\n";
        assert_eq!(counts(log), (2, 0, 0, 0, 1));
    }

    #[test]
    fn unknown_version_is_an_error() {
        assert_eq!(counts("KTAP version 2\n1..1\nok 1 a\n"), (1, 0, 0, 0, 1));
    }

    #[test]
    fn empty_plan_is_no_tests() {
        let k = parse("KTAP version 1\n1..0\n");
        assert_eq!(k.root.status, Status::NoTests);
        assert_eq!(k.root.counts.errors, 1);
    }

    #[test]
    fn failure_reason_from_diagnostics_and_location() {
        let log = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: rust_doctests_kernel
    1..1
    # rust_doctest_kernel_a_rs_0.location: rust/kernel/a.rs:10
    # rust_doctest_kernel_a_rs_0: ASSERTION FAILED at rust/kernel/a.rs:14
    Expected x == 2 to be true, but is false
    not ok 1 rust_doctest_kernel_a_rs_0
not ok 1 rust_doctests_kernel
";
        let k = parse(log);
        let case = &k.root.subtests[0].subtests[0];
        assert_eq!(case.attribute("location"), Some("rust/kernel/a.rs:10"));
        assert_eq!(
            case.reason(),
            "ASSERTION FAILED at rust/kernel/a.rs:14 (rust/kernel/a.rs:10)"
        );
    }

    #[test]
    fn suite_attributes() {
        let log =
            "KTAP version 1\n1..1\n  KTAP version 1\n  # Subtest: s\n  # module: gpio_imx_rust\n  \
                   1..1\n  ok 1 a\nok 1 s\n";
        let k = parse(log);
        assert_eq!(
            k.root.subtests[0].attribute("module"),
            Some("gpio_imx_rust")
        );
    }
}
