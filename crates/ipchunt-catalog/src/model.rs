//! The normalized rule: what every loader produces, whatever the vendor.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Who wrote the rule format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Sigma,
    Elastic,
    Splunk,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::Sigma, Vendor::Elastic, Vendor::Splunk];

    pub fn label(self) -> &'static str {
        match self {
            Vendor::Sigma => "Sigma",
            Vendor::Elastic => "Elastic",
            Vendor::Splunk => "Splunk",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How a predicate compares its field with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equality (case-insensitive or not, as the vendor defines it).
    Eq,
    /// A glob with `*` / `?`.
    Wildcard,
    Contains,
    StartsWith,
    EndsWith,
    /// A regular expression (Sigma `re`, EQL `regex`, SPL `rex`-free `regex`).
    RegexMatch,
    /// SPL `match(field, "regex")`.
    Match,
    /// SPL `like(field, "%x%")`, EQL `like`.
    Like,
    /// One member of a list (`in`, `IN (...)`).
    In,
    Exists,
    Gt,
    Gte,
    Lt,
    Lte,
    Cidr,
    /// The field equals another field (Sigma `fieldref`).
    FieldRef,
    /// A value searched anywhere in the event (Sigma keywords, bare SPL terms).
    Keyword,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Wildcard => "wildcard",
            Op::Contains => "contains",
            Op::StartsWith => "startswith",
            Op::EndsWith => "endswith",
            Op::RegexMatch => "regex_match",
            Op::Match => "match",
            Op::Like => "like",
            Op::In => "in",
            Op::Exists => "exists",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Cidr => "cidr",
            Op::FieldRef => "fieldref",
            Op::Keyword => "keyword",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field comparison a rule makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Predicate {
    /// The canonical field name (taxonomy), or the original name when the
    /// taxonomy does not know it.
    pub field: String,
    /// The field as the rule spells it.
    pub original: String,
    /// Whether the taxonomy knows the field.
    pub known: bool,
    pub op: Op,
    pub value: String,
    /// Under an odd number of negations.
    pub negated: bool,
    /// Part of a `not (...)` that is a conjunct of the whole rule: an
    /// exclusion of the rule's matches.
    pub top_level_exclusion: bool,
    /// Every match of the rule needs this comparison's field: it is not
    /// negated and sits on the rule's chain of conjunctions (a list of
    /// values for one field counts as one conjunct).
    pub required: bool,
    /// Modifiers that change the value before comparing (`base64offset`,
    /// `windash`, `all`, `cased`, `~` for case-insensitive...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
}

#[cfg(test)]
impl Predicate {
    /// (field, op, value, negated, top-level exclusion), for tests.
    pub(crate) fn summary(&self) -> (&str, Op, &str, bool, bool) {
        (
            self.field.as_str(),
            self.op,
            self.value.as_str(),
            self.negated,
            self.top_level_exclusion,
        )
    }
}

/// Part of a rule that was not turned into predicates, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    pub fragment: String,
    pub reason: String,
}

/// Whether the rule's logic was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum RuleStatus {
    Parsed,
    NotParsed(String),
}

impl RuleStatus {
    pub fn is_parsed(&self) -> bool {
        matches!(self, RuleStatus::Parsed)
    }
}

/// A log event a rule reads: a provider and an event id, where known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EventRef {
    /// Channel the events are written to, when known.
    pub channel: Option<String>,
    /// Provider (e.g. `Microsoft-Windows-Sysmon`), when known.
    pub provider: Option<String>,
    /// Event id, when the source has numbered events.
    pub event_id: Option<u32>,
    /// Further constraint on the source, e.g. `ActionType=NamedPipeEvent`.
    pub qualifier: Option<String>,
}

/// One rule of any vendor, in the catalog's normalized form.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogRule {
    pub vendor: Vendor,
    pub id: String,
    pub title: String,
    pub path: String,
    /// ATT&CK technique ids, upper case (`T1559`, `T1559.001`).
    pub techniques: Vec<String>,
    /// Technique names, where the rule gives them (Elastic).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub technique_names: BTreeMap<String, String>,
    /// The rule's own statement of its data: Sigma logsource, Elastic
    /// event categories and indices, Splunk data sources and data models.
    pub logsource: String,
    /// The events the rule can read, inferred from its logsource.
    pub events: Vec<EventRef>,
    pub predicates: Vec<Predicate>,
    pub unparsed: Vec<Unparsed>,
    pub status: RuleStatus,
    /// Fields that join the steps of a sequence (EQL `by`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub join_keys: Vec<String>,
    /// The vendor marks the rule deprecated (Sigma and Splunk `status`,
    /// Elastic `maturity`).
    pub deprecated: bool,
}

impl CatalogRule {
    pub fn new(vendor: Vendor, path: String) -> Self {
        CatalogRule {
            vendor,
            id: String::new(),
            title: String::new(),
            path,
            techniques: Vec::new(),
            technique_names: BTreeMap::new(),
            logsource: String::new(),
            events: Vec::new(),
            predicates: Vec::new(),
            unparsed: Vec::new(),
            status: RuleStatus::Parsed,
            join_keys: Vec::new(),
            deprecated: false,
        }
    }

    /// Whether the rule is tagged with `technique`, or one of its
    /// sub-techniques when `include_sub` is set.
    pub fn has_technique(&self, technique: &str, include_sub: bool) -> bool {
        self.techniques.iter().any(|t| {
            t.eq_ignore_ascii_case(technique)
                || (include_sub
                    && t.get(..technique.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(technique))
                    && t.as_bytes().get(technique.len()) == Some(&b'.'))
        })
    }
}
