//! The terminal table: one detection per row, at most 120 columns.
//!
//! Each row is a header line (time, host, level, technique, rule) and an
//! indented line with the key fields of that event type. Values from logs
//! are stripped of control characters, so a log cannot drive the terminal.

use std::io::Write;
use std::sync::Arc;

use ipchunt_core::{Detection, Level, Taxonomy};

use crate::keyfields::key_fields;
use crate::{Investigated, Render};

/// Total width of a row.
pub const WIDTH: usize = 120;

pub struct TableRender {
    tax: Arc<Taxonomy>,
    color: bool,
}

impl TableRender {
    /// `color`: whether to emit ANSI colours (the caller checks the
    /// terminal and `NO_COLOR`).
    pub fn new(tax: Arc<Taxonomy>, color: bool) -> Self {
        TableRender { tax, color }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color && !code.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

fn level_style(l: Level) -> (&'static str, &'static str) {
    match l {
        Level::Critical => ("crit", "1;31"),
        Level::High => ("high", "31"),
        Level::Medium => ("med", "33"),
        Level::Low => ("low", "36"),
        Level::Informational => ("info", "2"),
    }
}

/// Replaces control characters so that a value prints on one line and
/// cannot carry terminal escape sequences.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Cuts a string to `width` characters, marking the cut with `…`.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return format!("{s:<width$}");
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The file name of a Windows or Unix path.
pub fn basename(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

// Writing into a `Vec<u8>` cannot fail: the results of `writeln!` below
// are ignored.
impl Render for TableRender {
    fn header(&self, out: &mut Vec<u8>) {
        let h = format!(
            "{} {} {} {} {}",
            fit("TIME (UTC)", 19),
            fit("HOST", 16),
            fit("LVL", 4),
            fit("TECHNIQUE", 10),
            "RULE"
        );
        let _ = writeln!(out, "{}", self.paint(&h, "1"));
    }

    fn render(&self, d: &Detection, extra: Option<&dyn Investigated>, out: &mut Vec<u8>) {
        let time = d
            .timestamp()
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "-".into());
        let host = clean(d.event.prov.computer.as_deref().unwrap_or("-"));
        let (lvl, code) = level_style(d.rule.level);
        // The most specific technique: a sub-technique when the rule has one.
        let tech = d
            .rule
            .techniques
            .iter()
            .find(|t| t.contains('.'))
            .or(d.rule.techniques.first())
            .map(String::as_str)
            .unwrap_or("-");
        let rule_width = WIDTH - 19 - 16 - 4 - 10 - 4;
        let line = format!(
            "{} {} {} {} {}",
            fit(&time, 19),
            fit(&host, 16),
            self.paint(&fit(lvl, 4), code),
            fit(tech, 10),
            fit(&clean(&d.rule.title), rule_width).trim_end(),
        );
        let _ = writeln!(out, "{line}");
        let mut parts = Vec::new();
        // The escalation decision, when the hunt investigated.
        match extra.and_then(|x| x.decision()) {
            Some("escalate_tier2") => parts.push(self.paint("[Tier 2]", "1;31")),
            Some("tier1_review") => parts.push(self.paint("[Tier 1]", "33")),
            Some("likely_benign") => parts.push(self.paint("[benign?]", "2")),
            _ => {}
        }
        if let Some(c) = &d.correlation {
            parts.push(format!("correlation: {} events", c.events.len()));
            for (k, v) in &c.group {
                parts.push(format!("{k}={}", clean(v)));
            }
        }
        for k in key_fields(&d.event, &self.tax) {
            let v = match k.label {
                "image" | "parent" | "source" | "target" | "loaded" => basename(&k.value),
                _ => &k.value,
            };
            parts.push(format!("{}={}", k.label, clean(v)));
        }
        if parts.is_empty() {
            parts.push(format!(
                "{} {}",
                d.event.prov.channel.as_deref().unwrap_or("-"),
                d.event
                    .prov
                    .event_id
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            ));
        }
        let detail = format!("    {}", parts.join("  "));
        let _ = writeln!(out, "{}", fit(&detail, WIDTH).trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_and_clean() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(clean("a\x1b[31mb\n"), "a [31mb ");
        assert_eq!(basename("C:\\Windows\\System32\\cmd.exe"), "cmd.exe");
    }
}
