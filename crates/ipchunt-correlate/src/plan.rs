//! Turning a parsed correlation rule into what the engine runs: resolved
//! fields per referenced rule, the window length and the condition.

use rsigma_parser::CorrelationRule;
use rsigma_parser::ast::{ConditionOperator, CorrelationCondition, CorrelationType, WindowMode};

use ipchunt_core::Taxonomy;

use crate::RuleRef;
use crate::boolean::Expr;
use crate::condition::Condition;
use crate::error::CorrelationErrorKind;
use crate::input::FieldSrc;

/// What a correlation measures in each group's window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    EventCount,
    ValueCount,
    Sum,
    Avg,
    /// The percentile (0..=100) of the field's numeric values.
    Percentile(f64),
    Temporal,
    Ordered,
}

/// How a group's windows are laid out in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// Sigma's default: trailing windows of one timespan.
    Sliding,
    /// Back-to-back windows of one timespan, aligned on the Unix epoch.
    Tumbling,
    /// Windows that last while inputs come at most this many nanoseconds
    /// apart, and at most one timespan in all.
    Session(i128),
}

/// A correlation rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub kind: Kind,
    /// The window length in nanoseconds.
    pub span: i128,
    pub cond: Condition,
    /// A boolean condition over the rules seen (temporal only), used
    /// instead of `cond`.
    pub boolean: Option<Expr>,
    pub window: Window,
    /// Judge each window once it is complete rather than at each event.
    pub complete_window: bool,
    /// The referenced rules, in the order written (the "slots").
    pub refs: Vec<RuleRef>,
    pub group_names: Vec<String>,
    /// Per slot, where each `group-by` entry is read.
    pub group_src: Vec<Vec<FieldSrc>>,
    /// Per slot, where each condition `field` is read.
    pub value_src: Vec<Vec<FieldSrc>>,
    pub generate: bool,
}

/// Everything compilation needs besides the rule itself.
pub(crate) struct Context<'a> {
    pub rules: &'a [CorrelationRule],
    pub resolve: &'a dyn Fn(&str) -> Option<RuleRef>,
    pub tax: &'a Taxonomy,
}

pub(crate) fn compile(
    rule: &CorrelationRule,
    refs: Vec<RuleRef>,
    cx: &Context<'_>,
) -> Result<Plan, CorrelationErrorKind> {
    let span = i128::from(rule.timespan.seconds) * 1_000_000_000;
    let window = match (rule.window, &rule.gap) {
        (WindowMode::Sliding, _) => Window::Sliding,
        (WindowMode::Tumbling, _) if span > 0 => Window::Tumbling,
        (WindowMode::Session, Some(gap)) if span > 0 => {
            Window::Session(i128::from(gap.seconds) * 1_000_000_000)
        }
        (mode, _) => {
            return Err(CorrelationErrorKind::WindowMode(mode.as_str().to_owned()));
        }
    };
    let n = refs.len() as u64;
    let default = [(ConditionOperator::Gte, 1)];
    let (preds, field, percentile, boolean) = match &rule.condition {
        CorrelationCondition::Extended(expr) => {
            let problem = |p: String| CorrelationErrorKind::BooleanCondition {
                condition: expr.to_string(),
                problem: p,
            };
            if rule.correlation_type != CorrelationType::Temporal {
                return Err(problem(format!(
                    "only temporal correlations take one, not {}",
                    rule.correlation_type.as_str()
                )));
            }
            let same = |id: &str, slot: usize| names_slot(rule, slot, refs[slot], id, cx);
            let b = Expr::compile(expr, &rule.rules, &same).map_err(problem)?;
            (&default[..], &[][..], None, Some(b))
        }
        CorrelationCondition::Threshold {
            predicates,
            field,
            percentile,
        } => (
            predicates.as_slice(),
            field.as_deref().unwrap_or(&[]),
            *percentile,
            None,
        ),
    };
    let type_name = rule.correlation_type.as_str();
    let kind = match rule.correlation_type {
        CorrelationType::EventCount => Kind::EventCount,
        CorrelationType::ValueCount => Kind::ValueCount,
        CorrelationType::ValueSum => Kind::Sum,
        CorrelationType::ValueAvg => Kind::Avg,
        CorrelationType::ValueMedian => Kind::Percentile(50.0),
        CorrelationType::ValuePercentile => {
            let p = percentile.unwrap_or(50);
            if p > 100 {
                return Err(CorrelationErrorKind::Percentile(p));
            }
            Kind::Percentile(p as f64)
        }
        CorrelationType::Temporal => Kind::Temporal,
        CorrelationType::TemporalOrdered => Kind::Ordered,
    };
    let needs_field = !matches!(kind, Kind::EventCount | Kind::Temporal | Kind::Ordered);
    if needs_field && field.is_empty() {
        return Err(CorrelationErrorKind::MissingField(type_name));
    }
    let cond = match kind {
        Kind::Temporal if Condition::is_temporal_default(preds) => {
            Condition::new(&[(ConditionOperator::Gte, n)])
        }
        Kind::Ordered => {
            if !Condition::is_temporal_default(preds) && !Condition::means_all(preds, n) {
                return Err(CorrelationErrorKind::OrderedCondition(
                    Condition::new(preds).to_string(),
                ));
            }
            Condition::new(&[(ConditionOperator::Gte, n)])
        }
        _ => Condition::new(preds),
    };
    check_aliases(rule, &refs, cx)?;
    let field_list: &[String] = if needs_field { field } else { &[] };
    let mut group_src = Vec::with_capacity(refs.len());
    let mut value_src = Vec::with_capacity(refs.len());
    for (slot, r) in refs.iter().enumerate() {
        let srcs = |names: &[String]| -> Vec<FieldSrc> {
            names
                .iter()
                .map(|name| field_src(&slot_field(rule, slot, *r, name, cx), *r, cx))
                .collect()
        };
        group_src.push(srcs(&rule.group_by));
        value_src.push(srcs(field_list));
    }
    Ok(Plan {
        kind,
        span,
        window,
        complete_window: window != Window::Sliding
            || cond.needs_complete_window()
            || boolean.as_ref().is_some_and(Expr::has_not),
        boolean,
        cond,
        refs,
        group_names: rule.group_by.clone(),
        group_src,
        value_src,
        generate: rule.generate,
    })
}

/// Whether `key` (as written in an alias mapping) names the rule in `slot`.
fn names_slot(rule: &CorrelationRule, slot: usize, r: RuleRef, key: &str, cx: &Context) -> bool {
    rule.rules.get(slot).is_some_and(|w| w == key) || (cx.resolve)(key) == Some(r)
}

/// Every alias mapping must name a rule the correlation refers to.
fn check_aliases(
    rule: &CorrelationRule,
    refs: &[RuleRef],
    cx: &Context<'_>,
) -> Result<(), CorrelationErrorKind> {
    for a in &rule.aliases {
        let mut keys: Vec<&String> = a.mapping.keys().collect();
        keys.sort();
        for key in keys {
            let known = refs
                .iter()
                .enumerate()
                .any(|(slot, r)| names_slot(rule, slot, *r, key, cx));
            if !known {
                return Err(CorrelationErrorKind::AliasRule {
                    alias: a.alias.clone(),
                    rule: key.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The field name to read for `name` in events of the rule in `slot`: the
/// alias mapping's field when `name` is an alias that maps that rule, else
/// `name` itself.
fn slot_field(rule: &CorrelationRule, slot: usize, r: RuleRef, name: &str, cx: &Context) -> String {
    let Some(alias) = rule.aliases.iter().find(|a| a.alias == name) else {
        return name.to_owned();
    };
    let mut keys: Vec<(&String, &String)> = alias.mapping.iter().collect();
    keys.sort();
    keys.into_iter()
        .find(|(key, _)| names_slot(rule, slot, r, key, cx))
        .map(|(_, field)| field.clone())
        .unwrap_or_else(|| name.to_owned())
}

fn field_src(name: &str, r: RuleRef, cx: &Context<'_>) -> FieldSrc {
    let key = cx.tax.resolve(name);
    if let RuleRef::Correlation(c) = r
        && let Some(child) = cx.rules.get(c)
        && let Some(i) = child
            .group_by
            .iter()
            .position(|g| g == name || cx.tax.resolve(g) == key)
    {
        return FieldSrc::ChildGroup(i, key);
    }
    FieldSrc::Event(key)
}
