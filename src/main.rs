//! The `backlot` binary: parse the command line, run, exit with its code.

use clap::Parser;

// See the comment on `mimalloc` in Cargo.toml for why and by how much.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    backlot::cli::run(backlot::cli::Cli::parse())
}
