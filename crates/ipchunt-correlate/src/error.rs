//! Why a correlation rule cannot be used.

use std::fmt;

/// A correlation rule that was set aside, and why. The reason does not
/// depend on the events: the rule would fail on any input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CorrelationError {
    /// The rule's index in the slice given to [`crate::Correlator::new`].
    pub correlation: usize,
    pub title: String,
    pub id: Option<String>,
    pub reason: CorrelationErrorKind,
}

impl fmt::Display for CorrelationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "correlation {:?}", self.title)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The reasons a correlation rule is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationErrorKind {
    #[error("refers to no rule")]
    NoRules,
    #[error("refers to {0:?}, which is neither a loaded rule nor a correlation")]
    UnknownRule(String),
    #[error("refers to correlation {0:?}, which cannot be used")]
    BrokenDependency(String),
    #[error("takes part in a cycle of correlations referring to each other")]
    Cycle,
    #[error("{0} needs `field` in its condition")]
    MissingField(&'static str),
    #[error("alias {alias:?} maps rule {rule:?}, which the correlation does not refer to")]
    AliasRule { alias: String, rule: String },
    #[error("window mode {0:?} needs a timespan above zero (and session windows a gap)")]
    WindowMode(String),
    #[error("boolean condition {condition:?}: {problem}")]
    BooleanCondition { condition: String, problem: String },
    #[error("percentile {0} is outside 0..=100")]
    Percentile(u64),
    #[error("temporal_ordered supports only its default condition, all rules in order (found {0})")]
    OrderedCondition(String),
}
