//! Builds a technique's catalog from the shared rule corpora and writes it.
//!
//! `cargo run -p ipchunt-catalog --example catalog -- T1559 [table|jsonl|markdown] [OUT]`
//!
//! The corpora are looked up in `<repo>/../shared/corpus` (Sigma `rules*`,
//! Elastic `rules` and `rules_building_block`, Splunk `detections`).

use std::path::{Path, PathBuf};

use ipchunt_catalog::{build_catalog, load_sources, render_jsonl, render_markdown, render_table};
use ipchunt_core::Taxonomy;

fn corpus_sources(corpus: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(corpus.join("sigma")) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("rules"))
            })
            .collect();
        dirs.sort();
        out.extend(dirs);
    }
    out.push(corpus.join("elastic/rules"));
    out.push(corpus.join("elastic/rules_building_block"));
    out.push(corpus.join("splunk/detections"));
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let technique = args.first().map_or("T1559", String::as_str);
    let format = args.get(1).map_or("table", String::as_str);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = root.join("../shared/corpus");
    if !corpus.is_dir() {
        return Err(format!("no corpus at {}", corpus.display()).into());
    }
    let tax = Taxonomy::builtin();
    if format == "stats" {
        print!("{}", corpus_stats(&corpus_sources(&corpus), &tax));
        return Ok(());
    }
    let cat = build_catalog(&corpus_sources(&corpus), technique, true, &tax);
    let text = match format {
        "jsonl" => render_jsonl(&cat),
        "markdown" => render_markdown(&cat),
        _ => render_table(&cat),
    };
    match args.get(2) {
        Some(out) => std::fs::write(out, text)?,
        None => print!("{text}"),
    }
    Ok(())
}

/// Corpus-wide parse statistics: rules, rules not parsed, rules with
/// unparsed fragments, fragments by reason.
fn corpus_stats(sources: &[PathBuf], tax: &Taxonomy) -> String {
    use std::collections::BTreeMap;
    let t0 = std::time::Instant::now();
    let (rules, report) = load_sources(sources, tax);
    let mut s = format!(
        "loaded in {:.2?}: files read {}, with rules {}, failed {}, skipped {}, errors {}\n",
        t0.elapsed(),
        report.files_read,
        report.files_with_rules,
        report.files_failed,
        report.skipped.len(),
        report.errors.len()
    );
    for e in report.errors.iter().take(10) {
        s += &format!("  error: {e}\n");
    }
    for v in ipchunt_catalog::Vendor::ALL {
        let rs: Vec<_> = rules.iter().filter(|r| r.vendor == v).collect();
        let not_parsed = rs.iter().filter(|r| !r.status.is_parsed()).count();
        let with_unparsed = rs
            .iter()
            .filter(|r| r.status.is_parsed() && !r.unparsed.is_empty())
            .count();
        let preds: usize = rs.iter().map(|r| r.predicates.len()).sum();
        let frags: usize = rs.iter().map(|r| r.unparsed.len()).sum();
        s += &format!(
            "{v}: {} rules, {not_parsed} not parsed, {with_unparsed} parsed with unparsed fragments, {preds} predicates, {frags} unparsed fragments\n",
            rs.len()
        );
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut example: BTreeMap<String, String> = BTreeMap::new();
        for r in &rs {
            if let ipchunt_catalog::RuleStatus::NotParsed(w) = &r.status {
                *reasons.entry(format!("not parsed: {w}")).or_default() += 1;
            }
            for u in &r.unparsed {
                let key: String = u.reason.chars().take(70).collect();
                *reasons.entry(key.clone()).or_default() += 1;
                example.entry(key).or_insert_with(|| {
                    let f: String = u.fragment.chars().take(120).collect();
                    format!("{f}  ({})", r.path)
                });
            }
        }
        let mut reasons: Vec<_> = reasons.into_iter().collect();
        reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (r, n) in reasons.iter().take(12) {
            s += &format!("  {n:>6}  {r}\n");
            if let Some(e) = example.get(r) {
                s += &format!("          e.g. {}\n", e.replace('\n', " "));
            }
        }
    }
    s
}
