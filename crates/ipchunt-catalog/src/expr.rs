//! A boolean tree of predicates that the query parsers build, and its
//! flattening into [`Predicate`]s with negation and exclusion marked.

use crate::model::{Op, Predicate, Unparsed};

/// A field comparison before the field is mapped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPred {
    pub field: String,
    pub op: Op,
    pub value: String,
    /// The comparison itself is negative (`!=`, `not in`).
    pub negated: bool,
    pub modifiers: Vec<String>,
}

impl RawPred {
    pub fn new(field: &str, op: Op, value: impl Into<String>) -> Self {
        RawPred {
            field: field.to_owned(),
            op,
            value: value.into(),
            negated: false,
            modifiers: Vec::new(),
        }
    }

    pub fn negate(mut self, yes: bool) -> Self {
        self.negated ^= yes;
        self
    }
}

/// A parsed boolean query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Pred(RawPred),
    Unparsed(Unparsed),
}

impl Expr {
    pub fn unparsed(fragment: &str, reason: impl Into<String>) -> Expr {
        Expr::Unparsed(Unparsed {
            fragment: fragment.trim().to_owned(),
            reason: reason.into(),
        })
    }

    /// Joins terms with AND, without a needless wrapper for one term.
    pub fn and(mut terms: Vec<Expr>) -> Expr {
        if terms.len() == 1 {
            terms.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::And(terms)
        }
    }

    pub fn or(mut terms: Vec<Expr>) -> Expr {
        if terms.len() == 1 {
            terms.pop().unwrap_or(Expr::Or(Vec::new()))
        } else {
            Expr::Or(terms)
        }
    }
}

/// Maps a field as a rule writes it to (canonical name, known to the taxonomy).
pub(crate) type FieldMap<'a> = &'a dyn Fn(&str) -> (String, bool);

/// Flattens `expr` into predicates and unparsed fragments.
///
/// A predicate is negated under an odd number of negations; it is a
/// top-level exclusion when it is negated and the negation is a conjunct of
/// the whole query (`a and not b`, `a and x != 1`).
pub(crate) fn flatten(
    expr: &Expr,
    map: FieldMap<'_>,
    preds: &mut Vec<Predicate>,
    unparsed: &mut Vec<Unparsed>,
) {
    walk(expr, map, false, true, false, preds, unparsed);
}

fn walk(
    expr: &Expr,
    map: FieldMap<'_>,
    neg: bool,
    top: bool,
    excl: bool,
    preds: &mut Vec<Predicate>,
    unparsed: &mut Vec<Unparsed>,
) {
    match expr {
        Expr::And(items) => {
            for e in items {
                walk(e, map, neg, top, excl, preds, unparsed);
            }
        }
        Expr::Or(items) => {
            // One branch of an OR is not a conjunct of the whole query,
            // unless the OR has a single branch or only lists values of
            // one field.
            let top = top && (items.len() == 1 || single_field(expr).is_some());
            for e in items {
                walk(e, map, neg, top, excl, preds, unparsed);
            }
        }
        Expr::Not(inner) => walk(inner, map, !neg, false, excl || top, preds, unparsed),
        Expr::Pred(p) => {
            let (field, known) = map(&p.field);
            let negated = neg ^ p.negated;
            preds.push(Predicate {
                field,
                original: p.field.clone(),
                known,
                op: p.op,
                value: p.value.clone(),
                negated,
                top_level_exclusion: negated && (excl || top),
                required: !negated && top && !p.field.is_empty(),
                modifiers: p.modifiers.clone(),
            });
        }
        Expr::Unparsed(u) => unparsed.push(u.clone()),
    }
}

/// The one field every comparison of `expr` is on, when there is one and
/// no negation or unread fragment is involved (`f:(a or (b and c))`).
fn single_field(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Pred(p) => Some(p.field.as_str()),
        Expr::And(items) | Expr::Or(items) => {
            let mut fields = items.iter().map(single_field);
            let first = fields.next()??;
            fields.all(|f| f == Some(first)).then_some(first)
        }
        Expr::Not(_) | Expr::Unparsed(_) => None,
    }
}

/// The comparison a glob-capable equality means: `eq` for a plain value,
/// `wildcard` when it holds `*` or `?`.
pub(crate) fn eq_or_wildcard(value: &str) -> Op {
    if value.contains(['*', '?']) {
        Op::Wildcard
    } else {
        Op::Eq
    }
}

/// Flattens with field names kept as written, for tests.
#[cfg(test)]
pub(crate) fn flat(e: &Expr) -> (Vec<Predicate>, Vec<Unparsed>) {
    let (mut p, mut u) = (Vec::new(), Vec::new());
    let id = |f: &str| (f.to_owned(), true);
    flatten(e, &id, &mut p, &mut u);
    (p, u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_are_negated_top_level_conjuncts() {
        let p = |f: &str| Expr::Pred(RawPred::new(f, Op::Eq, "v"));
        let e = Expr::And(vec![
            p("a"),
            Expr::Not(Box::new(Expr::Or(vec![p("b"), p("c")]))),
            Expr::Or(vec![p("d"), Expr::Not(Box::new(p("e")))]),
            Expr::Pred(RawPred::new("f", Op::Eq, "v").negate(true)),
            Expr::Not(Box::new(Expr::Not(Box::new(p("g"))))),
        ]);
        let (preds, _) = flat(&e);
        let got: Vec<(&str, bool, bool)> = preds
            .iter()
            .map(|p| (p.field.as_str(), p.negated, p.top_level_exclusion))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", false, false),
                ("b", true, true),
                ("c", true, true),
                ("d", false, false),
                ("e", true, false),
                ("f", true, true),
                ("g", false, false),
            ]
        );
    }

    #[test]
    fn required_fields_follow_the_conjunction_chain() {
        let p = |f: &str, v: &str| Expr::Pred(RawPred::new(f, Op::Eq, v));
        let e = Expr::And(vec![
            // One field in every branch: still needed by every match.
            Expr::Or(vec![p("a", "1"), Expr::And(vec![p("a", "2"), p("a", "3")])]),
            // Two fields: either may be absent.
            Expr::Or(vec![p("b", "1"), p("c", "1")]),
            Expr::Not(Box::new(p("d", "1"))),
        ]);
        let (preds, _) = flat(&e);
        let req: Vec<(&str, bool)> = preds
            .iter()
            .map(|p| (p.field.as_str(), p.required))
            .collect();
        assert_eq!(
            req,
            vec![
                ("a", true),
                ("a", true),
                ("a", true),
                ("b", false),
                ("c", false),
                ("d", false)
            ]
        );
    }
}
