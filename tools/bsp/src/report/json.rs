// SPDX-License-Identifier: GPL-2.0

//! JSON in the shape kunit.py writes with `--json` (KernelCI test-group style).
//!
//! Every group repeats the run's metadata (`arch`, `defconfig`, `build_environment`, the
//! null `lab_name`, `kernel` and `job`, and `git_branch`), as kunit.py does. Suites become
//! `sub_groups`, cases become `test_cases` with status `PASS`, `FAIL`, `SKIP` or `ERROR`.
//!
//! Limitations: kunit.py's fixed `git_branch` value "kselftest" is kept so that consumers
//! of its output read ours unchanged; the board name has no field in this format.

use serde::Serialize;

use crate::ktap::{Counts, Status, Test};

/// Name kunit.py gives the top-level group.
const TOP_NAME: &str = "KUnit Test Group";

/// Value kunit.py puts in `git_branch`.
const GIT_BRANCH: &str = "kselftest";

/// Run metadata copied into every group.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub arch: String,
    pub defconfig: String,
    pub build_environment: String,
}

#[derive(Serialize)]
struct Group<'a> {
    name: &'a str,
    sub_groups: Vec<Group<'a>>,
    test_cases: Vec<Case<'a>>,
    misc: Misc,
    arch: &'a str,
    defconfig: &'a str,
    build_environment: &'a str,
    lab_name: Option<&'a str>,
    kernel: Option<&'a str>,
    job: Option<&'a str>,
    git_branch: &'a str,
}

#[derive(Serialize)]
struct Case<'a> {
    name: &'a str,
    status: &'static str,
}

#[derive(Serialize)]
struct Misc {
    tests: usize,
    passed: usize,
    failed: usize,
    crashed: usize,
    skipped: usize,
    errors: usize,
}

impl From<&Counts> for Misc {
    fn from(c: &Counts) -> Self {
        Self {
            tests: c.total(),
            passed: c.passed,
            failed: c.failed,
            crashed: c.crashed,
            skipped: c.skipped,
            errors: c.errors,
        }
    }
}

/// Renders the run as kunit.py-style JSON, indented by four spaces like kunit.py.
pub fn render(root: &Test, meta: &Metadata) -> Result<String, serde_json::Error> {
    let mut group = group(root, meta);
    group.name = TOP_NAME;

    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    group.serialize(&mut serializer)?;
    // serde_json only writes valid UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn group<'a>(test: &'a Test, meta: &'a Metadata) -> Group<'a> {
    let mut sub_groups = Vec::new();
    let mut test_cases = Vec::new();
    for sub in &test.subtests {
        if sub.is_suite() {
            sub_groups.push(group(sub, meta));
        } else {
            test_cases.push(Case {
                name: &sub.name,
                status: status_word(sub.status),
            });
        }
    }
    Group {
        name: &test.name,
        sub_groups,
        test_cases,
        misc: Misc::from(&test.counts),
        arch: &meta.arch,
        defconfig: &meta.defconfig,
        build_environment: &meta.build_environment,
        lab_name: None,
        kernel: None,
        job: None,
        git_branch: GIT_BRANCH,
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Success => "PASS",
        Status::Skipped => "SKIP",
        Status::Crashed => "ERROR",
        Status::Failure | Status::NoTests | Status::FailureToParse => "FAIL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ktap::parse;

    #[test]
    fn shape_matches_kunit_py() {
        let k = parse(
            "KTAP version 1\n1..1\n  # Subtest: s\n  1..2\n  ok 1 a\n  not ok 2 b\nnot ok 1 s\n",
        );
        let meta = Metadata {
            arch: "arm64".to_owned(),
            ..Metadata::default()
        };
        let text = render(&k.root, &meta).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v["name"], "KUnit Test Group");
        assert_eq!(v["arch"], "arm64");
        assert!(v["lab_name"].is_null());
        assert_eq!(v["git_branch"], "kselftest");
        assert_eq!(v["misc"]["tests"], 2);
        assert_eq!(v["misc"]["failed"], 1);
        let s = &v["sub_groups"][0];
        assert_eq!(s["name"], "s");
        assert_eq!(s["test_cases"][1]["status"], "FAIL");
        assert!(text.contains("\n    \"name\""));
    }
}
