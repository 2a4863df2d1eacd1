//! Builds one large EVTX file from the chunks of others, for benchmarks:
//! chunks stand alone (each holds its own string and template tables), so
//! a header followed by chunks of several logs is a valid log.
//!
//! ```text
//! evtx_concat OUT REPEAT INPUT.evtx...
//! ```

#[path = "../tests/common/evtx_build.rs"]
mod evtx_build;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: evtx_concat OUT REPEAT INPUT.evtx...");
        std::process::exit(2);
    }
    let repeat: usize = args[1].parse().unwrap_or(1);
    let (header, chunks) = evtx_build::chunks_of(&args[2..]);
    let all: Vec<Vec<u8>> = (0..repeat).flat_map(|_| chunks.iter().cloned()).collect();
    std::fs::write(&args[0], evtx_build::build(&header, &all)).expect("write output");
    eprintln!("{}: {} chunks", args[0], all.len());
}
