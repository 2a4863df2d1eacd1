//! Per detection: decision and reasons, process tree, surrounding IPC,
//! answers, containment, mitigations, matched fields and the event.

use std::fmt::Write;

use ipchunt_investigate::tree::ChainEntry;
use ipchunt_investigate::{Decision, Enriched, IpcEvent};

use crate::escape::{clip, esc};
use crate::sections::{decision_badge, level_badge};

/// At most this many detections get a details section (the page stays
/// usable); escalated and severe ones first.
pub(crate) const MAX_DETAILS: usize = 1000;

/// Which detections get a details section.
pub(crate) fn shown(dets: &[Enriched]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by_key(|&i| {
        let e = &dets[i];
        (
            std::cmp::Reverse(e.escalation.decision),
            std::cmp::Reverse(e.detection.level),
            i,
        )
    });
    let mut show = vec![false; dets.len()];
    for i in order.into_iter().take(MAX_DETAILS) {
        show[i] = true;
    }
    show
}

pub(crate) fn all(out: &mut String, dets: &[Enriched], show: &[bool]) {
    if dets.is_empty() {
        return;
    }
    out.push_str("<section id=\"details\"><h2>Detection details</h2>");
    let hidden = show.iter().filter(|s| !**s).count();
    if hidden > 0 {
        let _ = write!(
            out,
            "<p class=\"mute\">Details of the {MAX_DETAILS} most pressing detections; {hidden} more are listed in the table only.</p>"
        );
    }
    for (i, e) in dets.iter().enumerate() {
        if show.get(i).copied().unwrap_or(false) {
            one(out, i, e);
        }
    }
    out.push_str("</section>\n");
}

fn one(out: &mut String, i: usize, e: &Enriched) {
    let d = &e.detection;
    let _ = write!(
        out,
        "<details class=\"det\" id=\"det-{i}\"{}><summary>#{} {} {} {} <span class=\"mute\">on {} at {}</span></summary>",
        if e.escalation.decision == Decision::EscalateTier2 {
            " open"
        } else {
            ""
        },
        i + 1,
        level_badge(d.level),
        decision_badge(e.escalation.decision),
        esc(&d.title),
        esc(&d.host),
        esc(&d
            .time
            .map(|t| t.to_string())
            .unwrap_or_else(|| "unknown time".into())),
    );
    let _ = write!(
        out,
        "<p class=\"mute\">Rule {} ({}) {} · {} {}</p>",
        esc(&d.rule_id),
        esc(&d.rule_file),
        esc(&d.techniques.join(" ")),
        esc(&d.source.file),
        esc(&d.source.locator)
    );
    reasons(out, e);
    tree(out, e);
    window(out, e);
    answers(out, e);
    containment(out, e);
    mitigations(out, e);
    evidence(out, e);
    out.push_str("</details>\n");
}

fn reasons(out: &mut String, e: &Enriched) {
    let _ = write!(
        out,
        "<h3>Escalation: {}</h3>",
        decision_badge(e.escalation.decision)
    );
    if e.escalation.reasons.is_empty() {
        out.push_str("<p>No reason to escalate was found.</p>");
        return;
    }
    out.push_str("<ul class=\"reasons\">");
    for r in &e.escalation.reasons {
        let w = format!("{:?}", r.weight).to_lowercase();
        let _ = write!(
            out,
            "<li><span class=\"w w-{w}\">{w}</span> {}<ul>",
            esc(&r.summary)
        );
        for ev in &r.evidence {
            let _ = write!(out, "<li>{}</li>", esc(ev));
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul>");
}

fn entry(c: &ChainEntry, me: bool) -> String {
    let p = &c.process;
    let mut s = format!(
        "<span class=\"{}\">{}</span>",
        if me {
            "me"
        } else if c.seen_created {
            ""
        } else {
            "unseen"
        },
        esc(p.image.as_deref().unwrap_or("(unknown image)"))
    );
    let mut meta = Vec::new();
    if let Some(pid) = p.pid {
        meta.push(format!("pid {pid}"));
    }
    if let Some(u) = &p.user {
        meta.push(u.clone());
    }
    if let Some(i) = &p.integrity {
        meta.push(format!("{i} integrity"));
    }
    if let Some(t) = c.start {
        meta.push(format!("started {t}"));
    }
    if !c.seen_created {
        meta.push("creation not in the logs".into());
    }
    let _ = write!(s, " <span class=\"mute\">{}</span>", esc(&meta.join(", ")));
    if let Some(cmd) = &p.command_line {
        let _ = write!(s, "<br><code>{}</code>", esc(&clip(cmd, 600)));
    }
    s
}

fn tree(out: &mut String, e: &Enriched) {
    out.push_str("<h3>Process tree</h3>");
    let c = &e.chain;
    if c.ancestors.is_empty() && c.process.is_none() {
        out.push_str("<p class=\"mute\">No process is named by this event.</p>");
        return;
    }
    out.push_str("<ul class=\"tree\">");
    for a in &c.ancestors {
        let _ = write!(out, "<li>{}<ul>", entry(a, false));
    }
    if let Some(p) = &c.process {
        let _ = write!(out, "<li>{}", entry(p, true));
        if !c.children.is_empty() {
            out.push_str("<ul>");
            for k in &c.children {
                let _ = write!(out, "<li>{}</li>", entry(k, false));
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>");
    }
    for _ in &c.ancestors {
        out.push_str("</ul></li>");
    }
    out.push_str("</ul>");
}

fn ipc_row(out: &mut String, x: &IpcEvent) {
    let endpoint = match &x.endpoint.label {
        Some(l) => format!(
            "{} ({l})",
            x.endpoint.raw.as_deref().unwrap_or(&x.endpoint.name)
        ),
        None => x
            .endpoint
            .raw
            .clone()
            .unwrap_or_else(|| x.endpoint.name.clone()),
    };
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td>{}</td></tr>",
        esc(&x.time.map(|t| t.to_string()).unwrap_or_default()),
        esc(x.kind.as_str()),
        esc(&x.actor.label()),
        esc(&clip(&endpoint, 200)),
        esc(&x.peer.as_ref().map(|p| p.label()).unwrap_or_default()),
        esc(&[x.remote.as_deref(), x.detail.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ")),
    );
}

fn window(out: &mut String, e: &Enriched) {
    out.push_str("<h3>IPC around the detection</h3>");
    if e.window.is_empty() && e.ipc.is_none() {
        out.push_str("<p class=\"mute\">No other IPC on this host in the window.</p>");
        return;
    }
    out.push_str("<table class=\"window\"><thead><tr><th>Time</th><th>Kind</th><th>Actor</th><th>Endpoint</th><th>Peer</th><th>Detail</th></tr></thead><tbody>");
    for x in &e.window {
        ipc_row(out, x);
    }
    out.push_str("</tbody></table>");
    if let Some(x) = &e.ipc {
        out.push_str("<p>This detection's event as IPC:</p><table><tbody>");
        ipc_row(out, x);
        out.push_str("</tbody></table>");
    }
}

fn answers(out: &mut String, e: &Enriched) {
    out.push_str("<h3>Analysis questions</h3><dl class=\"answers\">");
    for a in &e.escalation.questions {
        let _ = write!(out, "<dt>{}</dt><dd>{}", esc(&a.question), esc(&a.answer));
        if !a.evidence.is_empty() {
            out.push_str("<ul>");
            for ev in &a.evidence {
                let _ = write!(out, "<li>{}</li>", esc(ev));
            }
            out.push_str("</ul>");
        }
        out.push_str("</dd>");
    }
    out.push_str("</dl>");
}

fn containment(out: &mut String, e: &Enriched) {
    out.push_str("<h3>Containment</h3><ol>");
    for c in &e.escalation.containment {
        let _ = write!(out, "<li>{}</li>", esc(c));
    }
    out.push_str("</ol>");
}

fn mitigations(out: &mut String, e: &Enriched) {
    if e.escalation.mitigations.is_empty() {
        return;
    }
    out.push_str("<h3>Mitigations</h3>");
    for m in &e.escalation.mitigations {
        let _ = write!(
            out,
            "<p><b>{} {}</b>: {}</p>",
            esc(&m.id),
            esc(&m.name),
            esc(&m.action)
        );
        if m.settings.is_empty() {
            continue;
        }
        out.push_str("<table><thead><tr><th>Key</th><th>Value</th><th>Data</th><th>Effect</th></tr></thead><tbody>");
        for s in &m.settings {
            let _ = write!(
                out,
                "<tr><td class=\"v\">{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td>{}</td></tr>",
                esc(&s.key),
                esc(s.value.as_deref().unwrap_or("")),
                esc(s.data.as_deref().unwrap_or("")),
                esc(&s.note)
            );
        }
        out.push_str("</tbody></table>");
    }
}

fn evidence(out: &mut String, e: &Enriched) {
    if !e.detection.matched.is_empty() {
        out.push_str("<h3>Matched</h3><table><tbody>");
        for (k, v) in &e.detection.matched {
            let _ = write!(
                out,
                "<tr><th>{}</th><td class=\"v\">{}</td></tr>",
                esc(k),
                esc(&clip(v, 1000))
            );
        }
        out.push_str("</tbody></table>");
    }
    if !e.baseline.is_empty() {
        out.push_str("<h3>Baseline</h3><ul>");
        for b in &e.baseline {
            let state = match (b.deviation, b.known) {
                (Some(d), _) => format!("{d:?}"),
                (None, Some(k)) => format!(
                    "known: {} times on {} of {} hosts",
                    k.count, k.hosts, b.total_hosts
                ),
                (None, None) => String::new(),
            };
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&b.key.to_string()),
                esc(&state)
            );
        }
        out.push_str("</ul>");
    }
    let json = serde_json::to_string_pretty(&e.detection.event).unwrap_or_default();
    let _ = write!(
        out,
        "<h3>Event</h3><pre class=\"event\">{}</pre>",
        esc(&clip(&json, 20_000))
    );
}
