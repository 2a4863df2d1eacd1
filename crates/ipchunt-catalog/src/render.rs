//! Text renderings of a catalog: an aligned table and JSON lines.

use std::fmt::Write;

use serde_json::json;

use crate::catalog::Catalog;
use crate::model::{EventRef, Op};

/// Rows shown per section by the table and Markdown renderers.
pub(crate) const TOP: usize = 25;

/// What a log event is, for the events table.
pub(crate) fn event_title(e: &EventRef) -> &'static str {
    let provider = e.provider.as_deref().unwrap_or("");
    let channel = e.channel.as_deref().unwrap_or("");
    if provider.ends_with("Sysmon") || channel.contains("Sysmon") {
        return match e.event_id {
            Some(1) => "Process creation",
            Some(2) => "File creation time changed",
            Some(3) => "Network connection",
            Some(5) => "Process terminated",
            Some(6) => "Driver loaded",
            Some(7) => "Image loaded",
            Some(8) => "CreateRemoteThread",
            Some(9) => "RawAccessRead",
            Some(10) => "ProcessAccess",
            Some(11) => "FileCreate",
            Some(12) => "RegistryEvent (Object create and delete)",
            Some(13) => "RegistryEvent (Value Set)",
            Some(14) => "RegistryEvent (Key and Value Rename)",
            Some(15) => "FileCreateStreamHash",
            Some(17) => "PipeEvent (Pipe Created)",
            Some(18) => "PipeEvent (Pipe Connected)",
            Some(19..=21) => "WmiEvent",
            Some(22) => "DNSEvent (DNS query)",
            Some(23) => "FileDelete (archived)",
            Some(25) => "ProcessTampering",
            Some(26) => "FileDeleteDetected",
            _ => "",
        };
    }
    match (channel, e.event_id) {
        ("Security", Some(4688)) => "A new process has been created.",
        ("Security", Some(4624)) => "An account was successfully logged on.",
        ("Security", Some(5140)) => "A network share object was accessed.",
        ("Security", Some(5145)) => "A network share object was checked.",
        ("Microsoft-Windows-PowerShell/Operational", Some(4104)) => "Script block logged",
        ("System", Some(10016 | 10028)) => "DCOM error",
        ("Defender:DeviceEvents", _)
            if e.qualifier.as_deref() == Some("ActionType=NamedPipeEvent") =>
        {
            "Named pipe event"
        }
        ("Defender:DeviceProcessEvents", _) => "Process creation",
        ("Defender:DeviceNetworkEvents", _) => "Network connection",
        ("Defender:DeviceImageLoadEvents", _) => "Image loaded",
        ("Defender:DeviceFileEvents", _) => "File event",
        ("Defender:DeviceRegistryEvents", _) => "Registry event",
        ("macos:endpointsecurity", _) => "Endpoint Security event",
        ("auditd", _) => "auditd record",
        _ => "",
    }
}

/// `Sysmon`, `Security-Auditing`, `Defender-DeviceEvents`: a short name
/// of the event's provider (or channel when the provider is unknown).
pub(crate) fn provider_label(e: &EventRef) -> String {
    let raw = e
        .provider
        .as_deref()
        .or(e.channel.as_deref())
        .unwrap_or("?");
    let short = raw.strip_prefix("Microsoft-Windows-").unwrap_or(raw);
    short.replace(':', "-")
}

/// `Event ID 17`, or the source's qualifier (`NamedPipeEvent`), or `-`.
pub(crate) fn event_label(e: &EventRef) -> String {
    match (e.event_id, &e.qualifier) {
        (Some(id), _) => format!("Event ID {id}"),
        (None, Some(q)) => q.split_once('=').map_or(q.as_str(), |(_, v)| v).to_owned(),
        (None, None) => "-".to_owned(),
    }
}

pub(crate) fn ops_text(ops: &[(Op, usize)]) -> String {
    ops.iter()
        .map(|(o, n)| format!("{o} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plain-text report: summary, then each section as aligned columns.
pub fn render_table(c: &Catalog) -> String {
    let mut s = String::new();
    let sub = if c.include_subtechniques {
        " (sub-techniques included)"
    } else {
        ""
    };
    let total: usize = c.by_vendor.iter().map(|(_, n)| n).sum();
    let name = c
        .technique_name
        .as_deref()
        .map(|n| format!(" {n}"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{}{name}{}: {} rules of {} in the corpus",
        c.technique, sub, total, c.corpus_rules
    );
    for (v, n) in &c.by_vendor {
        let _ = writeln!(s, "  {v:<8} {n}");
    }
    let mut t = Table::new(&["PROVIDER", "EVENT", "TITLE", "RULES"]);
    for e in &c.events {
        t.row(vec![
            provider_label(&e.event),
            event_label(&e.event),
            e.title.clone(),
            e.rules.to_string(),
        ]);
    }
    section(&mut s, &format!("Events covered ({})", c.events.len()), t);
    let mut t = Table::new(&["FIELD", "RULES", "HOW", "SAMPLE VALUES"]);
    for f in c.fields.iter().take(TOP) {
        t.row(vec![
            f.field.clone(),
            f.rules.to_string(),
            ops_text(&f.ops),
            f.samples.join(" | "),
        ]);
    }
    section(
        &mut s,
        &format!("Fields filtered most ({} distinct)", c.fields.len()),
        t,
    );
    for (title, rows) in [
        ("Top indicator values", &c.indicators),
        ("Exclusions", &c.exclusions),
    ] {
        let mut t = Table::new(&["FIELD", "OP", "VALUE", "RULES", "CORPUS REACH"]);
        for i in rows.iter().take(TOP) {
            t.row(vec![
                i.field.clone(),
                i.op.to_string(),
                i.value.clone(),
                i.rules.to_string(),
                i.corpus_reach.to_string(),
            ]);
        }
        section(&mut s, &format!("{title} ({} distinct)", rows.len()), t);
    }
    let mut t = Table::new(&["VENDOR", "TITLE", "PREDICATES", "UNPARSED", "STATUS"]);
    for r in &c.rules {
        let status = match &r.status {
            crate::RuleStatus::Parsed => "parsed".to_owned(),
            crate::RuleStatus::NotParsed(why) => format!("not parsed: {why}"),
        };
        t.row(vec![
            r.vendor.to_string(),
            r.title.clone(),
            r.predicates.len().to_string(),
            r.unparsed.len().to_string(),
            status,
        ]);
    }
    section(&mut s, "Rules", t);
    let mut t = Table::new(&["VENDOR", "RULE", "FRAGMENT", "REASON"]);
    for u in &c.unparsed {
        t.row(vec![
            u.vendor.to_string(),
            u.rule.clone(),
            u.fragment.replace('\n', " "),
            u.reason.clone(),
        ]);
    }
    section(
        &mut s,
        &format!("Unparsed fragments ({})", c.unparsed.len()),
        t,
    );
    s
}

fn section(s: &mut String, title: &str, t: Table) {
    let _ = writeln!(s, "\n{title}");
    s.push_str(&t.render());
}

struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[&str]) -> Self {
        Table {
            head: head.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, r: Vec<String>) {
        self.rows.push(r);
    }

    fn render(&self) -> String {
        const MAX: usize = 60;
        let clip = |x: &str| -> String {
            if x.chars().count() > MAX {
                let mut t: String = x.chars().take(MAX - 1).collect();
                t.push('…');
                t
            } else {
                x.to_owned()
            }
        };
        let all: Vec<Vec<String>> = std::iter::once(&self.head)
            .chain(&self.rows)
            .map(|r| r.iter().map(|c| clip(c)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.head.len())
            .map(|i| {
                all.iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for r in &all {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
                .collect();
            let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        }
        out
    }
}

/// One JSON object per line: a `summary`, then `event`, `field`,
/// `indicator`, `exclusion`, `rule` and `unparsed` records.
pub fn render_jsonl(c: &Catalog) -> String {
    let mut lines = vec![json!({
        "kind": "summary",
        "technique": c.technique,
        "include_subtechniques": c.include_subtechniques,
        "corpus_rules": c.corpus_rules,
        "by_vendor": c.by_vendor,
        "load": c.report,
    })];
    lines.extend(
        c.events
            .iter()
            .map(|e| json!({"kind": "event", "provider": provider_label(&e.event), "event": e})),
    );
    lines.extend(c.fields.iter().map(|f| json!({"kind": "field", "row": f})));
    lines.extend(
        c.indicators
            .iter()
            .map(|i| json!({"kind": "indicator", "row": i})),
    );
    lines.extend(
        c.exclusions
            .iter()
            .map(|i| json!({"kind": "exclusion", "row": i})),
    );
    lines.extend(c.rules.iter().map(|r| json!({"kind": "rule", "rule": r})));
    lines.extend(
        c.unparsed
            .iter()
            .map(|u| json!({"kind": "unparsed", "row": u})),
    );
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.to_string());
        s.push('\n');
    }
    s
}
