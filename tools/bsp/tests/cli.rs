// SPDX-License-Identifier: GPL-2.0

//! Runs the `bsp results` binary on fixtures: files written, output, exit status.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

fn data(file: &str) -> PathBuf {
    manifest_dir().join("tests/data").join(file)
}

/// A fresh output directory for one test.
/// A fresh output folder; the process id keeps concurrent test runs sharing one target folder
/// (CARGO_TARGET_DIR in the cache) apart.
fn out_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn bsp(log: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bsp"))
        .arg("results")
        .arg(log)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bsp: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn last_line(output: &Output) -> String {
    stdout(output).lines().last().unwrap_or_default().to_owned()
}

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn passing_log_writes_all_reports() {
    let out = out_dir("passing");
    let output = bsp(
        &data("bsp-console-noise.log"),
        &out,
        &["--arch", "arm64", "--board", "imx8mp-evk"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(last_line(&output), "7 passed, 0 failed, 1 skipped");
    assert!(stdout(&output).contains("PASS    rust_doctests_kernel  5 passed"));

    let ktap = read(out.join("results.ktap"));
    assert!(ktap.starts_with("KTAP version 1\n1..2\n    KTAP version 1\n"));
    assert!(!ktap.contains('\r') && !ktap.contains("[    1."));

    let json: serde_json::Value =
        serde_json::from_str(&read(out.join("results.json"))).unwrap_or_default();
    assert_eq!(json["name"], "KUnit Test Group");
    assert_eq!(json["arch"], "arm64");
    assert_eq!(json["sub_groups"][0]["name"], "rust_doctests_kernel");
    assert_eq!(json["misc"]["skipped"], 1);

    let xml = read(out.join("junit.xml"));
    assert!(xml.contains("<testsuites name=\"imx8mp-evk\" tests=\"8\""));
    assert!(xml.contains("<testsuite name=\"gpio_imx_rust\""));
    assert!(xml.contains("<property name=\"board\" value=\"imx8mp-evk\"/>"));
}

#[test]
fn crash_fails_with_reason() {
    let out = out_dir("crash");
    let output = bsp(&data("bsp-oops-fatal.log"), &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(last_line(&output), "1 passed, 5 failed");
    assert!(stdout(&output).contains("CRASH gpio_imx_rust: 3 of 4 results missing after"));
    let xml = read(out.join("junit.xml"));
    assert!(xml.contains("Internal error: Oops"));
}

#[test]
fn missing_expected_suite_fails() {
    let out = out_dir("expect");
    let output = bsp(
        &data("bsp-console-noise.log"),
        &out,
        &[
            "--expect-suite",
            "gpio_imx_rust",
            "--expect-suite",
            "rust_fec",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("FAIL rust_fec: expected suite not found in the log"));
    assert_eq!(last_line(&output), "7 passed, 1 failed, 1 skipped");
}

#[test]
fn expected_suites_present_pass() {
    let out = out_dir("expect-ok");
    let args = ["--expect-suite", "rust_doctests_kernel"];
    let output = bsp(&data("bsp-console-noise.log"), &out, &args);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn log_without_ktap_fails() {
    let out = out_dir("no-ktap");
    let output = bsp(
        &data("test_is_test_passed-no_tests_run_no_header.log"),
        &out,
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("no KTAP output found"));
    assert_eq!(last_line(&output), "0 passed, 1 failed");
    assert_eq!(read(out.join("results.ktap")), "");
}

#[test]
fn missing_log_is_a_usage_error() {
    let out = out_dir("missing");
    let output = bsp(&data("no-such.log"), &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("bsp: error: cannot read log "));
    assert!(!out.exists());
}

#[test]
fn unwritable_output_is_a_usage_error() {
    let out = out_dir("blocked");
    let blocker = out.with_extension("file");
    fs::write(&blocker, "").unwrap_or_else(|e| panic!("{e}"));
    let output = bsp(&data("bsp-console-noise.log"), &blocker, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("bsp: error: cannot create "), "{stderr}");
}

#[test]
fn binary_garbage_does_not_panic() {
    let out = out_dir("garbage");
    let log = out.with_extension("log");
    let mut bytes =
        b"\xff\xfe\x00\n[ 0.1] KTAP version 1\n[ 0.1] 1..1\n[ 0.1] ok 1 \xc3\x28 x\n".to_vec();
    bytes.extend_from_slice(&[0x1b, b'[', b'0', b'm', b'\n']);
    fs::write(&log, bytes).unwrap_or_else(|e| panic!("{e}"));
    let output = bsp(&log, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(last_line(&output), "1 passed, 0 failed");
}

/// The package folder of this checkout. Cargo sets CARGO_MANIFEST_DIR when it runs a test, so
/// a test binary reused from another checkout sharing the cached target folder (its
/// fingerprint does not depend on the checkout's path) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
