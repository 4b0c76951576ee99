// SPDX-License-Identifier: GPL-2.0

//! Classification of single KTAP lines.
//!
//! A line is looked at on its own, after the console prefix has been removed: it is a version
//! line, a `# Subtest:` header, a plan, a result, a diagnostic or anything else. Structure
//! (which test a line belongs to) is decided by the tree builder, not here.
//!
//! Limitations: only the `SKIP` directive is interpreted; other directives (`TODO`, `XFAIL`,
//! `TIMEOUT`, `ERROR`) are kept as text and the result keeps its `ok`/`not ok` meaning, as
//! kunit.py does.

/// Columns a tab advances to; old KUnit logs indent with tabs, current ones with 4 spaces.
const TAB_STOP: usize = 8;

/// What a KTAP line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    /// `KTAP version N` (`tap` false) or `TAP version N` (`tap` true).
    Version { tap: bool, number: u64 },
    /// `# Subtest: <name>`.
    Subtest(&'a str),
    /// `1..N`.
    Plan(usize),
    /// `ok N ...` or `not ok N ...`.
    Result(ResultLine<'a>),
    /// `# ...`; the text after the `#`, trimmed.
    Diagnostic(&'a str),
    /// Anything else: console noise or free-form test output.
    Other,
}

/// The fields of a result line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResultLine<'a> {
    pub ok: bool,
    pub number: u64,
    pub name: &'a str,
    /// Text after the first `#`, trimmed; `None` when there is no `#`.
    pub directive: Option<&'a str>,
}

impl ResultLine<'_> {
    /// The skip reason if the directive is `SKIP` (in any case), else `None`.
    pub fn skip_reason(&self) -> Option<&str> {
        let directive = self.directive?;
        let word = directive.get(..4)?;
        if !word.eq_ignore_ascii_case("skip") {
            return None;
        }
        let rest = &directive[4..];
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return None;
        }
        Some(rest.trim())
    }
}

/// A classified line with its indentation in columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub indent: usize,
    pub kind: Kind<'a>,
}

/// Classifies one line that has already lost its console prefix.
pub(crate) fn classify(text: &str) -> Line<'_> {
    let body = text.trim_start();
    let indent = indent_of(&text[..text.len() - body.len()]);
    let body = body.trim_end();

    let kind = version(body)
        .map(|(tap, number)| Kind::Version { tap, number })
        .or_else(|| subtest(body).map(Kind::Subtest))
        .or_else(|| body.strip_prefix('#').map(|d| Kind::Diagnostic(d.trim())))
        .or_else(|| plan(body).map(Kind::Plan))
        .or_else(|| result(body).map(Kind::Result))
        .unwrap_or(Kind::Other);
    Line { indent, kind }
}

/// Finds a version line anywhere in a raw console line and returns the width of what precedes
/// it. That width is the console prefix to strip from the following lines.
pub(crate) fn version_prefix(raw: &str) -> Option<usize> {
    let raw = raw.trim_end();
    let mut from = 0;
    while let Some(found) = raw[from..].find("TAP version ") {
        let at = from + found;
        let digits = &raw[at + "TAP version ".len()..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let ktap = at > 0 && raw.as_bytes()[at - 1] == b'K';
            let start = if ktap { at - 1 } else { at };
            return Some(start);
        }
        from = at + 1;
    }
    None
}

fn indent_of(whitespace: &str) -> usize {
    whitespace.chars().fold(0, |col, c| match c {
        '\t' => (col / TAB_STOP + 1) * TAB_STOP,
        _ => col + 1,
    })
}

fn version(body: &str) -> Option<(bool, u64)> {
    let (tap, rest) = match body.strip_prefix("KTAP version ") {
        Some(rest) => (false, rest),
        None => (true, body.strip_prefix("TAP version ")?),
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Absurdly long numbers still mark a version line; they just fail the version check.
    Some((tap, rest.parse().unwrap_or(u64::MAX)))
}

fn subtest(body: &str) -> Option<&str> {
    let rest = body.strip_prefix('#')?.trim_start();
    Some(rest.strip_prefix("Subtest:")?.trim())
}

fn plan(body: &str) -> Option<usize> {
    let rest = body.strip_prefix("1..")?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn result(body: &str) -> Option<ResultLine<'_>> {
    let (ok, rest) = match body.strip_prefix("ok ") {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix("not ok ")?),
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..end].parse().ok()?;
    let rest = &rest[end..];

    // The number must end the line or be followed by a space or a directive.
    let rest = match rest.strip_prefix(' ') {
        Some(rest) => rest,
        None if rest.is_empty() || rest.starts_with('#') => rest,
        None => return None,
    };
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let (name, directive) = match rest.split_once('#') {
        Some((name, directive)) => (name, Some(directive.trim())),
        None => (rest, None),
    };
    Some(ResultLine {
        ok,
        number,
        name: name.trim(),
        directive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Kind<'_> {
        classify(text).kind
    }

    #[test]
    fn versions() {
        assert_eq!(
            kind("KTAP version 1"),
            Kind::Version {
                tap: false,
                number: 1
            }
        );
        assert_eq!(
            kind("    TAP version 14"),
            Kind::Version {
                tap: true,
                number: 14
            }
        );
        assert_eq!(kind("KTAP version one"), Kind::Other);
        assert!(matches!(kind("# TAP version 13"), Kind::Diagnostic(_)));
    }

    #[test]
    fn prefix_width() {
        assert_eq!(version_prefix("[    1.234567] KTAP version 1"), Some(15));
        assert_eq!(version_prefix("KTAP version 1\r"), Some(0));
        assert_eq!(version_prefix("[ 0.1] TAP version 14"), Some(7));
        assert_eq!(version_prefix("my KTAP version 1 notes"), None);
        assert_eq!(version_prefix("no version here"), None);
    }

    #[test]
    fn indentation() {
        assert_eq!(classify("    ok 1 a").indent, 4);
        assert_eq!(classify("\tok 1 a").indent, 8);
        assert_eq!(classify("\t\tok 1 a").indent, 16);
        assert_eq!(classify("  \tok 1 a").indent, 8);
    }

    #[test]
    fn results() {
        let Kind::Result(r) = kind("    not ok 3 - case_name # SKIP not on this board") else {
            panic!("not a result");
        };
        assert!(!r.ok);
        assert_eq!(r.number, 3);
        assert_eq!(r.name, "case_name");
        assert_eq!(r.skip_reason(), Some("not on this board"));

        let Kind::Result(r) = kind("ok 3 # SKIP selftests: x") else {
            panic!("not a result");
        };
        assert_eq!(r.name, "");
        assert_eq!(r.skip_reason(), Some("selftests: x"));

        let Kind::Result(r) = kind("ok 1 rust_doctest_kernel_sync_rs_0") else {
            panic!("not a result");
        };
        assert!(r.ok);
        assert_eq!(r.directive, None);
        assert_eq!(r.skip_reason(), None);

        let Kind::Result(r) = kind("not ok 2 slow # TIMEOUT") else {
            panic!("not a result");
        };
        assert_eq!(r.skip_reason(), None);
        assert_eq!(r.directive, Some("TIMEOUT"));

        assert_eq!(kind("ok"), Kind::Other);
        assert_eq!(kind("ok 12abc"), Kind::Other);
        assert_eq!(kind("okay 1 x"), Kind::Other);
        assert_eq!(kind("not ok x"), Kind::Other);
    }

    #[test]
    fn plans_headers_diagnostics() {
        assert_eq!(kind("1..360"), Kind::Plan(360));
        assert_eq!(kind("1..0 # SKIP nothing"), Kind::Plan(0));
        assert_eq!(kind("1..x"), Kind::Other);
        assert_eq!(kind("    # Subtest: imx_gpio"), Kind::Subtest("imx_gpio"));
        assert_eq!(
            kind("    # a.location: rust/kernel/x.rs:3"),
            Kind::Diagnostic("a.location: rust/kernel/x.rs:3")
        );
        assert_eq!(kind("random noise"), Kind::Other);
    }
}
