// SPDX-License-Identifier: GPL-2.0

//! Builds the test tree from classified lines.
//!
//! Open suites sit on a stack; the bottom entry is the run itself. Each suite remembers the
//! indentation of its own lines (its header, plan and cases). A header deeper than that opens
//! a nested suite; a header at or above it means the open suite never printed its result
//! line. A result line less indented than the open suite, or at the same indentation and
//! naming it, is that suite's own result. Lines that are not KTAP are kept as the log of
//! the next test that reports.
//!
//! Limitations: a log with no indentation at all can only nest one level (a suite cannot be
//! told apart from a sibling without indentation).

use super::{
    crash::{self, CrashMarker},
    line::{self, Kind, ResultLine},
    ErrorKind, ParseError, Status, Test, ROOT_NAME,
};

/// Accepted `KTAP version` numbers.
const KTAP_VERSIONS: [u64; 1] = [1];

/// Accepted `TAP version` numbers.
const TAP_VERSIONS: [u64; 2] = [13, 14];

/// Deepest nesting accepted; deeper headers are kept as log text. KUnit uses three levels
/// (run, suite, parameterised case); the limit keeps hostile input from exhausting the
/// stack of the recursive passes over the tree.
const MAX_NESTING: usize = 32;

/// A suite still waiting for its result line.
struct Frame {
    test: Test,
    /// Indentation (columns) of the suite's own lines.
    body: usize,
    /// Opened by a version line and not yet named, planned or filled.
    fresh: bool,
    /// Index of the first subtest of the current KTAP document (the run can have several).
    doc_start: usize,
    /// Plan of the current document.
    doc_plan: Option<usize>,
    /// Last input line that belonged to this suite.
    last_line: usize,
}

impl Frame {
    fn new(test: Test, body: usize, line: usize) -> Self {
        Self {
            test,
            body,
            fresh: false,
            doc_start: 0,
            doc_plan: None,
            last_line: line,
        }
    }

    fn reported(&self) -> usize {
        self.test.subtests.len() - self.doc_start
    }

    fn plan_done(&self) -> bool {
        self.doc_plan.is_some_and(|n| self.reported() >= n)
    }

    /// Whether `result` at `indent` is this suite's own result line rather than a case.
    fn owns(&self, indent: usize, result: &ResultLine<'_>) -> bool {
        if indent < self.body {
            return true;
        }
        if indent > self.body {
            return false;
        }
        if self.test.name.is_empty() {
            // A KTAP-style subtest without `# Subtest:` only ends when its plan is done.
            self.plan_done()
        } else {
            result.name == self.test.name
        }
    }
}

pub(super) struct Builder<'m> {
    /// Never empty: `stack[0]` is the run.
    stack: Vec<Frame>,
    /// Lines waiting for the test they belong to.
    pending: Vec<String>,
    markers: &'m [CrashMarker],
}

impl<'m> Builder<'m> {
    /// Starts with the first version line, at input line `line`.
    pub fn new(line: usize, text: &str, markers: &'m [CrashMarker]) -> Self {
        let parsed = line::classify(text);
        let mut root = Frame::new(Test::new_group(ROOT_NAME), parsed.indent, line);
        if let Kind::Version { tap, number } = parsed.kind {
            check_version(&mut root.test, tap, number);
        }
        Self {
            stack: vec![root],
            pending: Vec::new(),
            markers,
        }
    }

    /// Feeds one prefix-stripped line; returns whether it was a KTAP line.
    pub fn feed(&mut self, line: usize, text: &str) -> bool {
        let parsed = line::classify(text);
        let opens_deeper = matches!(parsed.kind, Kind::Version { .. } | Kind::Subtest(_))
            && self
                .stack
                .last()
                .is_some_and(|top| parsed.indent > top.body);
        if opens_deeper && self.stack.len() >= MAX_NESTING {
            self.pending.push(text.to_owned());
            return false;
        }
        match parsed.kind {
            Kind::Version { tap, number } => self.on_version(line, parsed.indent, tap, number),
            Kind::Subtest(name) => self.on_subtest(line, parsed.indent, name),
            Kind::Plan(n) => return self.on_plan(line, n, text),
            Kind::Result(result) => self.on_result(line, parsed.indent, &result),
            Kind::Diagnostic(_) => {
                self.pending.push(text.to_owned());
                return true;
            }
            Kind::Other => {
                self.pending.push(text.to_owned());
                return false;
            }
        }
        true
    }

    /// Closes everything still open at the end of the log and returns the run.
    pub fn finish(mut self) -> Test {
        while self.stack.len() > 1 {
            self.close_unfinished(usize::MAX);
        }
        let Some(mut root) = self.stack.pop() else {
            return Test::new_group(ROOT_NAME);
        };
        let missing = root.doc_plan.unwrap_or(0).saturating_sub(root.reported());
        let why = self.explain(root.last_line, usize::MAX);
        let trailer = std::mem::take(&mut self.pending);
        add_placeholders(&mut root, missing, &why, trailer);
        if root.test.subtests.is_empty() {
            root.test
                .errors
                .push(ParseError::new(ErrorKind::NoTests, "no tests run"));
        }
        root.test
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn on_version(&mut self, line: usize, indent: usize, tap: bool, number: u64) {
        self.unwind(line, indent);
        let top = self.stack.len() - 1;
        let root = &mut self.stack[0];
        if top == 0 && indent <= root.body && root.plan_done() {
            // Another top-level document, e.g. from a test module loaded later.
            root.doc_start = root.test.subtests.len();
            root.doc_plan = None;
            root.last_line = line;
            root.test.log.append(&mut self.pending);
            check_version(&mut root.test, tap, number);
            return;
        }
        let frame = self.open(line, indent, "");
        frame.fresh = true;
        check_version(&mut frame.test, tap, number);
    }

    fn on_subtest(&mut self, line: usize, indent: usize, name: &str) {
        loop {
            let depth = self.stack.len();
            let top = self.top();
            if depth > 1 && top.fresh && indent >= top.body {
                top.test.name = name.to_owned();
                top.fresh = false;
                top.last_line = line;
                return;
            }
            if depth > 1 && indent <= top.body {
                self.close_unfinished(line);
                continue;
            }
            self.open(line, indent, name);
            return;
        }
    }

    fn on_plan(&mut self, line: usize, n: usize, text: &str) -> bool {
        let pending = std::mem::take(&mut self.pending);
        let top = self.top();
        if top.doc_plan.is_some() || top.reported() > 0 {
            // A second plan for the same suite is not KTAP; keep it as log text.
            self.pending = pending;
            self.pending.push(text.to_owned());
            return false;
        }
        top.doc_plan = Some(n);
        top.test.plan = Some(top.test.plan.unwrap_or(0) + n);
        top.fresh = false;
        top.last_line = line;
        for text in &pending {
            if let Some((key, value)) = suite_attribute(text) {
                top.test.attributes.push((key.to_owned(), value.to_owned()));
            }
        }
        top.test.log.extend(pending);
        true
    }

    fn on_result(&mut self, line: usize, indent: usize, result: &ResultLine<'_>) {
        loop {
            let depth = self.stack.len();
            if depth == 1 || !self.stack[depth - 1].owns(indent, result) {
                self.add_case(line, result);
                return;
            }
            // Less indented than the enclosing suite too: this suite's result never came.
            if depth > 2 && indent < self.stack[depth - 2].body {
                self.close_unfinished(line);
                continue;
            }
            self.close_with(line, result);
            return;
        }
    }

    /// Closes open suites whose body is not shallower than `indent`: a header there starts
    /// a sibling, so their result lines are missing.
    fn unwind(&mut self, line: usize, indent: usize) {
        while self.stack.len() > 1 && indent <= self.top().body {
            self.close_unfinished(line);
        }
    }

    fn open(&mut self, line: usize, indent: usize, name: &str) -> &mut Frame {
        let mut test = Test::new_group(name);
        test.log.append(&mut self.pending);
        self.top().last_line = line;
        self.stack.push(Frame::new(test, indent, line));
        self.top()
    }

    fn add_case(&mut self, line: usize, result: &ResultLine<'_>) {
        let mut case = Test::new_case(result.name, reported_status(result));
        case.number = Some(result.number);
        case.line = Some(line);
        case.directive = result.directive.map(str::to_owned);
        case.skip_reason = result.skip_reason().map(str::to_owned);
        case.log.append(&mut self.pending);
        case.attributes = case_attributes(&case.name, &case.log);

        let top = self.top();
        check_number(&mut case, top);
        top.test.subtests.push(case);
        top.fresh = false;
        top.last_line = line;
    }

    /// Closes the innermost suite with its own result line.
    fn close_with(&mut self, line: usize, result: &ResultLine<'_>) {
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        frame.test.log.append(&mut self.pending);

        let test = &mut frame.test;
        if test.name.is_empty() {
            test.name = result.name.to_owned();
        } else if test.name != result.name {
            let message = format!(
                "result line names \"{}\" but the suite header said \"{}\"",
                result.name, test.name
            );
            test.errors
                .push(ParseError::new(ErrorKind::NameMismatch, message));
        }
        test.reported = Some(reported_status(result));
        test.number = Some(result.number);
        test.line = Some(line);
        test.directive = result.directive.map(str::to_owned);
        test.skip_reason = result.skip_reason().map(str::to_owned);

        let missing = frame.doc_plan.unwrap_or(0).saturating_sub(frame.reported());
        if missing > 0 {
            let why = self.explain(frame.last_line, line);
            add_placeholders(&mut frame, missing, &why, Vec::new());
        }
        let test = &mut frame.test;
        if test.subtests.is_empty()
            && !matches!(test.reported, Some(Status::Failure | Status::Skipped))
        {
            test.errors
                .push(ParseError::new(ErrorKind::NoTests, "no tests run"));
        }

        let mut test = frame.test;
        let parent = self.top();
        check_number(&mut test, parent);
        parent.test.subtests.push(test);
        parent.fresh = false;
        parent.last_line = line;
    }

    /// Closes the innermost suite whose result line never came; `until` is the line that
    /// proved it (or `usize::MAX` at the end of the log).
    fn close_unfinished(&mut self, until: usize) {
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        let why = self.explain(frame.last_line, until);
        let missing = frame.doc_plan.unwrap_or(0).saturating_sub(frame.reported());
        let planned = frame.doc_plan.unwrap_or(0);
        let trailer = std::mem::take(&mut self.pending);
        add_placeholders(&mut frame, missing, &why, trailer);

        let test = &mut frame.test;
        let label = if test.name.is_empty() {
            "suite".to_owned()
        } else {
            format!("suite {}", test.name)
        };
        test.errors.push(ParseError::new(
            ErrorKind::MissingResult,
            format!("{label} has no result line"),
        ));
        if test.subtests.is_empty() {
            test.errors
                .push(ParseError::new(ErrorKind::NoTests, "no tests run"));
        }
        test.message = Some(if missing > 0 {
            format!("{missing} of {planned} results missing {why}")
        } else {
            format!("result line missing {why}")
        });

        let test = frame.test;
        let parent = self.top();
        parent.test.subtests.push(test);
        parent.fresh = false;
    }

    /// Says what stopped the results between two input lines.
    fn explain(&self, after: usize, before: usize) -> String {
        match crash::explain(self.markers, after, before) {
            Some(marker) => format!("after {marker}"),
            None if before == usize::MAX => {
                format!("(no results after line {after} before the log ends)")
            }
            None => format!("(next suite starts at line {before})"),
        }
    }
}

fn reported_status(result: &ResultLine<'_>) -> Status {
    if result.skip_reason().is_some() {
        Status::Skipped
    } else if result.ok {
        Status::Success
    } else {
        Status::Failure
    }
}

fn check_version(test: &mut Test, tap: bool, number: u64) {
    let (label, accepted): (&str, &[u64]) = if tap {
        ("TAP", &TAP_VERSIONS)
    } else {
        ("KTAP", &KTAP_VERSIONS)
    };
    if !accepted.contains(&number) {
        test.errors.push(ParseError::new(
            ErrorKind::Version,
            format!("unsupported {label} version {number}"),
        ));
    }
}

/// Checks a new subtest's number against its suite's sequence.
fn check_number(test: &mut Test, suite: &Frame) {
    let expected = suite.reported() + 1;
    let Some(number) = test.number else {
        return;
    };
    if number != expected as u64 {
        test.errors.push(ParseError::new(
            ErrorKind::Numbering,
            format!("expected test number {expected}, found {number}"),
        ));
    }
    if let Some(plan) = suite.doc_plan {
        if expected > plan {
            test.errors.push(ParseError::new(
                ErrorKind::Numbering,
                format!("result {expected} is beyond the plan 1..{plan}"),
            ));
        }
    }
}

/// Adds crashed stand-ins for planned subtests that never reported. The first one gets
/// `trailer`, the output after the last result (a crash dump, usually), since that is the
/// test that was running; without stand-ins the trailer stays with the suite.
fn add_placeholders(frame: &mut Frame, missing: usize, why: &str, mut trailer: Vec<String>) {
    if missing == 0 {
        frame.test.log.append(&mut trailer);
    }
    for _ in 0..missing {
        let number = frame.reported() + 1;
        let mut case = Test::new_case(&format!("#{number} (no result)"), Status::Crashed);
        case.reported = None;
        case.placeholder = true;
        case.message = Some(format!("no result {why}"));
        case.log = std::mem::take(&mut trailer);
        frame.test.errors.push(ParseError::new(
            ErrorKind::MissingCase,
            format!("test {number} has no result"),
        ));
        frame.test.subtests.push(case);
    }
}

/// `# module: name` and the like, printed by KUnit between a suite header and its plan.
fn suite_attribute(text: &str) -> Option<(&str, &str)> {
    let diagnostic = text.trim().strip_prefix('#')?.trim();
    let (key, value) = diagnostic.split_once(": ")?;
    let simple = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (simple && key != "Subtest").then(|| (key, value.trim()))
}

/// `# <case>.<key>: <value>` lines, e.g. the `location` of a Rust doctest.
fn case_attributes(name: &str, log: &[String]) -> Vec<(String, String)> {
    if name.is_empty() {
        return Vec::new();
    }
    log.iter()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .filter_map(|d| d.trim().strip_prefix(name)?.strip_prefix('.'))
        .filter_map(|d| d.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Status};

    #[test]
    fn truncated_suite_is_crashed_with_reason() {
        let log = "KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: s\n    1..3\n    \
                   ok 1 a\n";
        let k = parse(log);
        let s = &k.root.subtests[0];
        assert_eq!(s.status, Status::Crashed);
        assert_eq!(s.counts.crashed, 2);
        assert_eq!(
            s.message.as_deref(),
            Some("2 of 3 results missing (no results after line 6 before the log ends)")
        );
        // One suite never started: one more crashed placeholder at the top level.
        assert_eq!(k.root.counts.crashed, 3);
        assert_eq!(k.root.counts.errors, 4);
    }

    #[test]
    fn header_at_same_level_closes_a_cut_suite() {
        let log = "\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: a
    1..2
    ok 1 x
    KTAP version 1
    # Subtest: b
    1..1
    ok 1 y
ok 2 b
";
        let k = parse(log);
        let names: Vec<&str> = k.root.subtests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(k.root.subtests[0].status, Status::Crashed);
        assert_eq!(k.root.subtests[1].status, Status::Success);
        assert_eq!(
            k.root.subtests[0].message.as_deref(),
            Some("1 of 2 results missing (next suite starts at line 7)")
        );
    }

    #[test]
    fn parameterised_case_nests_one_more_level() {
        let log = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..2
        KTAP version 1
        # Subtest: p
        ok 1 p-0
        ok 2 p-1
    ok 1 p
    ok 2 q
ok 1 s
";
        let k = parse(log);
        let s = &k.root.subtests[0];
        assert_eq!(s.subtests.len(), 2);
        assert!(s.subtests[0].is_suite());
        assert_eq!(k.root.counts.passed, 3);
        assert_eq!(k.root.counts.errors, 0);
    }

    #[test]
    fn missing_inner_result_line() {
        let log = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..1
        KTAP version 1
        # Subtest: p
        ok 1 p-0
ok 1 s
";
        let k = parse(log);
        let s = &k.root.subtests[0];
        assert_eq!(s.subtests[0].status, Status::Crashed);
        assert_eq!(k.root.counts.passed, 1);
        assert_eq!(k.root.counts.errors, 1);
    }

    #[test]
    fn second_document_is_merged() {
        let log = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: builtin
    1..1
    ok 1 a
ok 1 builtin
Run /sbin/init as init process
KTAP version 1
1..1
    KTAP version 1
    # Subtest: module
    1..1
    ok 1 b
ok 1 module
";
        let k = parse(log);
        assert_eq!(k.root.subtests.len(), 2);
        assert_eq!(k.root.plan, Some(2));
        assert_eq!(k.root.counts.passed, 2);
        assert_eq!(k.root.counts.errors, 0);
    }

    #[test]
    fn nesting_is_bounded() {
        let mut log = String::from("KTAP version 1\n1..1\n");
        for level in 1..200 {
            log.push_str(&" ".repeat(level * 4));
            log.push_str("# Subtest: deep\n");
        }
        let k = parse(&log);
        assert_eq!(k.root.status, Status::Crashed);
    }

    #[test]
    fn crash_marker_names_the_reason() {
        let log = "\
[    1.0] KTAP version 1
[    1.0] 1..1
[    1.0]     KTAP version 1
[    1.0]     # Subtest: s
[    1.0]     1..2
[    1.0]     ok 1 a
[    1.1] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP
[    1.1] Call trace:
[    1.2] Kernel panic - not syncing: Oops: Fatal exception
";
        let k = parse(log);
        let s = &k.root.subtests[0];
        assert_eq!(s.status, Status::Crashed);
        let message = s.message.clone().unwrap_or_default();
        assert!(message.starts_with("1 of 2 results missing after \"Internal error: Oops"));
        assert!(message.ends_with("then \"Kernel panic - not syncing: Oops: Fatal exception\""));
    }
}
