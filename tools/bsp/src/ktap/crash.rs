// SPDX-License-Identifier: GPL-2.0

//! Kernel crash markers in a console log.
//!
//! A marker is a console line that starts (after its printk prefix) with one of the kernel's
//! crash or warning banners. Markers never change a result by themselves: they only explain
//! why results are missing, or why a test that reported `not ok` failed.
//!
//! Limitations: the banners are matched as plain text at the start of the message, so a
//! panic that prints nothing (a hard hang, a lost serial line) is reported as a truncated
//! log. Architecture-specific banners other than the ones listed in [`MarkerKind`] are not
//! recognised.

/// Longest marker text kept for messages, in characters.
const MAX_TEXT: usize = 120;

/// Longest bracketed group treated as part of a printk prefix (`[  123.456789]`, `[  T42]`).
const MAX_PREFIX_GROUP: usize = 32;

/// The kind of a crash marker, from most to least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerKind {
    /// `Kernel panic - not syncing: ...`
    Panic,
    /// `Internal error: Oops ...` (arm64) or `Oops: ...` (x86).
    Oops,
    /// `BUG: ...` or `kernel BUG at ...`.
    Bug,
    /// `WARNING: CPU: ... at ...`.
    Warning,
    /// `Call trace:` (arm64) or `Call Trace:` (x86).
    CallTrace,
}

impl MarkerKind {
    /// Whether the marker usually means the kernel (or the test thread) died.
    pub fn is_fatal(self) -> bool {
        matches!(self, Self::Panic | Self::Oops | Self::Bug)
    }
}

/// One crash marker found in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashMarker {
    pub kind: MarkerKind,
    /// 1-based line number in the input log.
    pub line: usize,
    /// The message of the marker line, without printk prefix, shortened.
    pub text: String,
}

/// Classifies one console line.
pub fn classify(line: &str) -> Option<MarkerKind> {
    let msg = message(line);
    let kind = if msg.starts_with("Kernel panic") {
        MarkerKind::Panic
    } else if msg.starts_with("Internal error:") || msg.starts_with("Oops") {
        MarkerKind::Oops
    } else if msg.starts_with("BUG:") || msg.starts_with("kernel BUG at") {
        MarkerKind::Bug
    } else if msg.starts_with("WARNING:") {
        MarkerKind::Warning
    } else if msg.starts_with("Call trace:") || msg.starts_with("Call Trace:") {
        MarkerKind::CallTrace
    } else {
        return None;
    };
    Some(kind)
}

/// Finds all markers in the lines of a log; `lines[0]` is line 1.
pub fn scan(lines: &[&str]) -> Vec<CrashMarker> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            classify(line).map(|kind| CrashMarker {
                kind,
                line: i + 1,
                text: shorten(message(line)),
            })
        })
        .collect()
}

/// Picks the marker that best explains results missing after `after` and before `before`
/// (both line numbers, exclusive): the first fatal one, else the first of any kind. A later
/// panic is appended, as it is what stopped the log.
pub fn explain(markers: &[CrashMarker], after: usize, before: usize) -> Option<String> {
    let window: Vec<&CrashMarker> = markers
        .iter()
        .filter(|m| m.line > after && m.line < before)
        .collect();
    let first = window
        .iter()
        .find(|m| m.kind.is_fatal())
        .or_else(|| window.first())?;

    let mut text = format!("\"{}\" (log line {})", first.text, first.line);
    if first.kind != MarkerKind::Panic {
        if let Some(panic) = window
            .iter()
            .find(|m| m.kind == MarkerKind::Panic && m.line > first.line)
        {
            text.push_str(&format!(", then \"{}\"", panic.text));
        }
    }
    Some(text)
}

/// The printk message of a console line: leading whitespace and bracketed prefixes removed.
pub(crate) fn message(line: &str) -> &str {
    let mut msg = line.trim();
    while let Some(rest) = msg.strip_prefix('[') {
        match rest.find(']') {
            Some(end) if end <= MAX_PREFIX_GROUP => msg = rest[end + 1..].trim_start(),
            _ => break,
        }
    }
    msg
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners() {
        let k = |l| classify(l);
        assert_eq!(
            k("[    3.1] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP"),
            Some(MarkerKind::Oops)
        );
        assert_eq!(
            k("[    0.060000]\tKernel panic - not syncing: VFS: Unable to mount root fs"),
            Some(MarkerKind::Panic)
        );
        assert_eq!(
            k("[ 1.0][  T1] BUG: KASAN: use-after-free"),
            Some(MarkerKind::Bug)
        );
        assert_eq!(
            k("WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0"),
            Some(MarkerKind::Warning)
        );
        assert_eq!(k("[    3.4] Call trace:"), Some(MarkerKind::CallTrace));
        assert_eq!(k("    # case: EXPECTATION FAILED at x.c:2"), None);
        assert_eq!(k("[    1.0] kunit: no BUG: here"), None);
    }

    #[test]
    fn explanation_prefers_fatal_then_panic() {
        let lines = [
            "ok 1 a",
            "WARNING: CPU: 0 PID: 1 at a.c:1",
            "Internal error: Oops: 96000004 [#1] SMP",
            "Call trace:",
            "Kernel panic - not syncing: Oops: Fatal exception",
        ];
        let markers = scan(&lines);
        assert_eq!(markers.len(), 4);
        let text = explain(&markers, 1, usize::MAX).unwrap_or_default();
        assert_eq!(
            text,
            "\"Internal error: Oops: 96000004 [#1] SMP\" (log line 3), \
             then \"Kernel panic - not syncing: Oops: Fatal exception\""
        );
        assert_eq!(explain(&markers, 5, usize::MAX), None);
        assert!(explain(&markers, 0, 3).is_some_and(|t| t.starts_with("\"WARNING")));
    }
}
