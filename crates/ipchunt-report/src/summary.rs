//! The summary at the end of a run: what was read, what was loaded, what
//! fired, and, when nothing did, why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use ipchunt_core::{Detection, Level};
use serde_json::json;

/// Input totals, as the readers count them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub files_seen: u64,
    pub files_read: u64,
    pub files_failed: u64,
    pub bytes: u64,
    pub records: u64,
    pub events: u64,
    pub bad_records: u64,
}

/// Everything the closing summary reports.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub totals: Totals,
    /// Where the bad records were written, if anywhere.
    pub bad_log: Option<String>,
    pub rules_loaded: usize,
    pub rules_rejected: usize,
    /// Rules loaded whose logsource no log ipchunt reads carries.
    pub rules_inert: usize,
    /// Events left out by the time window.
    pub events_outside_window: u64,
    /// Detections below the minimum level, not shown.
    pub below_min_level: u64,
    pub detections: u64,
    pub by_level: BTreeMap<Level, u64>,
    pub by_technique: BTreeMap<String, u64>,
    pub by_rule: BTreeMap<String, u64>,
    pub by_host: BTreeMap<String, u64>,
    pub elapsed: Duration,
    /// Extra lines a stage wants shown (baseline deviations, ...).
    pub notes: Vec<String>,
}

impl RunSummary {
    /// Counts one reported detection.
    pub fn add(&mut self, d: &Detection) {
        self.detections += 1;
        *self.by_level.entry(d.rule.level).or_default() += 1;
        if d.rule.techniques.is_empty() {
            *self.by_technique.entry("(none)".into()).or_default() += 1;
        }
        for t in &d.rule.techniques {
            *self.by_technique.entry(t.clone()).or_default() += 1;
        }
        *self.by_rule.entry(d.rule.title.clone()).or_default() += 1;
        let host = d.event.prov.computer.as_deref().unwrap_or("(unknown)");
        *self.by_host.entry(host.to_owned()).or_default() += 1;
    }

    pub fn events_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.totals.events as f64 / s
        } else {
            0.0
        }
    }

    /// The summary as text, for standard error.
    pub fn render(&self) -> String {
        let t = &self.totals;
        let mut s = String::new();
        let _ = writeln!(s, "── ipchunt summary ──");
        let _ = writeln!(
            s,
            "input     {} events read from {} files ({} files seen, {} unreadable or of unknown format), {}",
            t.events,
            t.files_read,
            t.files_seen,
            t.files_failed,
            human_bytes(t.bytes)
        );
        let _ = write!(
            s,
            "records   {} read = {} parsed + {} bad",
            t.records, t.events, t.bad_records
        );
        match (&self.bad_log, t.bad_records + t.files_failed) {
            (_, 0) => s.push('\n'),
            (Some(log), _) => {
                let _ = writeln!(s, " (details in {log})");
            }
            (None, _) => {
                s.push_str(" (reported on standard error; --bad-log FILE keeps every one)\n")
            }
        }
        let _ = writeln!(
            s,
            "rules     {} loaded, {} rejected{}",
            self.rules_loaded,
            self.rules_rejected,
            if self.rules_inert > 0 {
                format!(
                    ", {} with a logsource no supported log carries",
                    self.rules_inert
                )
            } else {
                String::new()
            }
        );
        let levels: Vec<String> = Level::ALL
            .iter()
            .rev()
            .filter_map(|l| self.by_level.get(l).map(|n| format!("{l} {n}")))
            .collect();
        let _ = writeln!(
            s,
            "found     {} detections{}",
            self.detections,
            if levels.is_empty() {
                String::new()
            } else {
                format!(" ({})", levels.join(", "))
            }
        );
        if self.detections > 0 {
            for (title, map) in [
                ("technique", &self.by_technique),
                ("rule", &self.by_rule),
                ("host", &self.by_host),
            ] {
                let _ = writeln!(s, "by {title}:");
                let mut rows: Vec<(&String, &u64)> = map.iter().collect();
                rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                for (k, n) in rows.iter().take(15) {
                    let _ = writeln!(s, "  {n:>7}  {k}");
                }
                if rows.len() > 15 {
                    let _ = writeln!(s, "  ... and {} more", rows.len() - 15);
                }
            }
        } else {
            for why in self.why_nothing() {
                let _ = writeln!(s, "why       {why}");
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "note      {n}");
        }
        let _ = writeln!(
            s,
            "time      {:.2} s, {:.0} events/s",
            self.elapsed.as_secs_f64(),
            self.events_per_second()
        );
        s
    }

    /// Reasons a run found nothing, most likely first.
    pub fn why_nothing(&self) -> Vec<String> {
        let t = &self.totals;
        let mut out = Vec::new();
        if t.files_seen == 0 {
            out.push("no input files were found at the given paths".to_string());
        } else if t.events == 0 {
            out.push(format!(
                "no events could be read: {} files seen, {} failed, {} bad records",
                t.files_seen, t.files_failed, t.bad_records
            ));
        }
        if self.rules_loaded == 0 {
            out.push("no rules were loaded".to_string());
        }
        if self.events_outside_window > 0 {
            out.push(format!(
                "{} events fell outside the --from/--to window",
                self.events_outside_window
            ));
        }
        if self.below_min_level > 0 {
            out.push(format!(
                "{} detections were below --min-level",
                self.below_min_level
            ));
        }
        if out.is_empty() && t.events > 0 {
            out.push(format!(
                "{} events were checked against {} rules and none matched",
                t.events, self.rules_loaded
            ));
        }
        out
    }

    /// The summary as JSON (for `--format jsonl` consumers that want it).
    pub fn to_json(&self) -> serde_json::Value {
        let t = &self.totals;
        json!({
            "files_seen": t.files_seen, "files_read": t.files_read, "files_failed": t.files_failed,
            "bytes": t.bytes, "records": t.records, "events": t.events, "bad_records": t.bad_records,
            "rules_loaded": self.rules_loaded, "rules_rejected": self.rules_rejected,
            "detections": self.detections,
            "by_level": self.by_level.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "by_technique": self.by_technique, "by_rule": self.by_rule, "by_host": self.by_host,
            "elapsed_seconds": self.elapsed.as_secs_f64(),
        })
    }
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_run_says_why() {
        let s = RunSummary::default();
        let text = s.render();
        assert!(text.contains("0 events read from 0 files"), "{text}");
        assert!(text.contains("no input files were found"), "{text}");
    }

    #[test]
    fn quiet_run_says_nothing_matched() {
        let s = RunSummary {
            totals: Totals {
                files_seen: 1,
                files_read: 1,
                records: 10,
                events: 10,
                ..Totals::default()
            },
            rules_loaded: 5,
            ..RunSummary::default()
        };
        assert!(
            s.render()
                .contains("10 events were checked against 5 rules and none matched")
        );
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MB");
    }
}
