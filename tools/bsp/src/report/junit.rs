// SPDX-License-Identifier: GPL-2.0

//! JUnit XML through the `quick-junit` crate.
//!
//! JUnit has no nested suites in the form most CI systems read, so nested suites are
//! flattened: a suite inside `s` becomes its own `<testsuite name="s.inner">`, and cases at
//! the top level (and errors of the whole run) go into a suite named `main`. A case carries `<failure>`,
//! `<skipped>` or `<error>` (crashed, or no tests run) and its log as `<system-out>`.
//! Parse problems of a suite become one extra `<error>` case named [`PARSE_CASE`], so that
//! the XML fails whenever `bsp results` does.
//!
//! Limitations: there are no times or timestamps, because KTAP has none.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{dedented_log, join_path};
use crate::ktap::{ErrorKind, Status, Test, ROOT_NAME};

/// Name of the stand-in case that carries a suite's parse errors.
pub const PARSE_CASE: &str = "ktap_parse";

/// Where the results come from, shown as suite properties.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Report name; the board when known.
    pub name: String,
    pub arch: String,
    pub board: String,
}

/// Renders the run as a JUnit XML document.
pub fn render(root: &Test, meta: &Metadata) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new(meta.name.as_str());
    let mut suites = Vec::new();
    add_suite(&mut suites, root, "", meta);
    report.add_test_suites(suites);
    report.to_string()
}

fn add_suite(out: &mut Vec<TestSuite>, test: &Test, path: &str, meta: &Metadata) {
    let name = if path.is_empty() { ROOT_NAME } else { path };
    let mut suite = TestSuite::new(name);
    for (key, value) in [("arch", &meta.arch), ("board", &meta.board)] {
        if !value.is_empty() {
            suite.add_property((key, value.as_str()));
        }
    }
    for (key, value) in &test.attributes {
        suite.add_property((key.as_str(), value.as_str()));
    }

    let mut nested = Vec::new();
    for sub in &test.subtests {
        if sub.is_suite() {
            nested.push(sub);
        } else {
            suite.add_test_case(case(sub, name));
        }
    }
    if test.failed_on_its_own() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(test.reason());
        let mut case = TestCase::new(test.name.as_str(), status);
        case.set_classname(name);
        suite.add_test_case(case);
    }
    if let Some(errors) = parse_errors(test, path.is_empty()) {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(errors);
        if let Some(message) = &test.message {
            status.set_description(message.as_str());
        }
        let mut case = TestCase::new(PARSE_CASE, status);
        case.set_classname(name);
        suite.add_test_case(case);
    }
    if let Some(message) = &test.message {
        suite.set_system_err(message.as_str());
    }
    // The run's own log is the rest of the console log, not test output; and the run is
    // only a suite of its own when cases or errors sit directly in it.
    if path.is_empty() {
        if !suite.test_cases.is_empty() {
            out.push(suite);
        }
    } else {
        if !test.log.is_empty() {
            suite.set_system_out(dedented_log(test));
        }
        out.push(suite);
    }

    for sub in nested {
        add_suite(out, sub, &join_path(path, &sub.name), meta);
    }
}

fn case(test: &Test, classname: &str) -> TestCase {
    let status = match test.status {
        Status::Success => TestCaseStatus::success(),
        Status::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(test.reason());
            status
        }
        Status::Failure => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(test.reason());
            status
        }
        Status::Crashed | Status::NoTests | Status::FailureToParse => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(test.reason());
            status
        }
    };
    let mut case = TestCase::new(test.name.as_str(), status);
    case.set_classname(classname);
    for (key, value) in &test.attributes {
        case.add_property((key.as_str(), value.as_str()));
    }
    if !test.log.is_empty() {
        case.set_system_out(dedented_log(test));
    }
    case
}

/// Parse errors of a suite and of its cases, one per line. Missing cases already appear as
/// crashed cases, and a suite without cases appears as a case of its parent, so those are
/// left out (except at the top, which has no parent).
fn parse_errors(test: &Test, is_root: bool) -> Option<String> {
    let own = test.errors.iter().filter(|e| match e.kind {
        ErrorKind::MissingCase => false,
        ErrorKind::NoTests => is_root,
        _ => true,
    });
    let of_cases = test
        .subtests
        .iter()
        .filter(|t| !t.is_suite())
        .flat_map(|t| t.errors.iter().filter(|e| e.kind != ErrorKind::NoTests));
    let lines: Vec<&str> = own.chain(of_cases).map(|e| e.message.as_str()).collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ktap::parse;

    #[test]
    fn nested_suites_are_flattened() {
        let log = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..2
    # a: EXPECTATION FAILED at x.c:3
    not ok 1 a
        KTAP version 1
        # Subtest: p
        1..1
        ok 1 p-0 # SKIP no board
    ok 2 p
ok 1 s
";
        let xml = render(&parse(log).root, &Metadata::default()).unwrap_or_default();
        assert!(xml.contains("<testsuite name=\"s\""));
        assert!(xml.contains("<testsuite name=\"s.p\""));
        assert!(xml.contains("EXPECTATION FAILED at x.c:3"));
        assert!(xml.contains("<skipped message=\"no board\""));
        assert!(!xml.contains(PARSE_CASE));
        assert!(!xml.contains("name=\"main\""));
    }

    #[test]
    fn run_without_suites_still_fails() {
        let xml = render(&parse("KTAP version 1\n1..0\n").root, &Metadata::default());
        let xml = xml.unwrap_or_default();
        assert!(xml.contains("<testsuite name=\"main\""));
        assert!(xml.contains("<error message=\"no tests run\""));
    }

    #[test]
    fn parse_errors_become_an_error_case() {
        let log = "KTAP version 1\n1..1\n    # Subtest: s\n    1..2\n    ok 1 a\n";
        let xml = render(&parse(log).root, &Metadata::default()).unwrap_or_default();
        assert!(xml.contains(PARSE_CASE));
        assert!(xml.contains("suite s has no result line"));
        assert!(xml.contains("#2 (no result)"));
    }
}
