//! `ipchunt`: the command line over ipchunt's stages.

mod catalog;
mod cli;
mod emit;
mod events;
mod exit;
mod html;
mod hunt;
mod input;
mod investigate;
mod output;
mod progress;
mod rules;
mod sink;
mod spill;
mod store;
mod timeline;
mod timewin;

use clap::Parser;

// Events, rules and detections are many small allocations; mimalloc serves
// them faster than the system allocator (see docs/performance.md). Without
// the `mimalloc` feature the system allocator is used (heap profilers such
// as valgrind's massif see only that one).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::cli::{BaselineCommand, Cli, Command, RulesCommand};
use crate::exit::Exit;

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hunt(args) => hunt::run(args),
        Command::Events(args) => events::run(args),
        Command::Rules(RulesCommand::Check { paths }) => rules::check(&paths),
        Command::Rules(RulesCommand::List(args)) => rules::list(&args),
        Command::Catalog(args) => catalog::run(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Baseline(BaselineCommand::Learn(args)) => timeline::learn(args),
    };
    let code = match result {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("ipchunt: error: {e:#}");
            Exit::Fatal
        }
    };
    std::process::exit(code as i32);
}
