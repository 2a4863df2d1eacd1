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
    let hunt = matches!(cli.command, Command::Hunt(_));
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
        // The reader of the output went away (`ipchunt hunt logs | head`):
        // it saw what it wanted; a hunt got that far by finding something.
        Err(e) if broken_pipe(&e) => match hunt {
            true => Exit::Found,
            false => Exit::Clean,
        },
        Err(e) => {
            eprintln!("ipchunt: error: {e:#}");
            Exit::Fatal
        }
    };
    std::process::exit(code as i32);
}

/// Whether an error comes from writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
