//! Backlot's integration tests: one binary, one module per feature.
//! Fixtures are folders under tests/fixtures or trees written by a test.

mod support;

mod gitfix;

mod apidocs;
mod bad_input;
mod browser;
mod catalog;
mod cli;
mod conformance;
mod crash;
mod docs;
mod incremental;
mod last_updated;
mod migrate;
mod repos;
mod search;
mod serve;
mod site;
mod techdocs;
mod webdriver;
