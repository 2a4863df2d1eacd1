//! Renderings of a coverage verdict: which rules could fire, and why not.

use std::fmt::Write;

use serde_json::json;

use crate::coverage::{ObservedTelemetry, RuleCoverage};

fn counts(cov: &[RuleCoverage]) -> (usize, usize) {
    let can = cov.iter().filter(|c| c.could_fire).count();
    (can, cov.len() - can)
}

/// A summary line, then one line per rule: verdict, vendor, title, reasons.
pub fn render_coverage_table(cov: &[RuleCoverage], observed: &ObservedTelemetry) -> String {
    let (can, cannot) = counts(cov);
    let mut s = format!(
        "{} events seen ({} channels, {} fields): {can} rules could fire, {cannot} could not\n",
        observed.events,
        observed.channels.len(),
        observed.fields.len()
    );
    let width = cov
        .iter()
        .map(|c| c.rule.title.chars().count())
        .max()
        .unwrap_or(0);
    for c in cov {
        let verdict = if c.could_fire {
            "could fire"
        } else {
            "cannot fire"
        };
        let _ = writeln!(
            s,
            "  {verdict:<11}  {:<7}  {:<width$}  {}",
            c.rule.vendor.label(),
            c.rule.title,
            c.reasons.join("; ")
        );
    }
    s
}

/// A `coverage_summary` line, then one `coverage` line per rule.
pub fn render_coverage_jsonl(cov: &[RuleCoverage], observed: &ObservedTelemetry) -> String {
    let (can, cannot) = counts(cov);
    let mut s = json!({
        "kind": "coverage_summary",
        "events": observed.events,
        "channels": observed.channels,
        "could_fire": can,
        "could_not_fire": cannot,
    })
    .to_string();
    s.push('\n');
    for c in cov {
        let line = json!({
            "kind": "coverage",
            "vendor": c.rule.vendor,
            "id": c.rule.id,
            "title": c.rule.title,
            "path": c.rule.path,
            "could_fire": c.could_fire,
            "reasons": c.reasons,
        });
        s.push_str(&line.to_string());
        s.push('\n');
    }
    s
}
