// SPDX-License-Identifier: GPL-2.0

//! `bsp serial TTY --out DIR`: records a real board's console and reports its KUnit run.
//!
//! The port is opened 8N1 without flow control at `--baud` (115200, the EVK's debug UART).
//! Everything read is echoed to standard output as it arrives and saved byte for byte to
//! `DIR/console.log` (or `--log FILE`). The capture ends when [`watch`] says so: the KUnit
//! run is over and userspace is up or the console fell silent, or the kernel panicked; or
//! at `--timeout`, or when the port fails. Then the capture is reported exactly as
//! `bsp results` would report the saved log, and one line on standard error says why the
//! capture ended.
//!
//! Exit status as for `bsp results`, and 1 after a kernel panic even when every test passed
//! before it.
//!
//! Limitations: the board is not reset or powered; start this before powering the board,
//! or output before the port is opened is lost. Nothing is ever sent to the board.

pub mod watch;

use std::{
    fs::File,
    io::{self, Read, Write},
    path::PathBuf,
    time::{Duration, Instant},
};

use serialport::{DataBits, FlowControl, Parity, StopBits};

use self::watch::{Stop, Watch};
use crate::results;

/// How long one read waits before the deadline and silence are checked.
const POLL: Duration = Duration::from_millis(100);

#[derive(clap::Args)]
pub struct Args {
    /// Serial device of the board's console, e.g. /dev/ttyUSB2.
    tty: String,

    /// Line speed in bits per second.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,

    /// Stop reading after this many seconds, finished or not.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    timeout: u64,

    /// Directory for console.log and the reports (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Save the console here instead of DIR/console.log.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,

    #[command(flatten)]
    report: results::Options,
}

/// Runs `bsp serial`; returns whether the run passed.
pub fn run(args: &Args) -> Result<bool, String> {
    let mut port = serialport::new(&args.tty, args.baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(POLL)
        .open()
        .map_err(|e| format!("cannot open serial port {}: {e}", args.tty))?;

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let log_path = args
        .log
        .clone()
        .unwrap_or_else(|| args.out.join("console.log"));
    let mut log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;

    let started = Instant::now();
    let deadline = started
        .checked_add(Duration::from_secs(args.timeout))
        .ok_or_else(|| format!("--timeout {} is too large", args.timeout))?;
    let (stop, text) = capture(&mut port, &mut log, deadline)?;
    eprintln!(
        "bsp: serial: {} after {:.1} s; console saved to {}",
        describe(&stop, args.timeout),
        started.elapsed().as_secs_f64(),
        log_path.display()
    );

    let source = format!("{} (saved to {})", args.tty, log_path.display());
    let totals = results::write(&text, &source, &args.out, &args.report)?;
    Ok(totals.ok() && !matches!(stop, Stop::Panic(_)))
}

/// Reads until the watch, the deadline or the port ends the capture. Returns why, and the
/// captured text (lossy UTF-8) for the parser.
fn capture(
    port: &mut impl Read,
    log: &mut File,
    deadline: Instant,
) -> Result<(Stop, String), String> {
    let mut watch = Watch::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut captured: Vec<u8> = Vec::new();
    let mut last_output = Instant::now();
    let mut buf = [0u8; 4096];
    let mut stdout = io::stdout();

    let stop = loop {
        if Instant::now() >= deadline {
            break Stop::Timeout;
        }
        let n = match port.read(&mut buf) {
            Ok(0) => break Stop::Closed("end of file".to_owned()),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                match watch.silent(last_output.elapsed()) {
                    Some(stop) => break stop,
                    None => continue,
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Stop::Closed(e.to_string()),
        };
        last_output = Instant::now();
        let bytes = &buf[..n];
        log.write_all(bytes)
            .map_err(|e| format!("cannot write the console log: {e}"))?;
        // The echo is a courtesy: a closed stdout must not end the capture.
        let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
        captured.extend_from_slice(bytes);
        pending.extend_from_slice(bytes);

        if let Some(stop) = complete_lines(&mut pending, &mut watch) {
            break stop;
        }
    };
    log.flush()
        .map_err(|e| format!("cannot write the console log: {e}"))?;
    Ok((stop, String::from_utf8_lossy(&captured).into_owned()))
}

/// Hands every complete line in `pending` to the watch and keeps the unfinished rest.
fn complete_lines(pending: &mut Vec<u8>, watch: &mut Watch) -> Option<Stop> {
    let mut stop = None;
    let mut consumed = 0;
    while let Some(end) = pending[consumed..].iter().position(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(&pending[consumed..consumed + end]);
        consumed += end + 1;
        if let Some(s) = watch.line(line.trim_end_matches('\r')) {
            stop = Some(s);
            break;
        }
    }
    pending.drain(..consumed);
    stop
}

fn describe(stop: &Stop, timeout: u64) -> String {
    match stop {
        Stop::Userspace => "KUnit done, userspace ready".to_owned(),
        Stop::Quiet => format!(
            "KUnit done, console silent for {} s",
            watch::QUIET.as_secs()
        ),
        Stop::Panic(line) => format!("kernel panic ({line})"),
        Stop::Timeout => format!("timed out ({timeout} s)"),
        Stop::Closed(why) => format!("serial port closed ({why})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads() {
        let mut watch = Watch::new();
        let mut pending = b"[ 1.0] KTAP ver".to_vec();
        assert_eq!(complete_lines(&mut pending, &mut watch), None);
        assert_eq!(pending, b"[ 1.0] KTAP ver");
        pending.extend_from_slice(b"sion 1\r\n[ 1.0] 1..0\r\nbsp: user");
        assert_eq!(complete_lines(&mut pending, &mut watch), None);
        assert_eq!(pending, b"bsp: user");
        pending.extend_from_slice(b"space ready\r\nmore\n");
        assert_eq!(
            complete_lines(&mut pending, &mut watch),
            Some(Stop::Userspace)
        );
    }
}
