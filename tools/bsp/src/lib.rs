// SPDX-License-Identifier: GPL-2.0

//! Host-side tools of the board-support package.
//!
//! [`ktap`] reads KUnit results (KTAP) out of a serial-console log into a typed tree;
//! [`verdict`] decides what that tree means for CI; [`report`] turns it into JUnit XML,
//! kunit.py-style JSON and a summary for people. Parsing never depends on reporting.

pub mod ktap;
pub mod report;
pub mod verdict;
