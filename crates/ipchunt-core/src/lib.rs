//! ipchunt's shared model: the normalized [`Event`] every stage reads, its
//! [`Value`]s, and the field [`Taxonomy`] that maps each vendor's field
//! names and each Sigma logsource onto one set of names.

pub mod detection;
pub mod event;
pub mod json;
pub mod taxonomy;
pub mod value;

pub use detection::{CorrelationInfo, Detection, Level, RuleInfo, RuleKind};
pub use event::{Event, Locator, Provenance, Raw};
pub use taxonomy::{
    FieldDef, FieldId, FieldKey, LogsourceDef, SourceSpec, Taxonomy, TaxonomyError, builtin_ids,
};
pub use value::{Value, ValueRef, parse_int};
