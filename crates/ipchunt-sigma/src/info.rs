//! Rule metadata as detections carry it.
//!
//! The level is the one the rule states; a rule without one is
//! `informational` (Sigma gives no default, and a rule that does not say
//! how severe it is should not rank above those that do).

use ipchunt_core::{Level, RuleInfo, RuleKind};
use rsigma_parser::{CorrelationRule, FilterRule, LogSource, SigmaRule};

fn level(l: Option<rsigma_parser::Level>) -> Level {
    match l {
        Some(rsigma_parser::Level::Low) => Level::Low,
        Some(rsigma_parser::Level::Medium) => Level::Medium,
        Some(rsigma_parser::Level::High) => Level::High,
        Some(rsigma_parser::Level::Critical) => Level::Critical,
        Some(rsigma_parser::Level::Informational) | None => Level::Informational,
    }
}

fn status(s: Option<rsigma_parser::Status>) -> Option<String> {
    s.map(|s| {
        match s {
            rsigma_parser::Status::Stable => "stable",
            rsigma_parser::Status::Test => "test",
            rsigma_parser::Status::Experimental => "experimental",
            rsigma_parser::Status::Deprecated => "deprecated",
            rsigma_parser::Status::Unsupported => "unsupported",
        }
        .to_owned()
    })
}

/// The name a rule is known by in messages: its id, else its title.
pub(crate) fn label(id: Option<&str>, title: &str) -> String {
    id.map(str::to_owned).unwrap_or_else(|| title.to_owned())
}

fn file_label(file: &str, builtin: bool) -> String {
    if builtin && !file.starts_with("builtin:") {
        format!("builtin:{file}")
    } else {
        file.to_owned()
    }
}

/// The metadata every kind of Sigma document has.
struct Meta<'a> {
    id: Option<&'a str>,
    name: &'a Option<String>,
    title: &'a str,
    level: Option<rsigma_parser::Level>,
    status: Option<rsigma_parser::Status>,
    description: &'a Option<String>,
    author: &'a Option<String>,
    tags: &'a [String],
    references: &'a [String],
    falsepositives: &'a [String],
}

macro_rules! meta {
    ($r:expr) => {
        Meta {
            id: $r.id.as_deref(),
            name: &$r.name,
            title: &$r.title,
            level: $r.level,
            status: $r.status,
            description: &$r.description,
            author: &$r.author,
            tags: &$r.tags,
            references: &$r.references,
            falsepositives: &$r.falsepositives,
        }
    };
}

fn build(
    m: Meta<'_>,
    kind: RuleKind,
    ls: Option<&LogSource>,
    file: &str,
    builtin: bool,
) -> RuleInfo {
    let ls_field = |f: fn(&LogSource) -> &Option<String>| ls.and_then(|l| f(l).clone());
    RuleInfo {
        id: label(m.id, m.title),
        name: m.name.clone(),
        title: m.title.to_owned(),
        kind,
        level: level(m.level),
        status: status(m.status),
        description: m.description.clone(),
        author: m.author.clone(),
        techniques: RuleInfo::techniques_from_tags(m.tags),
        tags: m.tags.to_vec(),
        references: m.references.to_vec(),
        falsepositives: m.falsepositives.to_vec(),
        product: ls_field(|l| &l.product),
        category: ls_field(|l| &l.category),
        service: ls_field(|l| &l.service),
        file: file_label(file, builtin),
        builtin,
    }
}

pub(crate) fn detection(r: &SigmaRule, file: &str, builtin: bool) -> RuleInfo {
    build(
        meta!(r),
        RuleKind::Detection,
        Some(&r.logsource),
        file,
        builtin,
    )
}

pub(crate) fn correlation(r: &CorrelationRule, file: &str, builtin: bool) -> RuleInfo {
    build(meta!(r), RuleKind::Correlation, None, file, builtin)
}

pub(crate) fn filter(r: &FilterRule, file: &str, builtin: bool) -> RuleInfo {
    build(
        meta!(r),
        RuleKind::Filter,
        r.logsource.as_ref(),
        file,
        builtin,
    )
}
