//! ipchunt's HTML report: one self-contained file that opens offline, with
//! the summary, the detections (sortable, filterable by level, host and
//! technique), a timeline chart, the IPC graph, and per detection its
//! process tree, surrounding IPC, escalation decision and reasons.
//!
//! Every value from the logs is attacker-controlled. The page is written
//! on the server side with every value escaped ([`escape::esc`]); the
//! script reads data only from a `<script type="application/json">` block
//! whose text cannot close its element ([`escape::json_for_script`]) and
//! puts values in the page only through `textContent`. A Content Security
//! Policy allows no network access and only the page's own script (by its
//! SHA-256), so markup that slipped through could still not run.

mod chart;
mod detail;
pub mod escape;
mod graph_svg;
mod page;
mod sections;

use ipchunt_investigate::{Deviation, Enriched, Graph, Timeline};
use jiff::Timestamp;
use serde::Serialize;

/// What the report shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HtmlReport {
    pub title: String,
    pub generated: Option<Timestamp>,
    pub summary: Summary,
    pub detections: Vec<Enriched>,
    pub timeline: Timeline,
    pub graph: Graph,
    /// The graph's deviations from a baseline, when one was given.
    pub deviations: Vec<Deviation>,
}

/// The caller's facts about the run (inputs, events read, errors...),
/// shown as label and value rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub facts: Vec<(String, String)>,
}

/// Renders the report as one HTML document.
pub fn render(report: &HtmlReport) -> String {
    let mut body = String::with_capacity(64 * 1024);
    let shown = detail::shown(&report.detections);
    sections::header(&mut body, report);
    sections::summary(&mut body, report);
    sections::detections(&mut body, report, &shown);
    chart::timeline(&mut body, &report.timeline, &report.detections);
    graph_svg::graph(&mut body, &report.graph);
    sections::deviations(&mut body, &report.deviations);
    detail::all(&mut body, &report.detections, &shown);
    page::document(&report.title, &body, &sections::data_json(report))
}
