// SPDX-License-Identifier: GPL-2.0

//! Host-side tools of the board-support package.
//!
//! [`ktap`] reads KUnit results (KTAP) out of a serial-console log into a typed tree;
//! [`verdict`] decides what that tree means for CI; [`report`] turns it into JUnit XML,
//! kunit.py-style JSON and a summary for people. Parsing never depends on reporting.
//! [`results`] writes those reports for every command that reads KUnit output: a log file,
//! a serial console ([`serial`]) or a pstore/ramoops memory dump ([`ramoops`]). [`flash`]
//! writes SD-card images through their block maps.

pub mod flash;
pub mod ktap;
pub mod ramoops;
pub mod report;
pub mod results;
pub mod serial;
pub mod verdict;
