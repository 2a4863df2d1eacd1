//! Threshold conditions: one or more comparisons that must all hold.

use std::fmt;

use rsigma_parser::ast::ConditionOperator;

/// A conjunction of comparisons of the correlation's value against
/// thresholds (`gt: 100` and `lte: 200` make the range 101 to 200).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    preds: Vec<(ConditionOperator, f64)>,
}

impl Condition {
    pub(crate) fn new(preds: &[(ConditionOperator, u64)]) -> Condition {
        Condition {
            preds: preds.iter().map(|(op, v)| (*op, *v as f64)).collect(),
        }
    }

    pub(crate) fn holds(&self, value: f64) -> bool {
        self.preds.iter().all(|(op, t)| match op {
            ConditionOperator::Gt => value > *t,
            ConditionOperator::Gte => value >= *t,
            ConditionOperator::Lt => value < *t,
            ConditionOperator::Lte => value <= *t,
            ConditionOperator::Eq => value == *t,
            ConditionOperator::Neq => value != *t,
        })
    }

    /// Whether the condition can only be judged once a window is complete:
    /// any bound from above (`lt`, `lte`, `eq`) or `neq`. A condition made
    /// only of lower bounds holds, once reached, however many more events
    /// come, so it is judged as each event arrives.
    pub(crate) fn needs_complete_window(&self) -> bool {
        self.preds.iter().any(|(op, _)| {
            matches!(
                op,
                ConditionOperator::Lt
                    | ConditionOperator::Lte
                    | ConditionOperator::Eq
                    | ConditionOperator::Neq
            )
        })
    }

    /// Whether this is the parser's stand-in for a temporal rule written
    /// without a condition (`gte: 1`).
    pub(crate) fn is_temporal_default(preds: &[(ConditionOperator, u64)]) -> bool {
        matches!(preds, [(ConditionOperator::Gte, 1)])
    }

    /// Whether the condition asks for exactly "all `n` rules".
    pub(crate) fn means_all(preds: &[(ConditionOperator, u64)], n: u64) -> bool {
        match preds {
            [(ConditionOperator::Gte, v)] | [(ConditionOperator::Eq, v)] => *v == n,
            [(ConditionOperator::Gt, v)] => v.checked_add(1) == Some(n),
            _ => false,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (op, v)) in self.preds.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let op = match op {
                ConditionOperator::Gt => "gt",
                ConditionOperator::Gte => "gte",
                ConditionOperator::Lt => "lt",
                ConditionOperator::Lte => "lte",
                ConditionOperator::Eq => "eq",
                ConditionOperator::Neq => "neq",
            };
            write!(f, "{op}: {v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConditionOperator::*;

    #[test]
    fn each_operator_compares() {
        let c = |op, v| Condition::new(&[(op, v)]);
        assert!(c(Gt, 3).holds(4.0) && !c(Gt, 3).holds(3.0));
        assert!(c(Gte, 3).holds(3.0) && !c(Gte, 3).holds(2.0));
        assert!(c(Lt, 3).holds(2.0) && !c(Lt, 3).holds(3.0));
        assert!(c(Lte, 3).holds(3.0) && !c(Lte, 3).holds(4.0));
        assert!(c(Eq, 3).holds(3.0) && !c(Eq, 3).holds(4.0));
        assert!(c(Neq, 3).holds(4.0) && !c(Neq, 3).holds(3.0));
    }

    #[test]
    fn ranges_need_every_bound() {
        let r = Condition::new(&[(Gt, 100), (Lte, 200)]);
        assert!(!r.holds(100.0));
        assert!(r.holds(101.0) && r.holds(200.0));
        assert!(!r.holds(201.0));
        assert!(r.needs_complete_window());
        assert!(!Condition::new(&[(Gte, 5)]).needs_complete_window());
        assert!(Condition::new(&[(Neq, 5)]).needs_complete_window());
        assert_eq!(r.to_string(), "gt: 100, lte: 200");
    }

    #[test]
    fn all_rules_forms() {
        assert!(Condition::means_all(&[(Gte, 3)], 3));
        assert!(Condition::means_all(&[(Gt, 2)], 3));
        assert!(!Condition::means_all(&[(Gte, 2)], 3));
        assert!(Condition::is_temporal_default(&[(Gte, 1)]));
    }
}
