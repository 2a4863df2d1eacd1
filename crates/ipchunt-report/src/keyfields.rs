//! The fields that tell what an event is about, chosen by what it holds.

use ipchunt_core::{Event, Taxonomy};

/// A labelled value picked from an event for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyField {
    pub label: &'static str,
    /// The canonical field it came from.
    pub field: &'static str,
    pub value: String,
}

/// Canonical fields shown for detections, in display order, with labels.
pub const KEY_FIELDS: &[(&str, &str)] = &[
    ("Image", "image"),
    ("CommandLine", "cmd"),
    ("ParentImage", "parent"),
    ("PipeName", "pipe"),
    ("SourceImage", "source"),
    ("TargetImage", "target"),
    ("GrantedAccess", "access"),
    ("ImageLoaded", "loaded"),
    ("TargetObject", "key"),
    ("Details", "value"),
    ("QueryName", "query"),
    ("DestinationIp", "dst"),
    ("DestinationPort", "dport"),
    ("SourceIp", "src"),
    ("TargetFilename", "file"),
    ("ShareName", "share"),
    ("RelativeTargetName", "object"),
    ("IpAddress", "from"),
    ("User", "user"),
    ("SubjectUserName", "user"),
];

/// The key fields an event holds, in display order.
pub fn key_fields(ev: &Event, tax: &Taxonomy) -> Vec<KeyField> {
    let mut out = Vec::new();
    for (field, label) in KEY_FIELDS {
        let Some(id) = tax.id(field) else { continue };
        let Some(v) = ev.get(id) else { continue };
        let Some(text) = v.text() else { continue };
        let text = text.trim();
        if text.is_empty() || text == "-" {
            continue;
        }
        if *label == "user" && out.iter().any(|k: &KeyField| k.label == "user") {
            continue;
        }
        out.push(KeyField {
            label,
            field,
            value: text.to_owned(),
        });
    }
    out
}
