//! Conditions and detections, compiled: `and`/`or`/`not`, parentheses,
//! `1 of`/`all of`/`N of` over wildcard patterns and `them`.

use rsigma_parser::{ConditionExpr, Quantifier, SelectorPattern};

use crate::modifiers::Refusal;
use crate::pred::PredId;

/// One detection item: for each value the predicates it stands for (any
/// of them matching means the value matched); values OR-linked (AND with
/// `all`); negated as a whole with `neq` (then the field must be present).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub values: Vec<Vec<PredId>>,
    pub all: bool,
    /// `neq`: the field is present and no value matches; `presence` is the
    /// predicate telling whether the field is present.
    pub neq: Option<PredId>,
    /// When the item holds as soon as any of its predicates does and they
    /// are the scanned ids `lo..hi`: that range, tested as a bit range.
    pub span: Option<(PredId, PredId)>,
}

/// A named detection: a map of items (AND) or a list of detections (OR).
#[derive(Debug, Clone)]
pub(crate) enum Det {
    All(Vec<Item>),
    Any(Vec<Det>),
}

/// A condition over a rule's detections (by index).
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Det(u32),
    /// At least `n` of the detections hold (`n == 0`: all of them).
    Count(usize, Vec<u32>),
}

/// Whether a detection name matches a selector pattern (`*` wildcards).
fn name_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((b'?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// Compiles a parsed condition against the rule's detection names.
pub(crate) fn compile(expr: &ConditionExpr, names: &[String]) -> Result<Cond, Refusal> {
    Ok(match expr {
        ConditionExpr::And(xs) => Cond::And(
            xs.iter()
                .map(|x| compile(x, names))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Or(xs) => Cond::Or(
            xs.iter()
                .map(|x| compile(x, names))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Not(x) => Cond::Not(Box::new(compile(x, names)?)),
        ConditionExpr::Identifier(id) => match names.iter().position(|n| n == id) {
            Some(i) => Cond::Det(i as u32),
            None => {
                return Err(Refusal::new(
                    "condition names an undefined detection",
                    format!("'{id}' is not defined"),
                ));
            }
        },
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let dets: Vec<u32> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| match pattern {
                    SelectorPattern::Them => !n.starts_with('_'),
                    SelectorPattern::Pattern(p) => name_matches(p, n),
                })
                .map(|(i, _)| i as u32)
                .collect();
            if dets.is_empty() {
                return Err(Refusal::new(
                    "condition selector matches no detection",
                    format!("'{quantifier} of {pattern}' matches nothing"),
                ));
            }
            let n = match quantifier {
                Quantifier::Any => 1,
                Quantifier::All => 0,
                Quantifier::Count(n) => *n as usize,
            };
            Cond::Count(n, dets)
        }
    })
}

/// What condition evaluation asks of the engine.
pub(crate) trait Oracle {
    fn pred(&mut self, p: PredId) -> bool;

    /// Whether any predicate of `lo..hi` holds (all scanned, on one
    /// target).
    fn any_in(&mut self, lo: PredId, hi: PredId) -> bool {
        (lo..hi).any(|p| self.pred(p))
    }
}

impl Item {
    /// The item read as written (the reference for [`crate::flat`]).
    #[cfg(test)]
    pub(crate) fn eval(&self, o: &mut impl Oracle) -> bool {
        if let Some((lo, hi)) = self.span {
            return o.any_in(lo, hi);
        }
        let mut value = |v: &Vec<PredId>| v.iter().any(|p| o.pred(*p));
        if let Some(present) = self.neq {
            return !self.values.iter().any(&mut value) && o.pred(present);
        }
        if self.all {
            self.values.iter().all(value)
        } else {
            self.values.iter().any(value)
        }
    }

    /// Sets `span` when the item is an OR over a contiguous range of
    /// scanned predicates.
    fn set_span(&mut self, scanned: &[bool]) {
        if self.all || self.neq.is_some() {
            return;
        }
        let mut ids = self.values.iter().flatten();
        let Some(lo) = ids.next().copied() else {
            return;
        };
        let mut hi = lo + 1;
        for p in ids {
            if *p != hi {
                return;
            }
            hi += 1;
        }
        if (lo..hi).all(|p| scanned.get(p as usize).copied().unwrap_or(false)) {
            self.span = Some((lo, hi));
        }
    }
}

impl Det {
    #[cfg(test)]
    pub(crate) fn eval(&self, o: &mut impl Oracle) -> bool {
        match self {
            Det::All(items) => items.iter().all(|i| i.eval(o)),
            Det::Any(ds) => ds.iter().any(|d| d.eval(o)),
        }
    }

    /// See [`Item::set_span`].
    pub(crate) fn set_spans(&mut self, scanned: &[bool]) {
        match self {
            Det::All(items) => items.iter_mut().for_each(|i| i.set_span(scanned)),
            Det::Any(ds) => ds.iter_mut().for_each(|d| d.set_spans(scanned)),
        }
    }

    pub(crate) fn preds(&self, out: &mut Vec<PredId>) {
        match self {
            Det::All(items) => {
                for i in items {
                    i.values.iter().for_each(|v| out.extend(v));
                    out.extend(i.neq);
                }
            }
            Det::Any(ds) => ds.iter().for_each(|d| d.preds(out)),
        }
    }
}

#[cfg(test)]
fn det(dets: &[Det], i: u32, o: &mut impl Oracle) -> bool {
    dets.get(i as usize).is_some_and(|d| d.eval(o))
}

impl Cond {
    /// The condition read as written, tree walk and all (the reference
    /// for [`crate::flat`]).
    #[cfg(test)]
    pub(crate) fn eval(&self, dets: &[Det], o: &mut impl Oracle) -> bool {
        match self {
            Cond::And(xs) => xs.iter().all(|x| x.eval(dets, o)),
            Cond::Or(xs) => xs.iter().any(|x| x.eval(dets, o)),
            Cond::Not(x) => !x.eval(dets, o),
            Cond::Det(i) => det(dets, *i, o),
            Cond::Count(0, ds) => ds.iter().all(|i| det(dets, *i, o)),
            Cond::Count(n, ds) => {
                let mut hits = 0;
                for i in ds {
                    if det(dets, *i, o) {
                        hits += 1;
                        if hits >= *n {
                            return true;
                        }
                    }
                }
                false
            }
        }
    }

    /// The detections the condition uses outside any `not`.
    pub(crate) fn positive(&self, out: &mut Vec<u32>) {
        match self {
            Cond::And(xs) | Cond::Or(xs) => xs.iter().for_each(|x| x.positive(out)),
            Cond::Not(_) => {}
            Cond::Det(i) => out.push(*i),
            Cond::Count(_, ds) => out.extend(ds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn selector_patterns() {
        assert!(name_matches("selection_*", "selection_img"));
        assert!(name_matches("*", "x"));
        assert!(!name_matches("sel_*", "selection"));
        assert!(name_matches("sel?", "sel1"));
    }
}
