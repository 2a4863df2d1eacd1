//! Boolean conditions of temporal correlations (`condition: a and not b`),
//! an extension `rsigma-parser` reads: an expression over which of the
//! referenced rules were seen in the window.

use rsigma_parser::ast::{ConditionExpr, Quantifier, SelectorPattern};
use rsigma_parser::detection_name_matches;

/// A compiled boolean condition over the correlation's slots.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// At least `need` of these slots seen.
    Seen {
        slots: Vec<usize>,
        need: usize,
    },
}

impl Expr {
    /// Compiles `expr`, where names are matched against the rules as the
    /// correlation lists them (`names`), or through `same` (a name that
    /// resolves to the rule in that slot).
    pub(crate) fn compile(
        expr: &ConditionExpr,
        names: &[String],
        same: &dyn Fn(&str, usize) -> bool,
    ) -> Result<Expr, String> {
        Ok(match expr {
            ConditionExpr::And(xs) => Expr::And(Self::all(xs, names, same)?),
            ConditionExpr::Or(xs) => Expr::Or(Self::all(xs, names, same)?),
            ConditionExpr::Not(x) => Expr::Not(Box::new(Self::compile(x, names, same)?)),
            ConditionExpr::Identifier(id) => {
                let slots: Vec<usize> = (0..names.len()).filter(|&s| same(id, s)).collect();
                if slots.is_empty() {
                    return Err(format!("{id:?} is not one of the correlation's rules"));
                }
                Expr::Seen { slots, need: 1 }
            }
            ConditionExpr::Selector {
                quantifier,
                pattern,
            } => {
                let slots: Vec<usize> = (0..names.len())
                    .filter(|&s| match pattern {
                        SelectorPattern::Them => true,
                        SelectorPattern::Pattern(p) => detection_name_matches(p, &names[s]),
                    })
                    .collect();
                if slots.is_empty() {
                    return Err(format!("{pattern} matches none of the correlation's rules"));
                }
                let need = match quantifier {
                    Quantifier::Any => 1,
                    Quantifier::All => slots.len(),
                    Quantifier::Count(n) => usize::try_from(*n).unwrap_or(usize::MAX),
                };
                Expr::Seen { slots, need }
            }
        })
    }

    fn all(
        xs: &[ConditionExpr],
        names: &[String],
        same: &dyn Fn(&str, usize) -> bool,
    ) -> Result<Vec<Expr>, String> {
        xs.iter().map(|x| Self::compile(x, names, same)).collect()
    }

    pub(crate) fn eval(&self, seen: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::And(xs) => xs.iter().all(|x| x.eval(seen)),
            Expr::Or(xs) => xs.iter().any(|x| x.eval(seen)),
            Expr::Not(x) => !x.eval(seen),
            Expr::Seen { slots, need } => slots.iter().filter(|s| seen(**s)).count() >= *need,
        }
    }

    /// Whether the expression asks for a rule's absence, which only a
    /// complete window can show.
    pub(crate) fn has_not(&self) -> bool {
        match self {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().any(Expr::has_not),
            Expr::Not(_) => true,
            Expr::Seen { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(cond: &str) -> Result<Expr, String> {
        let names: Vec<String> = ["recon_a", "recon_b", "cleanup"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let expr = rsigma_parser::parse_condition(cond).expect("condition parses");
        Expr::compile(&expr, &names, &|id, s| names[s] == id)
    }

    #[test]
    fn expressions_over_seen_rules() {
        let e = compile("recon_a and not cleanup").unwrap();
        assert!(e.has_not());
        assert!(e.eval(&|s| s == 0));
        assert!(!e.eval(&|s| s == 0 || s == 2));
        let e = compile("all of recon_* or cleanup").unwrap();
        assert!(!e.has_not());
        assert!(e.eval(&|s| s < 2));
        assert!(!e.eval(&|s| s == 0));
        assert!(e.eval(&|s| s == 2));
        let e = compile("2 of them").unwrap();
        assert!(e.eval(&|s| s != 1) && !e.eval(&|s| s == 1));
        assert!(compile("nothing_like_it").is_err());
        assert!(compile("1 of zz_*").is_err());
    }
}
