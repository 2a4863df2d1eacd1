//! `ipchunt timeline` and `ipchunt baseline learn`.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use ipchunt_investigate::baseline;
use ipchunt_investigate::timeline::TimelineRow;

use crate::cli::{BaselineArgs, TimelineArgs, TimelineFormat};
use crate::exit::Exit;
use crate::input::read_line;
use crate::investigate::observe_paths;

/// `ipchunt timeline`.
pub fn run(args: TimelineArgs) -> Result<Exit> {
    let (inv, report) = observe_paths(&args.input);
    let timeline = inv.timeline();
    let mut rows = timeline.rows();
    if let Some(h) = &args.host {
        rows.retain(|r| r.host.eq_ignore_ascii_case(h));
    }
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout())),
    };
    write_rows(out, &rows, args.format).context("cannot write the timeline")?;
    if !args.input.quiet {
        eprintln!("{}", read_line(&report));
        for h in &timeline.hosts {
            if args
                .host
                .as_ref()
                .is_some_and(|want| !h.host.eq_ignore_ascii_case(want))
            {
                continue;
            }
            eprintln!(
                "ipchunt: {}: {} IPC events, usual rate {:.1}/min over {} active minutes, burst above {}/min, {} bursts",
                h.host,
                h.events.len(),
                h.stats.median,
                h.stats.active_minutes,
                h.stats.threshold,
                h.bursts.len()
            );
            for b in &h.bursts {
                eprintln!(
                    "ipchunt:   burst {} .. {}: {} events, peak {}/min",
                    b.start, b.end, b.events, b.peak_per_minute
                );
            }
        }
        if rows.is_empty() {
            eprintln!(
                "ipchunt: no IPC events in the input (pipes, process access, COM/DCOM, DDE, IPC$, sockets, XPC)"
            );
        }
    }
    Ok(Exit::after_read(&report))
}

fn write_rows(
    mut out: Box<dyn Write>,
    rows: &[TimelineRow],
    format: TimelineFormat,
) -> io::Result<()> {
    match format {
        TimelineFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut out, r)?;
                out.write_all(b"\n")?;
            }
        }
        TimelineFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let head = [
                "datetime",
                "timestamp_desc",
                "message",
                "host",
                "kind",
                "burst",
                "actor_image",
                "actor_pid",
                "actor_user",
                "actor_integrity",
                "endpoint_kind",
                "endpoint",
                "endpoint_raw",
                "peer_image",
                "remote",
                "detail",
                "source_file",
                "record",
            ];
            w.write_record(head).map_err(io::Error::other)?;
            for r in rows {
                let msg = format!(
                    "{} {} {} {}{}",
                    r.kind,
                    ipchunt_report::basename(&r.actor_image),
                    r.endpoint_kind,
                    r.endpoint,
                    if r.burst { " (burst)" } else { "" }
                );
                let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    r.time.as_str(),
                    "IPC event",
                    &msg,
                    &r.host,
                    r.kind,
                    if r.burst { "true" } else { "false" },
                    &r.actor_image,
                    &opt(r.actor_pid),
                    &r.actor_user,
                    &r.actor_integrity,
                    r.endpoint_kind,
                    &r.endpoint,
                    &r.endpoint_raw,
                    &r.peer_image,
                    &r.remote,
                    &r.detail,
                    &r.file,
                    &r.locator,
                ])
                .map_err(io::Error::other)?;
            }
            w.flush()?;
            return Ok(());
        }
        TimelineFormat::Table => {
            writeln!(
                out,
                "{:<24} {:<16} {:<16} ! {:<22} ENDPOINT",
                "TIME (UTC)", "HOST", "KIND", "PROCESS"
            )?;
            for r in rows {
                let line = format!(
                    "{:<24} {:<16} {:<16} {:<1} {:<22} {}",
                    r.time.chars().take(24).collect::<String>(),
                    ipchunt_report::fit(&r.host, 16),
                    r.kind,
                    if r.burst { "!" } else { " " },
                    ipchunt_report::fit(ipchunt_report::basename(&r.actor_image), 22),
                    if r.remote.is_empty() {
                        r.endpoint.clone()
                    } else {
                        format!("{} from {}", r.endpoint, r.remote)
                    },
                );
                let line: String = ipchunt_report::clean(&line).chars().take(120).collect();
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    out.flush()
}

/// `ipchunt baseline learn`.
pub fn learn(args: BaselineArgs) -> Result<Exit> {
    let (inv, report) = observe_paths(&args.input);
    let graph = inv.graph();
    let stats = baseline::learn(&args.db, &graph)
        .with_context(|| format!("cannot update the baseline {}", args.db.display()))?;
    eprintln!("{}", read_line(&report));
    println!(
        "baseline {}: {} new edges, {} updated, {} new hosts; now {} edges over {} hosts",
        args.db.display(),
        stats.edges_new,
        stats.edges_updated,
        stats.hosts_new,
        stats.total_edges,
        stats.total_hosts
    );
    Ok(Exit::after_read(&report))
}
