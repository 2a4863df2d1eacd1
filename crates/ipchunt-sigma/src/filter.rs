//! Sigma 2.x filter rules (applied to the rules they name, on a matching
//! logsource) and correlation rules (checked, then handed over).

use std::sync::Arc;

use rsigma_parser::{FilterRuleTarget, LogSource};

use crate::compile::{PredTable, exclude, shift};
use crate::modifiers::Refusal;
use crate::modifiers::field::Placeholders;
use crate::ruleset::{RuleSet, reject};
use crate::{LoadedCorrelation, info};

/// Whether a filter's logsource covers a rule's: each attribute the filter
/// sets, the rule sets alike.
fn logsource_covers(filter: &LogSource, rule: &LogSource) -> bool {
    let agree = |f: &Option<String>, r: &Option<String>| match f {
        None => true,
        Some(f) => r.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(f)),
    };
    agree(&filter.product, &rule.product)
        && agree(&filter.category, &rule.category)
        && agree(&filter.service, &rule.service)
}

fn names_rule(target: &str, info: &ipchunt_core::RuleInfo) -> bool {
    info.id == target || info.name.as_deref() == Some(target) || info.title == target
}

pub(crate) fn apply_filters(rs: &mut RuleSet) {
    let filters = std::mem::take(&mut rs.filters);
    let placeholders = rs.placeholders().clone();
    for (f, file, builtin) in filters {
        let finfo = info::filter(&f, &file, builtin);
        let label = Some(finfo.id.clone());
        let ls = f.logsource.clone().unwrap_or_default();
        let targets: Vec<usize> = (0..rs.rules.len())
            .filter(|i| {
                let r = &rs.rules[*i];
                let named = match &f.rules {
                    FilterRuleTarget::Any => true,
                    FilterRuleTarget::Specific(ts) => ts.iter().any(|t| names_rule(t, &r.info)),
                };
                named && logsource_covers(&ls, &r.logsource)
            })
            .collect();
        if let FilterRuleTarget::Specific(ts) = &f.rules {
            let unknown: Vec<&String> = ts
                .iter()
                .filter(|t| !rs.rules.iter().any(|r| names_rule(t, &r.info)))
                .collect();
            if !unknown.is_empty() {
                rs.warnings.push(reject(
                    &file,
                    label.clone(),
                    Refusal::new(
                        "filter names a rule that is not loaded",
                        format!("{unknown:?}"),
                    ),
                ));
            }
        }
        for t in targets {
            let ph = Placeholders {
                values: &placeholders,
                tax: &rs.tax,
                missing: Default::default(),
            };
            let mut table = PredTable {
                preds: &mut rs.preds,
                ph: &ph,
            };
            match table.detections(&f.detection) {
                Ok((dets, cond)) => {
                    rs.pred_rule.resize(rs.preds.len(), t as u32);
                    let rule = &mut rs.rules[t];
                    let offset = rule.dets.len() as u32;
                    rule.dets.extend(dets);
                    let base =
                        std::mem::replace(&mut rule.cond, crate::condition::Cond::Or(vec![]));
                    rule.cond = exclude(base, shift(&cond, offset));
                }
                Err(e) => {
                    rs.rejections.push(reject(&file, label.clone(), e));
                    break;
                }
            }
        }
    }
}

/// Checks every correlation's references (detection rules or other
/// correlations, by id or name); returns the usable ones and, per
/// detection rule, whether it serves only correlations.
pub(crate) fn resolve_correlations(rs: &mut RuleSet) -> (Vec<LoadedCorrelation>, Vec<bool>) {
    let corrs = std::mem::take(&mut rs.correlations);
    let known_corr = |t: &str| {
        corrs
            .iter()
            .any(|(c, _, _)| c.id.as_deref() == Some(t) || c.name.as_deref() == Some(t))
    };
    let mut referenced = vec![false; rs.rules.len()];
    let mut generated = vec![false; rs.rules.len()];
    let mut out = Vec::new();
    for (c, file, builtin) in &corrs {
        let cinfo = info::correlation(c, file, builtin.to_owned());
        let mut unknown = Vec::new();
        let mut hits = Vec::new();
        for t in &c.rules {
            let found: Vec<usize> = (0..rs.rules.len())
                .filter(|i| {
                    let r = &rs.rules[*i].info;
                    r.id == *t || r.name.as_deref() == Some(t.as_str())
                })
                .collect();
            if found.is_empty() && !known_corr(t) {
                unknown.push(t.clone());
            }
            hits.extend(found);
        }
        if !unknown.is_empty() {
            rs.rejections.push(reject(
                file,
                Some(cinfo.id.clone()),
                Refusal::new(
                    "correlation refers to an unknown rule",
                    format!("not loaded: {}", unknown.join(", ")),
                ),
            ));
            continue;
        }
        for h in hits {
            referenced[h] = true;
            generated[h] |= c.generate;
        }
        out.push(LoadedCorrelation {
            info: Arc::new(cinfo),
            rule: c.clone(),
        });
    }
    let only = referenced
        .iter()
        .zip(&generated)
        .map(|(r, g)| *r && !*g)
        .collect();
    (out, only)
}
