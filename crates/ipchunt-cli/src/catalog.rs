//! `ipchunt catalog`: what the vendors' rules for a technique look for, and
//! which of them could fire on the logs at hand.

use std::io::{self, Write};
use std::sync::Mutex;

use anyhow::Result;
use ipchunt_catalog::{
    ObservedTelemetry, build_catalog, coverage, render_coverage_jsonl, render_coverage_table,
    render_jsonl, render_markdown, render_table,
};
use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions};

use crate::cli::{CatalogArgs, CatalogFormat};
use crate::exit::Exit;

struct Observer<'a> {
    tax: &'a Taxonomy,
    seen: Mutex<ObservedTelemetry>,
}

impl EventSink for Observer<'_> {
    fn events(&self, batch: Vec<Event>) {
        if let Ok(mut seen) = self.seen.lock() {
            for ev in &batch {
                seen.observe(ev, self.tax);
            }
        }
    }

    fn bad(&self, bad: BadRecord) {
        eprintln!("ipchunt: bad input: {bad}");
    }
}

pub fn run(args: CatalogArgs) -> Result<Exit> {
    let tax = Taxonomy::builtin();
    for p in &args.sources {
        if !p.exists() {
            eprintln!(
                "ipchunt: usage error: rule source {} does not exist",
                p.display()
            );
            return Ok(Exit::Usage);
        }
    }
    let catalog = build_catalog(&args.sources, &args.technique, !args.no_subtechniques, &tax);
    for e in &catalog.report.errors {
        eprintln!("ipchunt: rule not read: {e}");
    }
    let mut out = io::stdout().lock();
    if args.against.is_empty() {
        let text = match args.format {
            CatalogFormat::Table => render_table(&catalog),
            CatalogFormat::Jsonl => render_jsonl(&catalog),
            CatalogFormat::Markdown => render_markdown(&catalog),
        };
        out.write_all(text.as_bytes())?;
        return Ok(Exit::Clean);
    }
    let observer = Observer {
        tax: &tax,
        seen: Mutex::new(ObservedTelemetry::new()),
    };
    let report = ipchunt_ingest::ingest(&args.against, &IngestOptions::default(), &tax, &observer);
    let seen = observer
        .seen
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let cov = coverage(&catalog, &seen);
    let text = match args.format {
        CatalogFormat::Jsonl => render_coverage_jsonl(&cov, &seen),
        CatalogFormat::Table | CatalogFormat::Markdown => render_coverage_table(&cov, &seen),
    };
    out.write_all(text.as_bytes())?;
    eprintln!(
        "ipchunt: coverage judged on {} events from {} files; {} of {} rules could fire",
        report.events,
        report.files_read,
        cov.iter().filter(|c| c.could_fire).count(),
        cov.len()
    );
    Ok(Exit::after_read(&report))
}
