// SPDX-License-Identifier: GPL-2.0

//! Runs `bsp-probe` without hardware: the probe list, and every check made before a probe
//! is opened.

use std::process::{Command, Output};

fn bsp_probe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bsp-probe"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bsp-probe: {e}"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `read` with the i.MX 8M Plus and a ramoops-sized region, plus `extra`.
fn read(extra: &[&str]) -> Output {
    let out = &format!(
        "{}/bsp-probe-dump-{}.bin",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let mut args = vec!["read", "--chip", "MIMX8ML8", "--out", out];
    args.extend_from_slice(extra);
    bsp_probe(&args)
}

#[test]
fn list_without_probes() {
    let output = bsp_probe(&["list"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // A developer may have a probe plugged in; CI has none.
    if output.status.code() == Some(1) {
        assert_eq!(stdout, "no debug probes found\n");
        assert!(output.stderr.is_empty(), "{}", stderr(&output));
    } else {
        assert_eq!(output.status.code(), Some(0));
        assert!(!stdout.is_empty());
    }
}

#[test]
fn bad_numbers_are_usage_errors() {
    let output = read(&["--address", "0x9000_0000", "--size", "64K"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a number: \"64K\""));

    let output = read(&["--address", "0x90000000", "--size", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "bsp-probe: error: --size is 0: nothing to read\n"
    );

    let output = read(&["--address", "0xffffffffffffff00", "--size", "0x1000"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("run past the end of the address space"));
}

#[test]
fn region_must_be_ram() {
    let output = read(&["--address", "0x30860000", "--size", "0x1000", "--ap", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "bsp-probe: error: 0x30860000-0x30860fff is not inside the RAM of MIMX8ML8 \
         (0x40000000-0x1bfffffff)\n"
    );
}

#[test]
fn unknown_chip() {
    let out = &format!(
        "{}/bsp-probe-dump-{}.bin",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let output = bsp_probe(&[
        "read",
        "--chip",
        "IMX9000",
        "--address",
        "0x0",
        "--size",
        "1",
        "--out",
        out,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("bsp-probe: error: cannot use chip \"IMX9000\": "));
}

#[test]
fn bad_probe_selector_and_protocol() {
    let output = read(&[
        "--address",
        "0x90000000",
        "--size",
        "16",
        "--probe",
        "jlink",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a probe VID:PID[:SERIAL] (hex)"));

    let output = read(&[
        "--address",
        "0x90000000",
        "--size",
        "16",
        "--protocol",
        "spi",
    ]);
    assert_eq!(output.status.code(), Some(2));

    let output = read(&[
        "--address",
        "0x90000000",
        "--size",
        "16",
        "--ap",
        "0",
        "--core",
        "1",
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "--ap and --core exclude each other"
    );
}

#[test]
fn valid_read_without_a_probe_fails_cleanly() {
    let output = read(&["--address", "0x90000000", "--size", "0x80000", "--ap", "0"]);
    let err = stderr(&output);
    // Without a probe attached (CI), the read stops at the probe; nothing is written.
    if err.contains("no debug probes found") {
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(err, "bsp-probe: error: no debug probes found\n");
    }
}
