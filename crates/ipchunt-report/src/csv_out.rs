//! CSV that Timesketch imports as it is: `datetime`, `timestamp_desc` and
//! `message`, then the detection's fields.

use std::io::{self, Write};
use std::sync::Arc;

use ipchunt_core::{Detection, Taxonomy};

use crate::DetectionWriter;
use crate::keyfields::key_fields;

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

pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    tax: Arc<Taxonomy>,
    header_done: bool,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W, tax: Arc<Taxonomy>) -> Self {
        CsvWriter {
            out: csv::Writer::from_writer(out),
            tax,
            header_done: false,
        }
    }
}

fn to_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

impl<W: Write> DetectionWriter for CsvWriter<W> {
    fn write(&mut self, d: &Detection, _extra: Option<&serde_json::Value>) -> io::Result<()> {
        if !self.header_done {
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
            self.out.write_record(&head).map_err(to_io)?;
            self.header_done = true;
        }
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
        self.out.write_record(&row).map_err(to_io)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
