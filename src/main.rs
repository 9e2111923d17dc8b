//! The `backlot` binary: parse the command line, run, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    backlot::cli::run(backlot::cli::Cli::parse())
}
