// SPDX-License-Identifier: GPL-2.0

//! Runs `bsp ramoops` on synthesized region dumps laid out as our device tree plans:
//! record-size 0x10000, console-size 0x40000, in a 0x80000 region (four dmesg zones).

use std::{
    fs,
    io::Write,
    path::PathBuf,
    process::{Command, Output},
};

use bsp::ramoops::zone;
use flate2::{write::DeflateEncoder, Compression};

const RECORD: usize = 0x10000;
const CONSOLE: usize = 0x40000;

fn data(file: &str) -> Vec<u8> {
    let path = manifest_dir().join("tests/data").join(file);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A region whose console zone wrapped (filler first, then the log) and whose dmesg zone 1
/// holds a compressed panic record.
fn region(console_log: &[u8]) -> Vec<u8> {
    let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
    deflate
        .write_all(b"Panic#1 Part1\n<0>[    2.52] Kernel panic - not syncing: Oops\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut record = b"====1767225600.123456-C\n".to_vec();
    record.extend(deflate.finish().unwrap_or_else(|e| panic!("{e}")));

    // Whole lines, more than the zone holds, so that the ring wraps inside the filler.
    let line = b"[    0.000000] Booting Linux on physical CPU 0x0\n";
    let mut console = line.repeat(CONSOLE / line.len() + 1);
    console.extend_from_slice(console_log);

    let mut region = zone::synthesize(RECORD, b"");
    region.extend(zone::synthesize(RECORD, &record));
    region.extend(zone::synthesize(RECORD, b""));
    region.extend(zone::synthesize(RECORD, b""));
    region.extend(zone::synthesize(CONSOLE, &console));
    region
}

fn ramoops(name: &str, region: &[u8]) -> (Output, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ramoops-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let dump = dir.join("ramoops.bin");
    fs::write(&dump, region).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_bsp"))
        .arg("ramoops")
        .arg(&dump)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bsp: {e}"));
    (output, out)
}

#[test]
fn wrapped_console_and_compressed_record() {
    let log = data("bsp-console-noise.log");
    let (output, out) = ramoops("pass", &region(&log));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("dmesg-1.txt: "), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("7 passed, 0 failed, 1 skipped"));

    let console = fs::read(out.join("console.log")).unwrap_or_default();
    assert_eq!(console.len(), CONSOLE - zone::HEADER_LEN);
    assert!(console.ends_with(&log));
    let dmesg = fs::read_to_string(out.join("dmesg-1.txt")).unwrap_or_default();
    assert!(dmesg.contains("Kernel panic - not syncing: Oops"));
    assert!(!out.join("dmesg-0.txt").exists());
    assert!(out.join("junit.xml").exists() && out.join("results.json").exists());
}

#[test]
fn crash_in_console_fails() {
    let (output, _) = ramoops("oops", &region(&data("bsp-oops-fatal.log")));
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().last(), Some("1 passed, 5 failed"));
}

#[test]
fn not_a_ramoops_dump() {
    let (output, out) = ramoops("garbage", &vec![0x5a; 0x80000]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ramoops.bin: dmesg 0 zone at 0x0: signature 0x5a5a5a5a, not 0x43474244"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// A region captured from QEMU's memory (`pmemsave` over the monitor) after a reboot of our
/// image: dmesg zone 0 holds the compressed shutdown record, the console zone the second
/// boot's log with its KUnit run.
#[test]
fn capture_from_qemu() {
    let (output, out) = ramoops("qemu", &data("ramoops-qemu.bin"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");

    let dmesg = fs::read_to_string(out.join("dmesg-0.txt")).unwrap_or_default();
    assert!(
        dmesg.starts_with("Shutdown#1"),
        "{}",
        &dmesg[..dmesg.len().min(80)]
    );
    let last = stdout.lines().last().unwrap_or_default();
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed > 300 && last.ends_with(" 0 failed"), "{last}");
}

/// The package folder of this checkout. Cargo sets CARGO_MANIFEST_DIR when it runs a test, so
/// a test binary reused from another checkout sharing the cached target folder (its
/// fingerprint does not depend on the checkout's path) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
