// SPDX-License-Identifier: GPL-2.0

//! Runs `bsp serial` on a pseudo-terminal fed with recorded console logs: when the capture
//! stops, what is saved, the reports and the exit status.

use std::{
    fs::{self, File},
    io::Write,
    os::fd::OwnedFd,
    path::PathBuf,
    process::{Command, Output, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use nix::{
    fcntl::{fcntl, FcntlArg, FdFlag},
    pty::openpty,
    sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg},
    unistd::ttyname,
};

/// Pause between lines, roughly a fast boot.
const LINE_GAP: Duration = Duration::from_millis(3);

/// Pause between lines of the long real capture.
const SHORT_GAP: Duration = Duration::from_micros(300);

/// Time for `bsp serial` to open the port before the first line; lines sent earlier wait in
/// the pty anyway.
const OPEN_DELAY: Duration = Duration::from_millis(200);

fn data(file: &str) -> Vec<u8> {
    let path = manifest_dir().join("tests/data").join(file);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serial-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// A pseudo-terminal in raw mode: the test writes the master, `bsp serial` reads the slave.
struct Pty {
    master: File,
    /// Held open so that the slave stays configured while nobody else has it open.
    _slave: OwnedFd,
    path: PathBuf,
}

fn pty() -> Pty {
    let pty = openpty(None, None).unwrap_or_else(|e| panic!("openpty: {e}"));
    for fd in [&pty.master, &pty.slave] {
        fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut termios = tcgetattr(&pty.slave).unwrap_or_else(|e| panic!("tcgetattr: {e}"));
    cfmakeraw(&mut termios);
    tcsetattr(&pty.slave, SetArg::TCSANOW, &termios).unwrap_or_else(|e| panic!("{e}"));
    let path = ttyname(&pty.slave).unwrap_or_else(|e| panic!("ttyname: {e}"));
    Pty {
        master: File::from(pty.master),
        _slave: pty.slave,
        path,
    }
}

/// What one run did.
struct Run {
    output: Output,
    out: PathBuf,
    took: Duration,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn last_line(&self) -> String {
        let stdout = String::from_utf8_lossy(&self.output.stdout);
        stdout.lines().last().unwrap_or_default().to_owned()
    }

    fn read(&self, file: &str) -> String {
        let path = self.out.join(file);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("results.json")).unwrap_or_default()
    }
}

/// Feeds `console` line by line into a pty read by `bsp serial`. With `hang_up`, the master
/// is closed after the last line, as when a USB serial adapter is unplugged.
fn serial(name: &str, console: Vec<u8>, hang_up: bool, extra: &[&str]) -> Run {
    serial_paced(name, console, hang_up, extra, LINE_GAP)
}

/// [`serial`] with `gap` between lines.
fn serial_paced(name: &str, console: Vec<u8>, hang_up: bool, extra: &[&str], gap: Duration) -> Run {
    let Pty {
        mut master,
        _slave,
        path,
    } = pty();
    let out = out_dir(name);
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_bsp"))
        .arg("serial")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run bsp: {e}"));

    let done = Arc::new(AtomicBool::new(false));
    let feeder = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            thread::sleep(OPEN_DELAY);
            for line in console.split_inclusive(|&b| b == b'\n') {
                if done.load(Ordering::Relaxed) || master.write_all(line).is_err() {
                    break;
                }
                thread::sleep(gap);
            }
            (!hang_up).then_some(master)
        })
    };
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("bsp serial: {e}"));
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    drop(feeder.join());
    Run { output, out, took }
}

fn with_marker(mut log: Vec<u8>) -> Vec<u8> {
    log.extend_from_slice(b"bsp: userspace ready\r\n# \r\n");
    log
}

#[test]
fn passing_run_stops_at_userspace() {
    let console = with_marker(data("bsp-console-noise.log"));
    let run = serial("pass", console.clone(), false, &["--board", "imx8mp-evk"]);
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    assert_eq!(run.last_line(), "7 passed, 0 failed, 1 skipped");
    assert!(run.stderr().contains("KUnit done, userspace ready after "));
    assert!(run.took < Duration::from_secs(3), "{:?}", run.took);

    // Saved byte for byte up to the marker (and what came in the same read), and echoed.
    let saved = fs::read(run.out.join("console.log")).unwrap_or_default();
    assert!(console.starts_with(&saved));
    assert!(String::from_utf8_lossy(&saved).contains("\nbsp: userspace ready\r\n"));
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert!(stdout.contains("Run /sbin/init as init process"));

    let json = run.json();
    assert_eq!(json["sub_groups"][1]["name"], "gpio_imx_rust");
    assert_eq!(json["misc"]["passed"], 7);
    let xml = run.read("junit.xml");
    assert!(
        xml.contains("<testsuites name=\"imx8mp-evk\" tests=\"8\""),
        "{xml}"
    );
}

#[test]
fn real_qemu_capture_stops_at_userspace() {
    let console = data("qemu-imx8mp-evk-boot.log");
    let run = serial_paced("qemu", console, false, &[], SHORT_GAP);
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    assert_eq!(run.last_line(), "367 passed, 0 failed");
    assert!(run.stderr().contains("KUnit done, userspace ready after "));
    let saved = run.read("console.log");
    assert!(saved.contains("\nbsp: userspace ready\r\n"));
}

#[test]
fn passing_run_stops_when_the_console_falls_silent() {
    let run = serial("quiet", data("bsp-console-noise.log"), false, &[]);
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    assert!(run.stderr().contains("KUnit done, console silent for 3 s"));
    assert!(run.took < Duration::from_secs(8), "{:?}", run.took);
}

#[test]
fn kernel_panic_stops_and_fails() {
    let run = serial("panic", data("bsp-oops-fatal.log"), false, &[]);
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("kernel panic (Kernel panic - not syncing: Oops: Fatal exception)"),
        "{}",
        run.stderr()
    );
    assert!(run.took < Duration::from_secs(3), "{:?}", run.took);
    assert_eq!(run.last_line(), "1 passed, 5 failed");
    let xml = run.read("junit.xml");
    assert!(xml.contains("Internal error: Oops"));
    assert_eq!(run.json()["misc"]["crashed"], 4);
}

#[test]
fn cut_off_console_times_out() {
    let console = data("bsp-truncated-mid-suite.log");
    let run = serial("timeout", console.clone(), false, &["--timeout", "2"]);
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("timed out (2 s)"), "{}", run.stderr());
    assert!(run.took >= Duration::from_secs(2));
    assert_eq!(
        fs::read(run.out.join("console.log")).unwrap_or_default(),
        console
    );
    assert_eq!(run.json()["misc"]["crashed"], 3);
    let xml = run.read("junit.xml");
    assert!(
        xml.contains("<error message=\"no result (no results after line 20 before the log ends)\"")
    );
}

#[test]
fn hang_up_ends_the_capture() {
    let run = serial("hangup", data("bsp-truncated-mid-suite.log"), true, &[]);
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("serial port closed"),
        "{}",
        run.stderr()
    );
    assert!(run.took < Duration::from_secs(3), "{:?}", run.took);
}

#[test]
fn log_elsewhere() {
    let out = out_dir("log-file");
    let log = out.with_extension("log");
    let log_arg = log.display().to_string();
    let run = serial(
        "log-file",
        with_marker(data("bsp-console-noise.log")),
        false,
        &["--log", &log_arg],
    );
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    assert!(log.exists());
    assert!(!run.out.join("console.log").exists());
}

#[test]
fn missing_port_is_an_error() {
    let out = out_dir("missing");
    let output = Command::new(env!("CARGO_BIN_EXE_bsp"))
        .args(["serial", "/dev/ttyNOSUCH9", "--out"])
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("bsp: error: cannot open serial port /dev/ttyNOSUCH9: "));
    assert!(!out.exists());
}

/// The package folder of this checkout. Cargo sets CARGO_MANIFEST_DIR when it runs a test, so
/// a test binary reused from another checkout sharing the cached target folder (its
/// fingerprint does not depend on the checkout's path) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
