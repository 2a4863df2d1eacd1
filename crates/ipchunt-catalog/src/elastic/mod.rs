//! Elastic detection-rules TOML: the `threat` mapping and the query, read
//! as EQL or KQL. ES|QL, Lucene and machine-learning rules are kept with
//! the reason they are not read.

pub(crate) mod eql;
pub(crate) mod kql;

use ipchunt_core::Taxonomy;
use serde::Deserialize;

use crate::LoadError;
use crate::fields::{Scope, add_events, add_query, ecs_category, events_for};
use crate::model::{CatalogRule, Op, RuleStatus, Vendor};

#[derive(Debug, Deserialize)]
struct File {
    rule: Option<Rule>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    maturity: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Rule {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rule_id: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    index: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    threat: Vec<Threat>,
}

#[derive(Debug, Deserialize)]
struct Threat {
    #[serde(default)]
    technique: Vec<Technique>,
}

#[derive(Debug, Deserialize)]
struct Technique {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subtechnique: Vec<Sub>,
}

#[derive(Debug, Deserialize)]
struct Sub {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

/// Reads one detection-rules TOML file.
pub fn load_elastic(path: &str, text: &str, tax: &Taxonomy) -> Result<CatalogRule, LoadError> {
    let file: File =
        toml::from_str(text).map_err(|e| LoadError::new(path, format!("invalid TOML: {e}")))?;
    let rule = file
        .rule
        .ok_or_else(|| LoadError::new(path, "no [rule] table"))?;
    let mut out = CatalogRule::new(Vendor::Elastic, path.to_owned());
    out.id = rule.rule_id.clone();
    out.title = rule.name.clone();
    out.deprecated = file
        .metadata
        .as_ref()
        .and_then(|m| m.maturity.as_deref())
        .is_some_and(|m| m.eq_ignore_ascii_case("deprecated"));
    for t in &rule.threat {
        for tech in &t.technique {
            push_unique(&mut out.techniques, tech.id.to_ascii_uppercase());
            name_technique(&mut out, &tech.id, &tech.name);
            for s in &tech.subtechnique {
                push_unique(&mut out.techniques, s.id.to_ascii_uppercase());
                name_technique(&mut out, &s.id, &s.name);
            }
        }
    }
    let language = rule.language.as_deref().unwrap_or("");
    let query = rule.query.as_deref().unwrap_or("");
    let mut categories = Vec::new();
    let expr = match (rule.kind.as_str(), language) {
        ("machine_learning", _) => {
            out.status = RuleStatus::NotParsed("machine learning job: no query".into());
            None
        }
        ("esql", _) | (_, "esql") => {
            out.status = RuleStatus::NotParsed("ES|QL queries are not parsed".into());
            None
        }
        (_, "eql") => {
            let q = eql::parse_eql(query);
            categories = q.categories;
            out.join_keys = q.join_keys;
            Some(q.expr)
        }
        (_, "kuery") => Some(kql::parse_kql(query)),
        (kind, lang) => {
            let what = if lang.is_empty() {
                format!("rule type `{kind}`")
            } else {
                format!("query language `{lang}`")
            };
            out.status = RuleStatus::NotParsed(format!("{what} is not parsed"));
            None
        }
    };
    if let Some(expr) = &expr {
        add_query(&mut out, expr, tax, Scope::Ecs);
    }
    if expr.is_none() && !query.trim().is_empty() {
        out.unparsed.push(crate::model::Unparsed {
            fragment: query.trim().to_owned(),
            reason: match &out.status {
                RuleStatus::NotParsed(r) => r.clone(),
                RuleStatus::Parsed => String::new(),
            },
        });
    }
    infer_events(&mut out, &rule, categories, tax);
    Ok(out)
}

fn name_technique(out: &mut CatalogRule, id: &str, name: &Option<String>) {
    if let Some(n) = name.as_deref().filter(|n| !n.is_empty()) {
        out.technique_names
            .entry(id.to_ascii_uppercase())
            .or_insert_with(|| n.to_owned());
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The operating system from `host.os.type` (or the legacy
/// `event.module`/tags), and the event categories from the query.
fn infer_events(out: &mut CatalogRule, rule: &Rule, mut categories: Vec<String>, tax: &Taxonomy) {
    let mut os: Option<String> = None;
    for p in &out.predicates {
        if p.negated {
            continue;
        }
        let v = p.value.to_ascii_lowercase();
        match p.original.as_str() {
            "host.os.type" | "host.os.family" if p.op == Op::Eq => os = Some(v),
            "event.category" if p.op == Op::Eq && !categories.contains(&v) => categories.push(v),
            _ => {}
        }
    }
    if os.is_none() {
        os = rule
            .tags
            .iter()
            .find_map(|t| t.strip_prefix("OS: ").map(|o| o.to_ascii_lowercase()));
    }
    let mut parts = Vec::new();
    if !categories.is_empty() {
        parts.push(format!("category: {}", categories.join(", ")));
    }
    if let Some(os) = &os {
        parts.push(format!("os: {os}"));
    }
    if !rule.index.is_empty() {
        parts.push(format!("index: {}", rule.index.join(", ")));
    }
    out.logsource = parts.join("; ");
    for cat in &categories {
        if let Some(sigma_cat) = ecs_category(cat) {
            add_events(
                &mut out.events,
                events_for(tax, os.as_deref(), Some(sigma_cat), None),
            );
        }
    }
}

#[cfg(test)]
mod tests;
