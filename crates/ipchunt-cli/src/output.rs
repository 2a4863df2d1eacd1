//! Choosing and opening the output.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use ipchunt_core::Taxonomy;
use ipchunt_report::{CsvRender, DetectionWriter, JsonlRender, Render, TableRender};

use crate::cli::OutputFormat;

/// Opens `-o FILE` or standard output and picks the writer: the table on a
/// terminal, JSON lines otherwise, unless --format says.
pub fn open_writer(
    format: Option<OutputFormat>,
    output: Option<&Path>,
    tax: Arc<Taxonomy>,
) -> Result<DetectionWriter> {
    let to_terminal = output.is_none() && io::stdout().is_terminal();
    let format = format.unwrap_or(if to_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Jsonl
    });
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let render: Box<dyn Render> = match format {
        OutputFormat::Table => Box::new(TableRender::new(tax, color)),
        OutputFormat::Jsonl => Box::new(JsonlRender::new(tax)),
        OutputFormat::Csv => Box::new(CsvRender::new(tax)),
        // The HTML report is not a stream: the hunt renders it whole at
        // the end and never asks for a writer for it.
        OutputFormat::Html => anyhow::bail!("the HTML report is written by the hunt, not streamed"),
    };
    Ok(DetectionWriter::new(render, open_output(output)?))
}

/// `-o FILE`, or standard output flushed line by line.
pub fn open_output(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(LineOut(io::stdout())),
    })
}

/// Standard output, flushed at each line so that a streaming hunt shows
/// each detection as soon as it is found.
struct LineOut(io::Stdout);

impl Write for LineOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut lock = self.0.lock();
        let n = lock.write(buf)?;
        if buf[..n].contains(&b'\n') {
            lock.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().flush()
    }
}
