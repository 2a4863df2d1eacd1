//! Field-name resolution with a small per-reader cache, so that the hot
//! path pays one hash lookup per field instead of the taxonomy's
//! allocation-backed lookups.

use std::sync::Arc;

use ahash::AHashMap;
use ipchunt_core::{FieldKey, Taxonomy};

/// Most names a cache keeps; hostile input with endless distinct keys is
/// resolved without caching past this.
const MAX_CACHED: usize = 4096;
/// Provenance strings a reader keeps for sharing.
const MAX_SHARED_STRINGS: usize = 16;

type Table = AHashMap<Box<str>, (FieldKey, bool)>;

/// Every name the taxonomy knows (canonical names and aliases), resolved
/// in every vendor scope, built once per ingest and shared by the readers'
/// [`FieldNames`], so that a file of three records does not pay for
/// resolving twenty names.
#[derive(Debug, Default)]
pub struct NameTables {
    scopes: Vec<(String, Table)>,
}

impl NameTables {
    pub fn new(tax: &Taxonomy) -> Self {
        let mut names: Vec<&str> = Vec::new();
        let mut scopes: Vec<&str> = Vec::new();
        for f in tax.fields() {
            names.push(&f.name);
            for map in [&f.aliases, &f.fallback] {
                for (scope, list) in map {
                    if !scopes.contains(&scope.as_str()) {
                        scopes.push(scope);
                    }
                    names.extend(list.iter().map(String::as_str));
                }
            }
        }
        let scopes = scopes
            .into_iter()
            .map(|scope| {
                let table = names
                    .iter()
                    .map(|&n| (Box::from(n), resolve(tax, scope, n)))
                    .collect();
                (scope.to_owned(), table)
            })
            .collect();
        NameTables { scopes }
    }

    fn scope(&self, scope: &str) -> Option<&Table> {
        self.scopes.iter().find(|(s, _)| s == scope).map(|(_, t)| t)
    }
}

fn resolve(tax: &Taxonomy, scope: &str, name: &str) -> (FieldKey, bool) {
    match tax.resolve_for(scope, name) {
        Some((id, fallback)) => (FieldKey::Known(id), fallback),
        None => (tax.resolve_source(scope, name), false),
    }
}

/// Resolves source field names of one vendor scope (`security`, `ecs`,
/// `cim`) to field keys, remembering the answers.
pub struct FieldNames<'t> {
    tax: &'t Taxonomy,
    scope: &'static str,
    shared: Option<&'t Table>,
    cache: AHashMap<Box<str>, (FieldKey, bool)>,
    /// Recent provenance strings (channel, provider, computer), shared by
    /// the events of a file.
    strings: Vec<Arc<str>>,
}

impl<'t> FieldNames<'t> {
    pub fn new(tax: &'t Taxonomy, scope: &'static str) -> Self {
        FieldNames {
            tax,
            scope,
            shared: None,
            cache: AHashMap::new(),
            strings: Vec::new(),
        }
    }

    /// Names resolved through `tables` (built from the same taxonomy) first.
    pub fn with_tables(tax: &'t Taxonomy, tables: &'t NameTables, scope: &'static str) -> Self {
        FieldNames {
            shared: tables.scope(scope),
            ..FieldNames::new(tax, scope)
        }
    }

    pub fn taxonomy(&self) -> &'t Taxonomy {
        self.tax
    }

    /// The key for `name`, and whether it is a fallback alias (to be used
    /// only when the field is otherwise absent).
    pub fn get(&mut self, name: &str) -> (FieldKey, bool) {
        if let Some(hit) = self.shared.and_then(|t| t.get(name)) {
            return hit.clone();
        }
        if let Some(hit) = self.cache.get(name) {
            return hit.clone();
        }
        let found = resolve(self.tax, self.scope, name);
        if self.cache.len() < MAX_CACHED {
            self.cache.insert(name.into(), found.clone());
        }
        found
    }

    /// `s` as a shared string: the same `Arc` as the last time this reader
    /// saw it, when it is one of the few it has seen recently.
    pub fn shared_str(&mut self, s: &str) -> Arc<str> {
        if let Some(hit) = self.strings.iter().find(|x| &***x == s) {
            return hit.clone();
        }
        let new: Arc<str> = s.into();
        if self.strings.len() >= MAX_SHARED_STRINGS {
            self.strings.remove(0);
        }
        self.strings.push(new.clone());
        new
    }

    pub fn key(&mut self, name: &str) -> FieldKey {
        self.get(name).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_fallbacks() {
        let tax = Taxonomy::builtin();
        let image = FieldKey::Known(tax.id("Image").unwrap());
        let mut sec = FieldNames::new(&tax, "security");
        assert_eq!(sec.get("NewProcessName"), (image.clone(), false));
        assert_eq!(sec.get("Image"), (image.clone(), false));
        assert_eq!(
            sec.get("Whatever"),
            (FieldKey::Other("Whatever".into()), false)
        );
        let mut ecs = FieldNames::new(&tax, "ecs");
        assert_eq!(ecs.get("process.name"), (image.clone(), true));
        assert_eq!(ecs.get("process.name"), (image, true));
    }

    #[test]
    fn shared_tables_answer_like_the_taxonomy() {
        let tax = Taxonomy::builtin();
        let tables = NameTables::new(&tax);
        for scope in ["security", "ecs", "cim", "defender", "auditd", "eslogger"] {
            let mut fast = FieldNames::with_tables(&tax, &tables, scope);
            for f in tax.fields() {
                let names = f.aliases.values().chain(f.fallback.values()).flatten();
                for n in std::iter::once(&f.name).chain(names) {
                    assert_eq!(fast.get(n), resolve(&tax, scope, n), "{scope} {n}");
                }
            }
            assert_eq!(
                fast.get("NotAField"),
                (FieldKey::Other("NotAField".into()), false)
            );
        }
    }
}
