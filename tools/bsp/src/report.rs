// SPDX-License-Identifier: GPL-2.0

//! Reporters for a parsed KTAP run: one module per output format.

pub mod json;
pub mod junit;
pub mod summary;

use crate::ktap::Test;

/// Joins a parent path and a test name with a dot, the way CI tools show nested tests.
pub(crate) fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The test's log with the common indentation removed, one line each.
pub(crate) fn dedented_log(test: &Test) -> String {
    let indent = test
        .log
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    test.log
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}
