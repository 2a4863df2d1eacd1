//! Walks rule sources (files or directories) and hands each file to the
//! loader of its format.

use std::path::{Path, PathBuf};

use ipchunt_core::Taxonomy;
use serde::Serialize;

use crate::model::{CatalogRule, Vendor};
use crate::{LoadError, load_elastic, load_sigma, load_splunk};

/// What loading the sources did. Files read = files with rules + files
/// with errors + files skipped (a Sigma file may hold several rules, and
/// a file may yield rules and errors both; it is then counted once, in
/// `files_with_rules`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    pub files_read: usize,
    pub files_with_rules: usize,
    pub files_failed: usize,
    /// Files that are not rules of a known format (path, reason).
    pub skipped: Vec<(String, String)>,
    pub errors: Vec<LoadError>,
    /// Rules loaded per vendor.
    pub rules: Vec<(Vendor, usize)>,
}

/// Loads every rule under `sources`. Directories are walked recursively in
/// name order; hidden entries are left out. `.toml` files are Elastic
/// rules; `.yml`/`.yaml` files are Sigma rules when they have a
/// `detection:` key and Splunk detections when they have a `search:` key.
pub fn load_sources(sources: &[PathBuf], tax: &Taxonomy) -> (Vec<CatalogRule>, LoadReport) {
    let mut files = Vec::new();
    let mut report = LoadReport::default();
    for s in sources {
        collect(s, &mut files, &mut report);
    }
    let mut rules = Vec::new();
    for f in &files {
        report.files_read += 1;
        let path = f.display().to_string();
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                report.files_failed += 1;
                report
                    .errors
                    .push(LoadError::new(&path, format!("cannot read: {e}")));
                continue;
            }
        };
        let (got, errs) = load_text(&path, &text, tax);
        match (got, errs) {
            (None, _) => report
                .skipped
                .push((path, "not a Sigma, Elastic or Splunk rule".into())),
            (Some(r), errs) => {
                if r.is_empty() {
                    report.files_failed += 1;
                } else {
                    report.files_with_rules += 1;
                }
                rules.extend(r);
                report.errors.extend(errs);
            }
        }
    }
    report.rules = Vendor::ALL
        .iter()
        .map(|v| (*v, rules.iter().filter(|r| r.vendor == *v).count()))
        .collect();
    (rules, report)
}

/// Loads one file's text by its format; `None` when it is none of them.
fn load_text(path: &str, text: &str, tax: &Taxonomy) -> (Option<Vec<CatalogRule>>, Vec<LoadError>) {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".toml") {
        return match load_elastic(path, text, tax) {
            Ok(r) => (Some(vec![r]), Vec::new()),
            Err(e) => (Some(Vec::new()), vec![e]),
        };
    }
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return (None, Vec::new());
    }
    let has_key = |k: &str| text.lines().any(|l| l.starts_with(k));
    if has_key("detection:") || has_key("action: global") {
        let (r, e) = load_sigma(path, text, tax);
        return (Some(r), e);
    }
    if has_key("search:") {
        return match load_splunk(path, text, tax) {
            Ok(r) => (Some(vec![r]), Vec::new()),
            Err(e) => (Some(Vec::new()), vec![e]),
        };
    }
    (None, Vec::new())
}

fn collect(p: &Path, out: &mut Vec<PathBuf>, report: &mut LoadReport) {
    if p.is_file() {
        out.push(p.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(p) {
        Ok(e) => e,
        Err(e) => {
            report.errors.push(LoadError::new(
                &p.display().to_string(),
                format!("cannot list: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for q in paths {
        if q.is_dir() {
            collect(&q, out, report);
        } else {
            let name = q.to_string_lossy().to_ascii_lowercase();
            if [".yml", ".yaml", ".toml"].iter().any(|e| name.ends_with(e)) {
                out.push(q);
            }
        }
    }
}
