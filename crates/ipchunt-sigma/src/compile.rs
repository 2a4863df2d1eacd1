//! A parsed rule's detection section, compiled into detections over
//! predicates and a condition over detections.

use std::sync::Arc;

use ipchunt_core::{RuleInfo, SourceSpec, Taxonomy};
use rsigma_parser::{Detection, DetectionItem, Detections, LogSource, SigmaValue};

use crate::condition::{self, Cond, Det, Item};
use crate::modifiers::field::Placeholders;
use crate::modifiers::{Mods, Refusal, compile_value};
use crate::pred::{Field, Pos, Pred, PredId, Target, Test};

/// A detection rule, compiled.
#[derive(Debug)]
pub(crate) struct CRule {
    pub info: Arc<RuleInfo>,
    pub logsource: LogSource,
    pub dets: Vec<Det>,
    pub cond: Cond,
    /// The sources (from the taxonomy) the rule runs on.
    pub sources: Vec<SourceSpec>,
}

/// Adds predicates to the engine's table.
pub(crate) struct PredTable<'a> {
    pub preds: &'a mut Vec<Pred>,
    pub ph: &'a Placeholders<'a>,
}

impl PredTable<'_> {
    fn push(&mut self, target: Target, test: Test) -> PredId {
        self.preds.push(Pred { target, test });
        (self.preds.len() - 1) as PredId
    }

    /// Compiles a detection section: the detections (in name order) and the
    /// condition (several conditions are OR-linked). Predicates are added
    /// to the table only when the whole section compiles.
    pub(crate) fn detections(&mut self, d: &Detections) -> Result<(Vec<Det>, Cond), Refusal> {
        let mark = self.preds.len();
        let r = self.detections_inner(d);
        if r.is_err() {
            self.preds.truncate(mark);
        }
        r
    }

    fn detections_inner(&mut self, d: &Detections) -> Result<(Vec<Det>, Cond), Refusal> {
        if d.timeframe.is_some() {
            return Err(Refusal::new(
                "deprecated timeframe aggregation",
                "use a correlation rule instead of detection.timeframe",
            ));
        }
        let mut names: Vec<&String> = d.named.keys().collect();
        names.sort();
        let mut dets = Vec::with_capacity(names.len());
        for n in &names {
            dets.push(self.detection(&d.named[*n])?);
        }
        let names: Vec<String> = names.into_iter().cloned().collect();
        let conds: Vec<Cond> = d
            .conditions
            .iter()
            .map(|c| condition::compile(c, &names))
            .collect::<Result<_, _>>()?;
        let cond = match conds.len() {
            0 => return Err(Refusal::new("missing condition", "no condition given")),
            1 => conds.into_iter().next().unwrap_or(Cond::Or(Vec::new())),
            _ => Cond::Or(conds),
        };
        Ok((dets, cond))
    }

    fn detection(&mut self, d: &Detection) -> Result<Det, Refusal> {
        match d {
            Detection::AllOf(items) => Ok(Det::All(
                items
                    .iter()
                    .map(|i| self.item(i))
                    .collect::<Result<_, _>>()?,
            )),
            Detection::AnyOf(ds) => Ok(Det::Any(
                ds.iter()
                    .map(|x| self.detection(x))
                    .collect::<Result<_, _>>()?,
            )),
            Detection::Keywords(values) => {
                let mut groups = Vec::with_capacity(values.len());
                for v in values {
                    groups.push(self.keyword(v)?);
                }
                Ok(Det::All(vec![Item {
                    values: groups,
                    all: false,
                    neq: None,
                    span: None,
                }]))
            }
            Detection::ArrayMatch { .. } | Detection::And(_) | Detection::Conditional { .. } => {
                Err(Refusal::new(
                    "unsupported array matching",
                    "array quantifier blocks (field[any]/field[all]) are not supported",
                ))
            }
        }
    }

    /// A keyword: found anywhere in any string value of the event.
    fn keyword(&mut self, v: &SigmaValue) -> Result<Vec<PredId>, Refusal> {
        let mods = Mods {
            pos: Some(Pos::Contains),
            ..Mods::default()
        };
        let tests = compile_value(v, &mods, self.ph)?;
        Ok(tests
            .into_iter()
            .map(|t| self.push(Target::Keywords, t))
            .collect())
    }

    fn item(&mut self, item: &DetectionItem) -> Result<Item, Refusal> {
        let mods = Mods::read(&item.field.modifiers)?;
        let target = match &item.field.name {
            Some(n) => Target::Field(Field::resolve(self.ph.tax, &unescape_field(n))),
            None => Target::Keywords,
        };
        if mods.all && item.values.len() < 2 {
            return Err(Refusal::new(
                "all modifier on a single value",
                "the specification forbids 'all' with one value",
            ));
        }
        let mut values = Vec::with_capacity(item.values.len());
        for v in &item.values {
            let tests = if matches!(target, Target::Keywords) && !mods.exists {
                let m = Mods {
                    pos: mods.pos.or(Some(Pos::Contains)),
                    ..mods.clone()
                };
                compile_value(v, &m, self.ph)?
            } else {
                compile_value(v, &mods, self.ph)?
            };
            values.push(
                tests
                    .into_iter()
                    .map(|t| self.push(target.clone(), t))
                    .collect(),
            );
        }
        if values.is_empty() {
            // `field: []` never matches.
            values.push(vec![self.push(target.clone(), Test::Never)]);
        }
        let neq = mods
            .neq
            .then(|| self.push(target.clone(), Test::Exists(true)));
        Ok(Item {
            values,
            all: mods.all,
            neq,
            span: None,
        })
    }
}

/// Field names below the array-matching spec version arrive with brackets
/// escaped; ipchunt's fields carry them literally.
fn unescape_field(n: &str) -> String {
    if n.contains('\\') {
        n.replace("\\[", "[").replace("\\]", "]")
    } else {
        n.to_owned()
    }
}

/// Wraps a condition so that it holds only when `filter` does not.
pub(crate) fn exclude(cond: Cond, filter: Cond) -> Cond {
    Cond::And(vec![cond, Cond::Not(Box::new(filter))])
}

/// Re-bases a filter's condition onto detections appended after `offset`.
pub(crate) fn shift(c: &Cond, offset: u32) -> Cond {
    match c {
        Cond::And(xs) => Cond::And(xs.iter().map(|x| shift(x, offset)).collect()),
        Cond::Or(xs) => Cond::Or(xs.iter().map(|x| shift(x, offset)).collect()),
        Cond::Not(x) => Cond::Not(Box::new(shift(x, offset))),
        Cond::Det(i) => Cond::Det(i + offset),
        Cond::Count(n, ds) => Cond::Count(*n, ds.iter().map(|d| d + offset).collect()),
    }
}

/// The sources a rule's logsource maps to.
pub(crate) fn sources_of(tax: &Taxonomy, ls: &LogSource) -> Vec<SourceSpec> {
    tax.sources_for(
        ls.product.as_deref(),
        ls.category.as_deref(),
        ls.service.as_deref(),
    )
    .into_iter()
    .cloned()
    .collect()
}
