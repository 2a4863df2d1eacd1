//! Sigma YAML, read by the same parser as the engine (`rsigma-parser`).
//! The condition is walked so that selections under a top-level `not` are
//! marked as exclusions.

use std::collections::HashMap;

use ipchunt_core::Taxonomy;
use rsigma_parser::{
    ConditionExpr, Detection, DetectionItem, Modifier, Quantifier, SigmaRule, SigmaValue, Status,
    parse_sigma_yaml,
};

use crate::LoadError;
use crate::expr::{Expr, RawPred};
use crate::fields::{Scope, add_query, events_for};
use crate::model::{CatalogRule, Op, Vendor};

/// Reads the detection rules of one Sigma file (a file may hold several
/// documents). Correlation and filter documents hold no predicates of
/// their own and are not returned; documents the parser rejects are.
pub fn load_sigma(path: &str, text: &str, tax: &Taxonomy) -> (Vec<CatalogRule>, Vec<LoadError>) {
    let coll = match parse_sigma_yaml(text) {
        Ok(c) => c,
        Err(e) => return (Vec::new(), vec![LoadError::new(path, e.to_string())]),
    };
    let errors = coll
        .errors
        .iter()
        .map(|e| LoadError::new(path, e.clone()))
        .collect();
    let rules = coll.rules.iter().map(|r| convert(path, r, tax)).collect();
    (rules, errors)
}

fn convert(path: &str, r: &SigmaRule, tax: &Taxonomy) -> CatalogRule {
    let mut out = CatalogRule::new(Vendor::Sigma, path.to_owned());
    out.id = r.id.clone().unwrap_or_default();
    out.title = r.title.clone();
    out.deprecated = r.status == Some(Status::Deprecated);
    out.techniques = r.tags.iter().filter_map(|t| technique_tag(t)).collect();
    let ls = &r.logsource;
    out.logsource = [
        ("product", &ls.product),
        ("category", &ls.category),
        ("service", &ls.service),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
    .collect::<Vec<_>>()
    .join("; ");
    out.events = events_for(
        tax,
        ls.product.as_deref(),
        ls.category.as_deref(),
        ls.service.as_deref(),
    );
    let named = &r.detection.named;
    let conds: Vec<Expr> = r
        .detection
        .conditions
        .iter()
        .map(|c| condition(c, named))
        .collect();
    add_query(&mut out, &Expr::or(conds), tax, Scope::Sigma);
    out
}

/// `attack.t1559.001` -> `T1559.001`.
fn technique_tag(tag: &str) -> Option<String> {
    let t = tag.strip_prefix("attack.")?;
    let digits = t.strip_prefix('t').or_else(|| t.strip_prefix('T'))?;
    digits.chars().next().filter(char::is_ascii_digit)?;
    Some(t.to_ascii_uppercase())
}

fn condition(c: &ConditionExpr, named: &HashMap<String, Detection>) -> Expr {
    match c {
        ConditionExpr::And(v) => Expr::And(v.iter().map(|e| condition(e, named)).collect()),
        ConditionExpr::Or(v) => Expr::Or(v.iter().map(|e| condition(e, named)).collect()),
        ConditionExpr::Not(e) => Expr::Not(Box::new(condition(e, named))),
        ConditionExpr::Identifier(id) => match named.get(id) {
            Some(d) => detection(d),
            None => Expr::unparsed(id, "condition names a detection that does not exist"),
        },
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut names: Vec<&String> = named
                .keys()
                .filter(|n| pattern.matches_detection_name(n))
                .collect();
            names.sort();
            let parts: Vec<Expr> = names
                .iter()
                .filter_map(|n| named.get(*n))
                .map(detection)
                .collect();
            match quantifier {
                Quantifier::All => Expr::And(parts),
                // `1 of` and `N of` both need some of the selections.
                Quantifier::Any | Quantifier::Count(_) => Expr::Or(parts),
            }
        }
    }
}

fn detection(d: &Detection) -> Expr {
    match d {
        Detection::AllOf(items) => Expr::And(items.iter().map(item).collect()),
        Detection::AnyOf(ds) => Expr::Or(ds.iter().map(detection).collect()),
        Detection::And(ds) => Expr::And(ds.iter().map(detection).collect()),
        Detection::Keywords(vals) => Expr::Or(
            vals.iter()
                .map(|v| Expr::Pred(RawPred::new("", Op::Keyword, value_text(v))))
                .collect(),
        ),
        Detection::ArrayMatch { field, .. } => {
            Expr::unparsed(field, "array object-scope block is not read")
        }
        Detection::Conditional { .. } => {
            Expr::unparsed("conditional block", "element-scoped condition is not read")
        }
    }
}

fn value_text(v: &SigmaValue) -> String {
    match v {
        SigmaValue::String(s) => s.original.clone(),
        SigmaValue::Integer(i) => i.to_string(),
        SigmaValue::Float(f) => f.to_string(),
        SigmaValue::Bool(b) => b.to_string(),
        SigmaValue::Null => String::new(),
    }
}

fn item(it: &DetectionItem) -> Expr {
    let field = it.field.name.clone().unwrap_or_default();
    let mut op: Option<Op> = None;
    let mut negated = false;
    let mut mods = Vec::new();
    for m in &it.field.modifiers {
        let this = match m {
            Modifier::Contains => Op::Contains,
            Modifier::StartsWith => Op::StartsWith,
            Modifier::EndsWith => Op::EndsWith,
            Modifier::Re => Op::RegexMatch,
            Modifier::Cidr => Op::Cidr,
            Modifier::Exists => Op::Exists,
            Modifier::FieldRef => Op::FieldRef,
            Modifier::Gt => Op::Gt,
            Modifier::Gte => Op::Gte,
            Modifier::Lt => Op::Lt,
            Modifier::Lte => Op::Lte,
            Modifier::Neq => {
                negated = true;
                continue;
            }
            other => {
                mods.push(format!("{other:?}").to_ascii_lowercase());
                continue;
            }
        };
        op = Some(this);
    }
    let all = it.field.has_modifier(Modifier::All);
    let keyword = it.field.name.is_none();
    let preds: Vec<Expr> = it
        .values
        .iter()
        .map(|v| {
            let text = value_text(v);
            let (op, neg) = match (op, v) {
                (Some(Op::Exists), SigmaValue::Bool(b)) => (Op::Exists, !b),
                (Some(o), _) => (o, false),
                (None, SigmaValue::Null) => (Op::Exists, true),
                (None, SigmaValue::String(s)) if s.contains_wildcards() => (Op::Wildcard, false),
                (None, _) if keyword => (Op::Keyword, false),
                (None, _) => (Op::Eq, false),
            };
            let value = if op == Op::Exists {
                String::new()
            } else {
                text
            };
            let mut p = RawPred::new(&field, op, value).negate(negated ^ neg);
            p.modifiers = mods.clone();
            Expr::Pred(p)
        })
        .collect();
    if all {
        Expr::And(preds)
    } else {
        Expr::or(preds)
    }
}
