// SPDX-License-Identifier: GPL-2.0

//! Parses every log in `tests/data` and checks its counts against [`FIXTURES`].
//!
//! To add a log (a saved QEMU boot of the board, say), copy it into `tests/data` and add a
//! row. The counts are kunit.py's (`misc` in its JSON): `failed` does not include crashed
//! tests or errors. `tests/ktap-crosscheck.sh` at the repository root compares them with
//! kunit.py itself.

use std::{fs, path::PathBuf};

use bsp::ktap::{self, Ktap, Status};

/// File, passed, failed, skipped, crashed, status of the run.
type Row = (&'static str, usize, usize, usize, usize, Status);

#[rustfmt::skip]
const FIXTURES: &[Row] = &[
    // Logs from the kernel's kunit_tool (tools/testing/kunit/test_data).
    ("test_config_printk_time.log",                      10, 0, 0, 0, Status::Success),
    ("test_insufficient_memory.log",                      0, 0, 0, 0, Status::FailureToParse),
    ("test_interrupted_tap_output.log",                  10, 0, 0, 0, Status::Success),
    ("test_is_test_passed-all_passed.log",               10, 0, 0, 0, Status::Success),
    ("test_is_test_passed-all_passed_nested.log",         7, 0, 0, 0, Status::Success),
    ("test_is_test_passed-failure-nested.log",            1, 2, 0, 0, Status::Failure),
    ("test_is_test_passed-failure.log",                   9, 1, 0, 0, Status::Failure),
    ("test_is_test_passed-kselftest.log",                 2, 0, 1, 0, Status::Success),
    ("test_is_test_passed-missing_plan.log",             10, 0, 0, 0, Status::Success),
    ("test_is_test_passed-no_tests_no_plan.log",          1, 0, 0, 0, Status::Success),
    ("test_is_test_passed-no_tests_run_no_header.log",    0, 0, 0, 0, Status::FailureToParse),
    ("test_is_test_passed-no_tests_run_with_header.log",  0, 0, 0, 0, Status::NoTests),
    ("test_kernel_panic_interrupt.log",                   8, 0, 0, 2, Status::Crashed),
    ("test_multiple_prefixes.log",                       10, 0, 0, 0, Status::Success),
    ("test_output_isolated_correctly.log",                2, 0, 0, 0, Status::Success),
    ("test_output_with_prefix_isolated_correctly.log",   10, 0, 0, 0, Status::Success),
    ("test_parse_attributes.log",                         1, 0, 0, 0, Status::Success),
    ("test_parse_ktap_output.log",                        3, 0, 0, 0, Status::Success),
    ("test_parse_subtest_header.log",                     1, 0, 0, 0, Status::Success),
    ("test_pound_no_prefix.log",                         10, 0, 0, 0, Status::Success),
    ("test_pound_sign.log",                              10, 0, 0, 0, Status::Success),
    ("test_skip_all_tests.log",                           0, 0, 5, 0, Status::Skipped),
    ("test_skip_tests.log",                               4, 0, 1, 0, Status::Success),
    ("test_strip_hyphen.log",                             2, 0, 0, 0, Status::Success),
    // Our own.
    ("bsp-console-noise.log",                             7, 0, 1, 0, Status::Success),
    // A real boot of the i.MX 8M Plus EVK image in QEMU 10.0.2.
    ("qemu-imx8mp-evk-boot.log",                        367, 0, 0, 0, Status::Success),
    ("bsp-module-document.log",                           4, 1, 0, 0, Status::Failure),
    ("bsp-oops-caught.log",                               2, 2, 0, 0, Status::Failure),
    ("bsp-oops-fatal.log",                                1, 0, 0, 4, Status::Crashed),
    ("bsp-truncated-mid-suite.log",                       6, 0, 0, 3, Status::Crashed),
];

fn data_dir() -> PathBuf {
    manifest_dir().join("tests/data")
}

/// Parses a fixture the way `bsp results` reads a log.
fn parse(file: &str) -> Ktap {
    let path = data_dir().join(file);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ktap::parse(&String::from_utf8_lossy(&bytes))
}

#[test]
fn fixture_counts() {
    let mut wrong = Vec::new();
    for &(file, passed, failed, skipped, crashed, status) in FIXTURES {
        let root = parse(file).root;
        let c = root.counts;
        let got = (c.passed, c.failed, c.skipped, c.crashed, root.status);
        let want = (passed, failed, skipped, crashed, status);
        if got != want {
            wrong.push(format!("{file}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn every_log_has_a_row() {
    let entries = fs::read_dir(data_dir()).unwrap_or_else(|e| panic!("tests/data: {e}"));
    let mut missing = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".log") && !FIXTURES.iter().any(|row| row.0 == name) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "logs without a row: {missing:?}");
}

#[test]
fn fatal_oops_is_named() {
    let root = parse("bsp-oops-fatal.log").root;
    let suite = &root.subtests[0];
    assert_eq!(suite.name, "gpio_imx_rust");
    assert_eq!(suite.status, Status::Crashed);
    let message = suite.message.as_deref().unwrap_or_default();
    assert!(message.starts_with("3 of 4 results missing after \"Internal error: Oops:"));
    assert!(message.contains("(log line 14)"));
    // The dump belongs to the case that was running.
    assert!(suite.subtests[1]
        .log
        .iter()
        .any(|l| l.contains("Call trace:")));
    // The second suite never started.
    assert!(root.subtests[1].placeholder);
}

#[test]
fn caught_oops_fails_one_case_and_warning_changes_nothing() {
    let root = parse("bsp-oops-caught.log").root;
    let suite = &root.subtests[0];
    let statuses: Vec<Status> = suite.subtests.iter().map(|t| t.status).collect();
    use Status::{Failure, Success};
    assert_eq!(statuses, [Success, Success, Failure, Failure]);
    let reason = suite.subtests[2].reason();
    assert!(reason.starts_with("try faulted: last line seen"));
    assert!(reason.contains("Internal error: Oops"));
    assert_eq!(
        suite.subtests[3].reason(),
        "EXPECTATION FAILED at drivers/bsp/gpio/gpio_imx_rust.rs:240"
    );
}

#[test]
fn truncated_log_names_the_cut() {
    let root = parse("bsp-truncated-mid-suite.log").root;
    let suite = &root.subtests[1];
    assert_eq!(
        suite.message.as_deref(),
        Some("3 of 6 results missing (no results after line 20 before the log ends)")
    );
}

#[test]
fn doctest_locations_and_noise() {
    let parsed = parse("bsp-console-noise.log");
    let doctests = &parsed.root.subtests[0];
    assert_eq!(doctests.name, "rust_doctests_kernel");
    assert_eq!(
        doctests.subtests[2].attribute("location"),
        Some("rust/kernel/sync/arc.rs:52")
    );
    assert_eq!(
        parsed.root.subtests[1].attribute("module"),
        Some("gpio_imx_rust")
    );
    assert_eq!(
        parsed.root.subtests[1].subtests[2].skip_reason.as_deref(),
        Some("GPIO1_IO09 not wired on this board")
    );
    // The extract starts at the version line and ends at the last KTAP line.
    let first = parsed.extracted.first().map(String::as_str);
    let last = parsed.extracted.last().map(String::as_str);
    assert_eq!(first, Some("KTAP version 1"));
    assert_eq!(last, Some("# Totals: pass:7 fail:0 skip:1 total:8"));
}

#[test]
fn module_document_is_merged() {
    let root = parse("bsp-module-document.log").root;
    let names: Vec<&str> = root.subtests.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["rust_doctests_kernel", "rust_fec"]);
    assert_eq!(root.counts.errors, 0);
}

/// The package folder of this checkout. Cargo sets CARGO_MANIFEST_DIR when it runs a test, so
/// a test binary reused from another checkout sharing the cached target folder (its
/// fingerprint does not depend on the checkout's path) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
