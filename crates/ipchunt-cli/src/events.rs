//! `ipchunt events`: the normalized events as JSON lines.

use std::io::{self, BufWriter, Write};
use std::sync::Mutex;

use anyhow::Result;
use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions};

use crate::cli::EventsArgs;
use crate::exit::Exit;
use crate::input::read_line;

struct Printer<'a> {
    tax: &'a Taxonomy,
    out: Mutex<BufWriter<io::Stdout>>,
    raw: bool,
    failed: Mutex<Option<io::Error>>,
}

impl EventSink for Printer<'_> {
    fn events(&self, batch: Vec<Event>) {
        let mut text = Vec::with_capacity(batch.len() * 512);
        for ev in &batch {
            let mut j = ev.to_json(self.tax);
            if self.raw
                && let Some(r) = &ev.raw
            {
                j["raw"] = serde_json::Value::String(r.as_str().to_owned());
            }
            // Serializing a JSON value to memory cannot fail.
            let _ = serde_json::to_writer(&mut text, &j);
            text.push(b'\n');
        }
        if let Ok(mut out) = self.out.lock()
            && let Err(e) = out.write_all(&text)
            && let Ok(mut f) = self.failed.lock()
        {
            f.get_or_insert(e);
        }
    }

    fn bad(&self, bad: BadRecord) {
        eprintln!("ipchunt: bad input: {bad}");
    }
}

pub fn run(args: EventsArgs) -> Result<Exit> {
    let tax = Taxonomy::builtin();
    let printer = Printer {
        tax: &tax,
        out: Mutex::new(BufWriter::new(io::stdout())),
        raw: args.raw,
        failed: Mutex::new(None),
    };
    let report = if args.paths.len() == 1 && args.paths[0] == std::path::Path::new("-") {
        ipchunt_ingest::read_stream(io::stdin().lock(), "<stdin>", &tax, &printer)
    } else {
        let opts = IngestOptions {
            threads: args.threads,
            keep_raw: args.raw,
            ..IngestOptions::default()
        };
        ipchunt_ingest::ingest(&args.paths, &opts, &tax, &printer)
    };
    if let Ok(mut out) = printer.out.lock() {
        out.flush()?;
    }
    if let Ok(mut f) = printer.failed.lock()
        && let Some(e) = f.take()
    {
        return Err(e.into());
    }
    eprintln!("{}", read_line(&report));
    Ok(Exit::after_read(&report))
}
