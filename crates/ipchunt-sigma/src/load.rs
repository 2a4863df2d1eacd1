//! Parsing rule files before they are added.

use std::path::Path;

use rsigma_parser::{SigmaCollection, parse_sigma_yaml};

use crate::Rejection;

/// The whole text parsed at once, when the parser reports nothing about
/// any of its documents. Anything reported (invalid YAML, a document that
/// is not a mapping, a rule the parser refuses, a metadata problem) sends
/// the text through the per-document path instead.
pub(crate) fn parse_whole(text: &str) -> Option<SigmaCollection> {
    match parse_sigma_yaml(text) {
        Ok(col) if col.errors.is_empty() => Some(col),
        _ => None,
    }
}

pub(crate) fn unreadable(path: &Path, e: &std::io::Error) -> Rejection {
    Rejection {
        file: path.display().to_string(),
        rule: None,
        reason: "unreadable file".to_owned(),
        detail: e.to_string(),
    }
}
