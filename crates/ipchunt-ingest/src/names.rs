//! Field-name resolution with a small per-reader cache, so that the hot
//! path pays one hash lookup per field instead of the taxonomy's
//! allocation-backed lookups.

use ahash::AHashMap;
use ipchunt_core::{FieldKey, Taxonomy};

/// Most names a cache keeps; hostile input with endless distinct keys is
/// resolved without caching past this.
const MAX_CACHED: usize = 4096;

/// Resolves source field names of one vendor scope (`security`, `ecs`,
/// `cim`) to field keys, remembering the answers.
pub struct FieldNames<'t> {
    tax: &'t Taxonomy,
    scope: &'static str,
    cache: AHashMap<Box<str>, (FieldKey, bool)>,
}

impl<'t> FieldNames<'t> {
    pub fn new(tax: &'t Taxonomy, scope: &'static str) -> Self {
        FieldNames {
            tax,
            scope,
            cache: AHashMap::new(),
        }
    }

    pub fn taxonomy(&self) -> &'t Taxonomy {
        self.tax
    }

    /// The key for `name`, and whether it is a fallback alias (to be used
    /// only when the field is otherwise absent).
    pub fn get(&mut self, name: &str) -> (FieldKey, bool) {
        if let Some(hit) = self.cache.get(name) {
            return hit.clone();
        }
        let found = match self.tax.resolve_for(self.scope, name) {
            Some((id, fallback)) => (FieldKey::Known(id), fallback),
            None => (self.tax.resolve_source(self.scope, name), false),
        };
        if self.cache.len() < MAX_CACHED {
            self.cache.insert(name.into(), found.clone());
        }
        found
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
}
