//! The header, summary, detections table and deviations.

use std::collections::BTreeMap;
use std::fmt::Write;

use ipchunt_core::Level;
use ipchunt_investigate::{Decision, Deviation, Enriched};

use crate::HtmlReport;
use crate::escape::{clip, esc};

pub(crate) fn level_rank(l: Level) -> u8 {
    l as u8
}

pub(crate) fn level_badge(l: Level) -> String {
    format!("<span class=\"lvl lvl-{0}\">{0}</span>", l.as_str())
}

pub(crate) fn decision_badge(d: Decision) -> String {
    format!(
        "<span class=\"dec dec-{}\">{}</span>",
        d.as_str(),
        esc(d.title())
    )
}

pub(crate) fn header(out: &mut String, r: &HtmlReport) {
    let _ = write!(
        out,
        "<header><h1>{}</h1><div class=\"mute\">ipchunt investigation report{}</div></header>\n<main>\n",
        esc(&r.title),
        r.generated
            .map(|t| format!(", generated {}", esc(&t.to_string())))
            .unwrap_or_default()
    );
}

fn card(out: &mut String, value: impl std::fmt::Display, label: &str) {
    let _ = write!(
        out,
        "<div class=\"card\"><b>{}</b>{}</div>",
        esc(&value.to_string()),
        esc(label)
    );
}

pub(crate) fn summary(out: &mut String, r: &HtmlReport) {
    out.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    card(out, r.detections.len(), "detections");
    for d in [
        Decision::EscalateTier2,
        Decision::Tier1Review,
        Decision::LikelyBenign,
    ] {
        let n = r
            .detections
            .iter()
            .filter(|e| e.escalation.decision == d)
            .count();
        card(out, n, &d.title().to_lowercase());
    }
    let mut levels: BTreeMap<Level, usize> = BTreeMap::new();
    for e in &r.detections {
        *levels.entry(e.detection.level).or_default() += 1;
    }
    for (l, n) in levels.iter().rev() {
        card(out, n, l.as_str());
    }
    let ipc: usize = r.timeline.hosts.iter().map(|h| h.events.len()).sum();
    let bursts: usize = r.timeline.hosts.iter().map(|h| h.bursts.len()).sum();
    card(out, r.timeline.hosts.len(), "hosts with IPC");
    card(out, ipc, "IPC events");
    card(out, bursts, "bursts");
    card(out, r.graph.edges.len(), "graph edges");
    if !r.deviations.is_empty() {
        card(out, r.deviations.len(), "baseline deviations");
    }
    out.push_str("</div>");
    if !r.summary.facts.is_empty() {
        out.push_str("<h3>Run</h3><table class=\"facts\"><tbody>");
        for (k, v) in &r.summary.facts {
            let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");
}

pub(crate) fn process_label(e: &Enriched) -> String {
    e.chain
        .process
        .as_ref()
        .and_then(|p| p.process.image.clone())
        .unwrap_or_default()
}

pub(crate) fn detections(out: &mut String, r: &HtmlReport, shown: &[bool]) {
    out.push_str("<section id=\"detections-section\"><h2>Detections</h2>");
    out.push_str(
        "<div class=\"filters\">\
         <label>Level at least <select id=\"f-level\"><option value=\"\">any</option>\
         <option>informational</option><option>low</option><option>medium</option>\
         <option>high</option><option>critical</option></select></label>\
         <label>Host <select id=\"f-host\"><option value=\"\">any</option></select></label>\
         <label>Technique <select id=\"f-tech\"><option value=\"\">any</option></select></label>\
         <label>Decision <select id=\"f-decision\"><option value=\"\">any</option>\
         <option value=\"escalate_tier2\">Escalate to Tier 2</option>\
         <option value=\"tier1_review\">Tier 1 review</option>\
         <option value=\"likely_benign\">Likely benign</option></select></label>\
         <label>Text <input id=\"f-text\" type=\"search\"></label>\
         <span id=\"f-count\" class=\"mute\"></span></div>",
    );
    out.push_str(
        "<table id=\"detections\"><thead><tr><th>#</th><th>Time</th><th>Level</th>\
         <th>Decision</th><th>Host</th><th>Rule</th><th>Techniques</th><th>Process</th>\
         <th>IPC</th></tr></thead><tbody>",
    );
    for (i, e) in r.detections.iter().enumerate() {
        let d = &e.detection;
        let time = d.time.map(|t| t.to_string()).unwrap_or_default();
        let sort_time = d.time.map(|t| t.as_millisecond()).unwrap_or(i64::MIN);
        let ipc = e
            .ipc
            .as_ref()
            .map(|x| format!("{} {}", x.kind.as_str(), x.endpoint.name))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr data-index=\"{i}\"><td data-sort=\"{i}\">{n}</td><td data-sort=\"{sort_time}\">{time}</td>\
             <td data-sort=\"{lr}\">{lvl}</td><td data-sort=\"{dr}\">{dec}</td><td>{host}</td>\
             <td>{title}</td><td>{tech}</td><td class=\"v\">{proc}</td>\
             <td class=\"v\">{ipc}</td></tr>",
            n = i + 1,
            time = esc(&time),
            lr = level_rank(d.level),
            lvl = level_badge(d.level),
            dr = e.escalation.decision as u8,
            dec = decision_badge(e.escalation.decision),
            host = esc(&d.host),
            title = if shown.get(i).copied().unwrap_or(false) {
                format!("<a href=\"#det-{i}\">{}</a>", esc(&d.title))
            } else {
                esc(&d.title)
            },
            tech = esc(&d.techniques.join(" ")),
            proc = esc(&clip(&process_label(e), 120)),
            ipc = esc(&clip(&ipc, 120)),
        );
    }
    out.push_str("</tbody></table>");
    if r.detections.is_empty() {
        out.push_str("<p class=\"mute\">No detections.</p>");
    }
    out.push_str("</section>\n");
}

pub(crate) fn deviations(out: &mut String, devs: &[Deviation]) {
    if devs.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"deviations\"><h2>Baseline deviations</h2><table><thead><tr>\
         <th>Edge</th><th>Deviation</th><th>Seen</th><th>Hosts</th><th>Why</th></tr></thead><tbody>",
    );
    for d in devs.iter().take(500) {
        let kind = match d.status.deviation {
            Some(k) => format!("{k:?}"),
            None => String::new(),
        };
        let _ = write!(
            out,
            "<tr><td class=\"v\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.status.key.to_string()),
            esc(&kind),
            d.observed_count,
            esc(&d.observed_hosts.join(", ")),
            esc(&d.reason)
        );
    }
    out.push_str("</tbody></table>");
    if devs.len() > 500 {
        let _ = write!(
            out,
            "<p class=\"mute\">{} more not shown.</p>",
            devs.len() - 500
        );
    }
    out.push_str("</section>\n");
}

/// The data the script reads: per detection its host, level, techniques
/// and decision.
pub(crate) fn data_json(r: &HtmlReport) -> String {
    let dets: Vec<serde_json::Value> = r
        .detections
        .iter()
        .map(|e| {
            serde_json::json!({
                "host": e.detection.host,
                "level": e.detection.level.as_str(),
                "techniques": e.detection.techniques,
                "decision": e.escalation.decision.as_str(),
                "title": e.detection.title,
            })
        })
        .collect();
    serde_json::json!({ "detections": dets }).to_string()
}
