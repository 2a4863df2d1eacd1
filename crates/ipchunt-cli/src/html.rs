//! The HTML report of a hunt.

use ipchunt_html::{HtmlReport, Summary};
use ipchunt_investigate::{Enriched, Investigation};
use ipchunt_report::RunSummary;

use crate::cli::HuntArgs;

pub fn page(
    args: &HuntArgs,
    s: &RunSummary,
    inv: &Investigation,
    detections: Vec<Enriched>,
) -> String {
    let t = &s.totals;
    let inputs: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    let mut facts = vec![
        ("Inputs".to_string(), inputs.join(", ")),
        (
            "Events".to_string(),
            format!(
                "{} read from {} files ({} files seen)",
                t.events, t.files_read, t.files_seen
            ),
        ),
        (
            "Records".to_string(),
            format!(
                "{} read = {} parsed + {} bad",
                t.records, t.events, t.bad_records
            ),
        ),
        (
            "Rules".to_string(),
            format!("{} loaded, {} rejected", s.rules_loaded, s.rules_rejected),
        ),
        ("Detections".to_string(), s.detections.to_string()),
    ];
    for n in &s.notes {
        facts.push(("Note".to_string(), n.trim().to_string()));
    }
    let report = HtmlReport {
        title: "ipchunt hunt report".to_string(),
        generated: Some(jiff::Timestamp::now()),
        summary: Summary { facts },
        detections,
        timeline: inv.timeline(),
        graph: inv.graph(),
        deviations: inv.deviations(),
    };
    ipchunt_html::render(&report)
}
