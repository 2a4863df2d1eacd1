//! The timeline chart: per host, IPC events per minute as bars (bursts in
//! red), and the detections as markers coloured by decision.

use std::fmt::Write;

use ipchunt_investigate::{Decision, Enriched, Timeline};
use jiff::Timestamp;

use crate::escape::esc;

const WIDTH: f64 = 1100.0;
const LEFT: f64 = 190.0;
const ROW: f64 = 56.0;
const MAX_HOSTS: usize = 60;

fn decision_colour(d: Decision) -> &'static str {
    match d {
        Decision::EscalateTier2 => "#c0392b",
        Decision::Tier1Review => "#d68910",
        Decision::LikelyBenign => "#1e8449",
    }
}

pub(crate) fn timeline(out: &mut String, t: &Timeline, detections: &[Enriched]) {
    out.push_str("<section id=\"timeline\"><h2>IPC timeline</h2>");
    let hosts: Vec<_> = t.hosts.iter().take(MAX_HOSTS).collect();
    let mut times: Vec<Timestamp> = hosts
        .iter()
        .flat_map(|h| h.minutes.iter().map(|m| m.minute))
        .collect();
    times.extend(detections.iter().filter_map(|d| d.detection.time));
    let (Some(start), Some(end)) = (times.iter().min().copied(), times.iter().max().copied())
    else {
        out.push_str("<p class=\"mute\">No timed IPC events.</p></section>\n");
        return;
    };
    let span = ((end.as_second() - start.as_second()) as f64).max(60.0) + 60.0;
    let x = |t: Timestamp| {
        LEFT + (t.as_second() - start.as_second()) as f64 / span * (WIDTH - LEFT - 10.0)
    };
    let height = ROW * hosts.len().max(1) as f64 + 40.0;
    let _ = write!(
        out,
        "<svg id=\"timeline-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"IPC events per minute per host\">"
    );
    let plot = WIDTH - LEFT - 10.0;
    for (row, h) in hosts.iter().enumerate() {
        let top = row as f64 * ROW + 6.0;
        let base = top + ROW - 14.0;
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{:.1}\">{}</text><line x1=\"{LEFT}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"#ccc\"/>",
            base - 4.0,
            esc(&crate::escape::clip(&h.host, 28)),
            WIDTH - 10.0
        );
        // One bar per pixel column: counts summed, burst if any minute was.
        let mut cols: Vec<(u64, bool)> = vec![(0, false); plot as usize + 1];
        let in_burst = |m: Timestamp| h.bursts.iter().any(|b| b.start <= m && m < b.end);
        for m in &h.minutes {
            let c = ((x(m.minute) - LEFT) as usize).min(cols.len() - 1);
            cols[c].0 += m.count;
            cols[c].1 |= in_burst(m.minute);
        }
        let peak = cols.iter().map(|c| c.0).max().unwrap_or(1).max(1) as f64;
        for (i, (n, burst)) in cols.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let hgt = (*n as f64 / peak * (ROW - 22.0)).max(1.5);
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"2\" height=\"{hgt:.1}\" fill=\"{}\"><title>{n} IPC events{}</title></rect>",
                LEFT + i as f64,
                base - hgt,
                if *burst { "#c0392b" } else { "#2874a6" },
                if *burst { " (burst)" } else { "" }
            );
        }
        for d in detections.iter().filter(|d| d.detection.host == h.host) {
            let Some(t) = d.detection.time else { continue };
            let px = x(t);
            let _ = write!(
                out,
                "<path d=\"M{px:.1} {:.1} l-5 -8 h10 z\" fill=\"{}\"><title>{} ({}) at {}</title></path>",
                top + 10.0,
                decision_colour(d.escalation.decision),
                esc(&d.detection.title),
                esc(d.escalation.decision.title()),
                esc(&t.to_string())
            );
        }
    }
    let axis = height - 16.0;
    let fmt = if span < 7200.0 {
        "%H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    for i in 0..=4 {
        let secs = start.as_second() + (span as i64 * i / 4);
        let Ok(t) = Timestamp::from_second(secs) else {
            continue;
        };
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{axis:.1}\" text-anchor=\"{anchor}\">{}</text>",
            x(t).min(WIDTH - 10.0),
            esc(&t.strftime(fmt).to_string())
        );
    }
    out.push_str("</svg>");
    if t.hosts.len() > MAX_HOSTS {
        let _ = write!(
            out,
            "<p class=\"mute\">{} more hosts not drawn.</p>",
            t.hosts.len() - MAX_HOSTS
        );
    }
    out.push_str(
        "<p class=\"mute\">Bars: IPC events per minute (red: burst, a rate well above the host's usual). Markers: detections (red escalate, amber review, green benign).</p></section>\n",
    );
}
