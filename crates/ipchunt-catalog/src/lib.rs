//! ipchunt's rule catalog: the Sigma, Elastic and Splunk rules of an
//! ATT&CK technique, read into one normalized form ([`CatalogRule`]) on the
//! field taxonomy, then summarized ([`Catalog`]): the events they read,
//! the fields they filter on most and how, the indicator values they
//! check and how common those are across the whole corpus, and the
//! exclusions they have learned. [`coverage`] tells which rules could fire
//! on the telemetry at hand.

mod catalog;
mod coverage;
mod cursor;
mod elastic;
mod expr;
mod fields;
mod lex;
mod loader;
mod model;
mod render;
mod render_cov;
mod render_md;
mod sigma;
#[cfg(test)]
mod sigma_tests;
mod splunk;

pub use catalog::{
    Catalog, EventRow, FieldRow, IndicatorRow, UnparsedRow, build_catalog, build_catalog_from,
    is_source_selector,
};
pub use coverage::{ObservedTelemetry, RuleCoverage, coverage};
pub use elastic::load_elastic;
pub use loader::{LoadReport, load_sources};
pub use model::{CatalogRule, EventRef, Op, Predicate, RuleStatus, Unparsed, Vendor};
pub use render::{render_jsonl, render_table};
pub use render_cov::{render_coverage_jsonl, render_coverage_table};
pub use render_md::render_markdown;
pub use sigma::load_sigma;
pub use splunk::load_splunk;

/// A rule file that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct LoadError {
    pub path: String,
    pub reason: String,
}

impl LoadError {
    pub fn new(path: &str, reason: impl Into<String>) -> Self {
        LoadError {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}
