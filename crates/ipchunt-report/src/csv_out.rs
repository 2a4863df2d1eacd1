//! CSV that Timesketch imports as it is: `datetime`, `timestamp_desc` and
//! `message`, then the detection's fields.

use std::sync::Arc;

use ipchunt_core::{Detection, Taxonomy};

use crate::keyfields::key_fields;
use crate::{Investigated, Render};

/// Canonical fields given their own column.
const COLUMNS: &[&str] = &[
    "Image",
    "ParentImage",
    "CommandLine",
    "PipeName",
    "SourceImage",
    "TargetImage",
    "GrantedAccess",
    "ImageLoaded",
    "TargetObject",
    "Details",
    "QueryName",
    "DestinationIp",
    "DestinationPort",
    "ShareName",
    "RelativeTargetName",
    "User",
];

pub struct CsvRender {
    tax: Arc<Taxonomy>,
}

impl CsvRender {
    pub fn new(tax: Arc<Taxonomy>) -> Self {
        CsvRender { tax }
    }
}

/// Appends one CSV record. Writing into a `Vec<u8>` cannot fail, and
/// every record of this writer has the same number of columns.
fn record<I, T>(out: &mut Vec<u8>, cells: I)
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1024)
        .from_writer(out);
    let _ = w.write_record(cells);
    let _ = w.flush();
}

impl Render for CsvRender {
    fn header(&self, out: &mut Vec<u8>) {
        let mut head = vec![
            "datetime",
            "timestamp_desc",
            "message",
            "rule_id",
            "rule_title",
            "level",
            "techniques",
            "host",
            "channel",
            "event_id",
            "source_file",
            "record",
        ];
        head.extend(COLUMNS);
        record(out, head);
    }

    fn render(&self, d: &Detection, _extra: Option<&dyn Investigated>, out: &mut Vec<u8>) {
        let ev = &d.event;
        let keys = key_fields(ev, &self.tax);
        let summary: Vec<String> = keys
            .iter()
            .take(4)
            .map(|k| format!("{}={}", k.label, k.value))
            .collect();
        let message = format!(
            "[{}] {}{}{}",
            d.rule.level,
            d.rule.title,
            if summary.is_empty() { "" } else { ": " },
            summary.join(" ")
        );
        let datetime = d
            .timestamp()
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
            .unwrap_or_default();
        let mut row = vec![
            datetime,
            "Event Recorded".to_string(),
            message,
            d.rule.id.clone(),
            d.rule.title.clone(),
            d.rule.level.to_string(),
            d.rule.techniques.join(" "),
            ev.prov.computer.as_deref().unwrap_or("").to_string(),
            ev.prov.channel.as_deref().unwrap_or("").to_string(),
            ev.prov.event_id.map(|i| i.to_string()).unwrap_or_default(),
            ev.prov.file.to_string(),
            ev.prov.locator.to_string(),
        ];
        for c in COLUMNS {
            let v = self
                .tax
                .id(c)
                .and_then(|id| ev.get(id))
                .and_then(|v| v.text().map(|t| t.into_owned()))
                .unwrap_or_default();
            row.push(v);
        }
        record(out, row);
    }
}
