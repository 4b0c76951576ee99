// SPDX-License-Identifier: GPL-2.0

//! What a parsed run means for CI: required suites, totals and the pass/fail decision.
//!
//! Crashed tests and parse errors count as failed. A run passes only if the log has KTAP,
//! nothing failed and every required suite is present.
//!
//! kunit.py counts a planned test that never reported twice: as a crashed test and as an
//! error. The totals line counts it once, as crashed, so that `failed` never exceeds the
//! number of tests plus the genuine parse errors.

use std::fmt;

use crate::ktap::{ErrorKind, Ktap, Status, Test};

/// Message for a required suite that never appeared.
pub const MISSING_SUITE: &str = "expected suite not found in the log";

/// Adds a failed stand-in for every `expected` suite that is not a top-level test of the
/// run, and recounts. Returns the names that were missing.
pub fn require_suites(ktap: &mut Ktap, expected: &[String]) -> Vec<String> {
    let root = &mut ktap.root;
    let missing: Vec<String> = expected
        .iter()
        .filter(|name| !root.subtests.iter().any(|t| &t.name == *name))
        .cloned()
        .collect();
    for name in &missing {
        let mut stand_in = Test::new_case(name, Status::Failure);
        stand_in.message = Some(MISSING_SUITE.to_owned());
        root.subtests.push(stand_in);
    }
    if !missing.is_empty() {
        if root.status == Status::FailureToParse {
            // Keep "no KTAP" as the run's status; the stand-ins only add failures.
            root.counts.failed += missing.len();
        } else {
            root.recount();
        }
    }
    missing
}

/// The totals printed as the last line of `bsp results`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    /// Failed, crashed and parse errors together.
    pub failed: usize,
    pub skipped: usize,
    /// The log held KTAP.
    pub found_ktap: bool,
}

impl Totals {
    pub fn of(root: &Test) -> Self {
        let c = &root.counts;
        let errors = c.errors.saturating_sub(missing_cases(root));
        Self {
            passed: c.passed,
            failed: c.failed + c.crashed + errors,
            skipped: c.skipped,
            found_ktap: root.status != Status::FailureToParse,
        }
    }

    /// Whether CI should call the run a success.
    pub fn ok(&self) -> bool {
        self.found_ktap && self.failed == 0
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

/// Errors that only say a planned test is missing; each has a crashed stand-in.
fn missing_cases(test: &Test) -> usize {
    let own = test
        .errors
        .iter()
        .filter(|e| e.kind == ErrorKind::MissingCase)
        .count();
    own + test.subtests.iter().map(missing_cases).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ktap::parse;

    const LOG: &str =
        "KTAP version 1\n1..2\n  KTAP version 1\n  # Subtest: a\n  1..2\n  ok 1 x\n  \
                       ok 2 y # SKIP no hw\nok 1 a\n  KTAP version 1\n  # Subtest: b\n  1..1\n  \
                       ok 1 z\nok 2 b\n";

    #[test]
    fn totals_line() {
        let k = parse(LOG);
        let t = Totals::of(&k.root);
        assert_eq!(t.to_string(), "2 passed, 0 failed, 1 skipped");
        assert!(t.ok());
    }

    #[test]
    fn missing_suite_fails() {
        let mut k = parse(LOG);
        let missing = require_suites(&mut k, &["a".to_owned(), "imx_gpio".to_owned()]);
        assert_eq!(missing, ["imx_gpio"]);
        let t = Totals::of(&k.root);
        assert_eq!(t.to_string(), "2 passed, 1 failed, 1 skipped");
        assert!(!t.ok());
        assert_eq!(k.root.status, Status::Failure);
    }

    #[test]
    fn missing_test_counts_once() {
        let k = parse("KTAP version 1\n1..1\n  # Subtest: s\n  1..3\n  ok 1 a\n");
        assert_eq!(k.root.counts.crashed, 2);
        assert_eq!(k.root.counts.errors, 3);
        // Two crashed tests and one missing suite result line.
        assert_eq!(Totals::of(&k.root).to_string(), "1 passed, 3 failed");
    }

    #[test]
    fn no_ktap_fails() {
        let mut k = parse("just a boot log\n");
        require_suites(&mut k, &["a".to_owned()]);
        let t = Totals::of(&k.root);
        assert_eq!(t.to_string(), "0 passed, 2 failed");
        assert!(!t.ok());
    }
}
