//! The field taxonomy: canonical field names, their names in other
//! vendors' schemas, and Sigma logsources mapped to the logs that carry them.
//!
//! The data lives in `taxonomy/taxonomy.yml` at the repository root and is
//! embedded in the binary; [`Taxonomy::from_yaml`] loads another copy.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use ahash::AHashMap;
use serde::Deserialize;

use crate::event::Event;
use crate::value::ValueRef;

/// The embedded taxonomy text.
pub const BUILTIN_TAXONOMY: &str = include_str!("../../../taxonomy/taxonomy.yml");

/// A canonical field, by its index in the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldId(pub u16);

/// The ids the event model answers from provenance.
pub mod builtin_ids {
    use super::FieldId;
    pub const EVENT_ID: FieldId = FieldId(0);
    pub const CHANNEL: FieldId = FieldId(1);
    pub const PROVIDER: FieldId = FieldId(2);
    pub const COMPUTER: FieldId = FieldId(3);
    /// Ids below this are provenance-backed.
    pub const FIRST_STORED: u16 = 4;
    pub(crate) const NAMES: [&str; 4] = ["EventID", "Channel", "Provider_Name", "Computer"];
}

/// A field as events and rules name it: a canonical field, or a name the
/// taxonomy does not know (kept as the source spelled it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldKey {
    Known(FieldId),
    Other(Box<str>),
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("taxonomy is not valid YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    #[error("taxonomy must start with the fields {expected:?}, found {found:?}")]
    BadPrelude {
        expected: [&'static str; 4],
        found: Vec<String>,
    },
    #[error("taxonomy field {0:?} is defined twice")]
    Duplicate(String),
    #[error("taxonomy has too many fields ({0})")]
    TooMany(usize),
}

/// One canonical field and its names elsewhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Vendor scope (`ecs`, `cim`, `security`, `defender`, ...) to names.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Names used only when the field is otherwise absent.
    #[serde(default)]
    pub fallback: BTreeMap<String, Vec<String>>,
}

/// A Sigma logsource and the sources that carry it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsourceDef {
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    pub sources: Vec<SourceSpec>,
}

/// A log that carries a logsource: a channel or provider, optionally some
/// event ids, optionally field values that must hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub event_ids: Vec<u32>,
    /// Field name to the value it must have (compared case-insensitively).
    #[serde(default, rename = "where")]
    pub where_eq: BTreeMap<String, String>,
}

impl SourceSpec {
    /// Whether an event comes from this source. The channel is compared
    /// when both sides have one, else the provider; an event with neither
    /// never matches (an event id alone proves nothing).
    pub fn matches(&self, ev: &Event, tax: &Taxonomy) -> bool {
        let p = &ev.prov;
        let origin = match (&self.channel, p.channel.as_deref()) {
            (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
            _ => match (&self.provider, p.provider.as_deref()) {
                (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
                _ => false,
            },
        };
        if !origin {
            return false;
        }
        if !self.event_ids.is_empty() && !p.event_id.is_some_and(|id| self.event_ids.contains(&id))
        {
            return false;
        }
        self.where_eq
            .iter()
            .all(|(field, want)| match ev.get_by_name(tax, field) {
                Some(ValueRef::Str(s)) => s.eq_ignore_ascii_case(want),
                Some(v) => v.text().is_some_and(|t| t.eq_ignore_ascii_case(want)),
                None => false,
            })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    fields: Vec<FieldDef>,
    logsources: Vec<LogsourceDef>,
}

/// One vendor scope's aliases: name to the field and whether it is a fallback.
type ScopeAliases = AHashMap<Box<str>, (FieldId, bool)>;

/// The loaded taxonomy.
#[derive(Debug)]
pub struct Taxonomy {
    fields: Vec<FieldDef>,
    canonical: AHashMap<Box<str>, FieldId>,
    canonical_lower: AHashMap<Box<str>, FieldId>,
    /// Vendor scope, then alias, to the field and whether it is a fallback.
    vendor: AHashMap<Box<str>, ScopeAliases>,
    unambiguous_alias: AHashMap<Box<str>, FieldId>,
    logsources: Vec<LogsourceDef>,
}

impl Taxonomy {
    /// The taxonomy embedded in ipchunt, loaded once.
    pub fn builtin() -> Arc<Taxonomy> {
        static BUILTIN: OnceLock<Arc<Taxonomy>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                // The embedded file is checked by this crate's tests; a
                // broken build of it is a programming error.
                Arc::new(Taxonomy::from_yaml(BUILTIN_TAXONOMY).expect("embedded taxonomy is valid"))
            })
            .clone()
    }

    pub fn from_yaml(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let file: TaxonomyFile = yaml_serde::from_str(text)?;
        if file.fields.len() > u16::MAX as usize {
            return Err(TaxonomyError::TooMany(file.fields.len()));
        }
        let prelude: Vec<String> = file.fields.iter().take(4).map(|f| f.name.clone()).collect();
        if prelude != builtin_ids::NAMES {
            return Err(TaxonomyError::BadPrelude {
                expected: builtin_ids::NAMES,
                found: prelude,
            });
        }
        let mut canonical = AHashMap::new();
        let mut canonical_lower = AHashMap::new();
        let mut vendor: AHashMap<Box<str>, ScopeAliases> = AHashMap::new();
        let mut alias_targets: AHashMap<Box<str>, Vec<FieldId>> = AHashMap::new();
        for (i, f) in file.fields.iter().enumerate() {
            let id = FieldId(i as u16);
            if canonical.insert(f.name.as_str().into(), id).is_some() {
                return Err(TaxonomyError::Duplicate(f.name.clone()));
            }
            canonical_lower
                .entry(f.name.to_ascii_lowercase().into_boxed_str())
                .or_insert(id);
            for (fallback, map) in [(false, &f.aliases), (true, &f.fallback)] {
                for (scope, names) in map {
                    for n in names {
                        vendor
                            .entry(scope.as_str().into())
                            .or_default()
                            .entry(n.as_str().into())
                            .or_insert((id, fallback));
                        let targets = alias_targets.entry(n.as_str().into()).or_default();
                        if !targets.contains(&id) {
                            targets.push(id);
                        }
                    }
                }
            }
        }
        let unambiguous_alias = alias_targets
            .into_iter()
            .filter(|(name, ids)| ids.len() == 1 && !canonical.contains_key(name))
            .map(|(name, ids)| (name, ids[0]))
            .collect();
        Ok(Taxonomy {
            fields: file.fields,
            canonical,
            canonical_lower,
            vendor,
            unambiguous_alias,
            logsources: file.logsources,
        })
    }

    /// The canonical field of that exact name.
    pub fn id(&self, canonical: &str) -> Option<FieldId> {
        self.canonical.get(canonical).copied()
    }

    /// The canonical name of a field.
    pub fn name(&self, id: FieldId) -> &str {
        self.fields
            .get(id.0 as usize)
            .map(|f| f.name.as_str())
            .unwrap_or("?")
    }

    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    pub fn logsources(&self) -> &[LogsourceDef] {
        &self.logsources
    }

    /// Resolves a name as a rule writes it: a canonical name, an alias that
    /// means one field whatever the vendor, or a canonical name in another
    /// case; anything else stays as written.
    pub fn resolve(&self, name: &str) -> FieldKey {
        if let Some(id) = self.canonical.get(name) {
            return FieldKey::Known(*id);
        }
        if let Some(id) = self.unambiguous_alias.get(name) {
            return FieldKey::Known(*id);
        }
        if let Some(id) = self.canonical_lower.get(name.to_ascii_lowercase().as_str()) {
            return FieldKey::Known(*id);
        }
        FieldKey::Other(name.into())
    }

    /// Resolves a name as a source of that vendor scope writes it. Returns
    /// the field and whether it is a fallback alias; `None` when the
    /// taxonomy has no alias of that name in that scope.
    pub fn resolve_for(&self, scope: &str, name: &str) -> Option<(FieldId, bool)> {
        self.vendor.get(scope)?.get(name).copied()
    }

    /// Resolves a name a source of that scope writes: its vendor alias, else
    /// a canonical name, else kept as written. Fallback aliases resolve too;
    /// use [`Taxonomy::resolve_for`] to tell them apart.
    ///
    /// Spaces are dropped from names that hold them (Windows Defender's
    /// `Source Name`, `Threat Name`...), as Sigma rules write those fields
    /// (`SourceName`, `ThreatName`).
    pub fn resolve_source(&self, scope: &str, name: &str) -> FieldKey {
        if let Some((id, _)) = self.resolve_for(scope, name) {
            return FieldKey::Known(id);
        }
        if name.contains(' ') {
            let joined: String = name.chars().filter(|c| *c != ' ').collect();
            return match self.canonical.get(joined.as_str()) {
                Some(id) => FieldKey::Known(*id),
                None => FieldKey::Other(joined.into()),
            };
        }
        match self.canonical.get(name) {
            Some(id) => FieldKey::Known(*id),
            None => FieldKey::Other(name.into()),
        }
    }

    /// The sources that carry a Sigma logsource: every taxonomy entry whose
    /// product, category and service agree with each one the rule sets.
    /// Empty when none does.
    pub fn sources_for(
        &self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
    ) -> Vec<&SourceSpec> {
        let agrees = |want: Option<&str>, have: &Option<String>| match want {
            None => true,
            Some(w) => have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w)),
        };
        let mut out: Vec<&SourceSpec> = Vec::new();
        for ls in &self.logsources {
            if agrees(product, &ls.product)
                && agrees(category, &ls.category)
                && agrees(service, &ls.service)
            {
                for s in &ls.sources {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Locator, Provenance};

    #[test]
    fn builtin_loads() {
        let t = Taxonomy::builtin();
        assert_eq!(t.id("EventID"), Some(builtin_ids::EVENT_ID));
        assert!(t.id("PipeName").is_some());
    }

    #[test]
    fn aliases_resolve_by_scope() {
        let t = Taxonomy::builtin();
        let image = t.id("Image").unwrap();
        assert_eq!(
            t.resolve_for("ecs", "process.executable"),
            Some((image, false))
        );
        assert_eq!(t.resolve_for("ecs", "process.name"), Some((image, true)));
        assert_eq!(t.resolve_for("cim", "process_name"), Some((image, true)));
        assert_eq!(
            t.resolve_for("security", "NewProcessName"),
            Some((image, false))
        );
        assert_eq!(t.resolve("NewProcessName"), FieldKey::Known(image));
        assert_eq!(t.resolve("image"), FieldKey::Known(image));
        assert_eq!(
            t.resolve("NoSuchField"),
            FieldKey::Other("NoSuchField".into())
        );
        assert_eq!(
            t.resolve_source("security", "Source Name"),
            FieldKey::Other("SourceName".into())
        );
        let cmd = t.id("CommandLine").unwrap();
        assert_eq!(t.resolve_source("cim", "process"), FieldKey::Known(cmd));
    }

    #[test]
    fn catalog_events_have_logsources() {
        let t = Taxonomy::builtin();
        for (cat, id) in [
            ("process_creation", 1),
            ("network_connection", 3),
            ("image_load", 7),
            ("process_access", 10),
            ("file_event", 11),
            ("registry_set", 13),
            ("pipe_created", 17),
            ("pipe_created", 18),
            ("dns_query", 22),
            ("process_creation", 4688),
            ("network_share_access", 5140),
            ("network_share_access", 5145),
            ("dcom_event", 10016),
            ("dcom_event", 10028),
        ] {
            let s = t.sources_for(Some("windows"), Some(cat), None);
            assert!(s.iter().any(|s| s.event_ids.contains(&id)), "{cat} {id}");
        }
    }

    #[test]
    fn gating_needs_channel_or_provider() {
        let t = Taxonomy::builtin();
        let specs = t.sources_for(Some("windows"), Some("process_creation"), None);
        let mut p = Provenance::new("f".into(), Locator::Line(1), "jsonl");
        p.event_id = Some(1);
        let ev = Event::new(p.clone());
        assert!(!specs.iter().any(|s| s.matches(&ev, &t)));
        p.channel = Some("Microsoft-Windows-Sysmon/Operational".into());
        let ev = Event::new(p.clone());
        assert!(specs.iter().any(|s| s.matches(&ev, &t)));
        p.channel = Some("Application".into());
        let ev = Event::new(p);
        assert!(!specs.iter().any(|s| s.matches(&ev, &t)));
    }

    #[test]
    fn prelude_is_checked() {
        let err = Taxonomy::from_yaml("fields: [{name: Image}]\nlogsources: []").unwrap_err();
        assert!(matches!(err, TaxonomyError::BadPrelude { .. }));
    }
}
