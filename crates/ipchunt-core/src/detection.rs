//! What detection hands to investigation and reporting: the rule that
//! fired, on which event, and why.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use crate::event::Event;

/// A rule's severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "informational" | "info" => Ok(Level::Informational),
            "low" => Ok(Level::Low),
            "medium" => Ok(Level::Medium),
            "high" => Ok(Level::High),
            "critical" => Ok(Level::Critical),
            other => Err(format!(
                "unknown level {other:?} (expected informational, low, medium, high or critical)"
            )),
        }
    }
}

/// The kind of a Sigma rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    #[default]
    Detection,
    Correlation,
    Filter,
}

/// A rule's metadata, as detections carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RuleInfo {
    pub id: String,
    /// The rule's `name` attribute, by which correlations may refer to it.
    pub name: Option<String>,
    pub title: String,
    pub kind: RuleKind,
    pub level: Level,
    pub status: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    /// ATT&CK technique ids from the tags, upper case (`T1559.001`).
    pub techniques: Vec<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    /// The file the rule came from (`builtin:<path>` for the built-in pack).
    pub file: String,
    pub builtin: bool,
}

impl RuleInfo {
    /// ATT&CK technique ids found in Sigma tags (`attack.t1559.001` gives
    /// `T1559.001`).
    pub fn techniques_from_tags(tags: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for t in tags {
            let lower = t.to_ascii_lowercase();
            let Some(rest) = lower.strip_prefix("attack.t") else {
                continue;
            };
            let valid = !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
                && rest.as_bytes()[0].is_ascii_digit();
            if valid {
                let id = format!("T{rest}");
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }
}

/// The events behind a correlation detection.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationInfo {
    /// The group-by fields and their values.
    pub group: Vec<(String, String)>,
    /// The value the condition tested (a count, a sum...).
    pub value: f64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The events that took part, in time order.
    pub events: Vec<Arc<Event>>,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub rule: Arc<RuleInfo>,
    /// The event it fired on (for a correlation, its last event).
    pub event: Arc<Event>,
    /// The fields (canonical names) and values that matched.
    pub matched: Vec<(String, String)>,
    pub correlation: Option<CorrelationInfo>,
}

impl Detection {
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.event.prov.timestamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_from_tags() {
        let tags = vec![
            "attack.execution".to_string(),
            "attack.t1559.001".to_string(),
            "attack.T1021.003".to_string(),
            "attack.t1559.001".to_string(),
            "attack.g0016".to_string(),
        ];
        assert_eq!(
            RuleInfo::techniques_from_tags(&tags),
            vec!["T1559.001", "T1021.003"]
        );
    }

    #[test]
    fn levels_order_and_parse() {
        assert!(Level::Critical > Level::High);
        assert_eq!("HIGH".parse::<Level>(), Ok(Level::High));
        assert!("severe".parse::<Level>().is_err());
    }
}
