//! ipchunt's detection stage: Sigma rules loaded with `rsigma-parser`,
//! checked, and compiled once into a program that runs over normalized
//! [`ipchunt_core::Event`]s.
//!
//! * [`RuleSet`] loads detection, correlation and filter rules from files,
//!   directories or text. Every rule that cannot be used becomes a
//!   [`Rejection`] naming the file, the rule and the reason.
//! * [`RuleSet::compile`] builds an [`Engine`]: fields resolved through the
//!   taxonomy, rules gated by logsource, literal values of all rules on a
//!   field found together, once per field and gate (tries for anchored
//!   values, a 4-gram index for the others).
//! * [`Engine::eval`] appends a [`Match`] for every detection rule whose
//!   condition holds (filter rules applied).
//!
//! Regular expressions (`re`) follow PCRE, the flavour Sigma names: `\d`,
//! `\s` and `\w` (and their negations) are ASCII classes, not Unicode ones.
//!
//! Correlation rules are loaded and validated here and handed over as
//! [`LoadedCorrelation`]s; they are evaluated elsewhere.

mod compile;
mod condition;
mod engine;
mod fast;
mod filter;
mod flat;
mod gate;
mod grams;
mod info;
mod literal;
mod load;
mod modifiers;
mod plan;
mod pred;
mod program;
mod ruleset;
mod short;
mod trie;

use std::sync::Arc;

pub use engine::{Engine, Sources};
pub use program::Scratch;
pub use ruleset::RuleSet;

/// A rule that cannot be used (or, among [`Engine::warnings`], one that is
/// loaded but cannot fire on anything ipchunt reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The file (or origin name) the rule came from.
    pub file: String,
    /// The rule's id, else its title, when known.
    pub rule: Option<String>,
    /// A short, stable key to group by, e.g. `unsupported modifier 'near'`.
    pub reason: String,
    /// The particulars.
    pub detail: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = &self.rule {
            write!(f, " [{r}]")?;
        }
        write!(f, ": {}", self.reason)?;
        if !self.detail.is_empty() && self.detail != self.reason {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

/// A detection rule that fired on an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index into [`Engine::rules`].
    pub rule: usize,
    /// The fields (canonical names) and the event values that matched.
    pub fields: Vec<(String, String)>,
}

/// A correlation rule, checked (every rule it refers to is loaded) and
/// ready to be evaluated over the matches of the rules it names.
#[derive(Debug, Clone)]
pub struct LoadedCorrelation {
    pub info: Arc<ipchunt_core::RuleInfo>,
    pub rule: rsigma_parser::CorrelationRule,
}
