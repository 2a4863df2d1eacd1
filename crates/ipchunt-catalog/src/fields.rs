//! Rule fields onto the taxonomy, and the events a logsource covers.

use ipchunt_core::{FieldKey, SourceSpec, Taxonomy};

use crate::expr::{Expr, flatten};
use crate::model::{CatalogRule, EventRef};

/// Where a rule's field names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Sigma names: canonical names or unambiguous aliases.
    Sigma,
    /// Elastic Common Schema.
    Ecs,
    /// Splunk CIM (data model prefixes already removed).
    Cim,
}

/// The canonical name of a field as a rule of `scope` writes it, and
/// whether the taxonomy knows it; unknown fields keep their name.
pub(crate) fn canonical(tax: &Taxonomy, scope: Scope, name: &str) -> (String, bool) {
    let key = match scope {
        Scope::Sigma => tax.resolve(name),
        Scope::Ecs => tax.resolve_source("ecs", name),
        Scope::Cim => {
            let bare = strip_datamodel(name);
            match tax.resolve_source("cim", bare) {
                FieldKey::Other(_) => tax.resolve(bare),
                k => k,
            }
        }
    };
    match key {
        FieldKey::Known(id) => (tax.name(id).to_owned(), true),
        FieldKey::Other(n) => (n.into_string(), false),
    }
}

/// Adds a rule's query to its predicates (and what cannot be one to its
/// unparsed fragments), its fields read in `scope`'s names.
pub(crate) fn add_query(out: &mut CatalogRule, expr: &Expr, tax: &Taxonomy, scope: Scope) {
    let map = |f: &str| canonical(tax, scope, f);
    flatten(expr, &map, &mut out.predicates, &mut out.unparsed);
}

/// Adds events to a list, each once.
pub(crate) fn add_events(out: &mut Vec<EventRef>, events: impl IntoIterator<Item = EventRef>) {
    for e in events {
        if !out.contains(&e) {
            out.push(e);
        }
    }
}

/// `Processes.process_name` -> `process_name`: Splunk data model fields
/// carry their dataset names (capitalized) as prefixes.
pub(crate) fn strip_datamodel(name: &str) -> &str {
    let mut rest = name;
    while let Some((head, tail)) = rest.split_once('.') {
        if head.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !tail.is_empty() {
            rest = tail;
        } else {
            break;
        }
    }
    rest
}

/// The events of the taxonomy's sources for a logsource.
pub(crate) fn events_for(
    tax: &Taxonomy,
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> Vec<EventRef> {
    if product.is_none() && category.is_none() && service.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in tax.sources_for(product, category, service) {
        push_source(&mut out, s);
    }
    out
}

fn push_source(out: &mut Vec<EventRef>, s: &SourceSpec) {
    let qualifier = (!s.where_eq.is_empty()).then(|| {
        s.where_eq
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    let ids: Vec<Option<u32>> = if s.event_ids.is_empty() {
        vec![None]
    } else {
        s.event_ids.iter().copied().map(Some).collect()
    };
    let events = ids.into_iter().map(|id| EventRef {
        channel: s.channel.clone(),
        provider: s.provider.clone(),
        event_id: id,
        qualifier: qualifier.clone(),
    });
    add_events(out, events);
}

/// The Sigma category for an Elastic event category (`process where`,
/// `event.category:process`).
pub(crate) fn ecs_category(cat: &str) -> Option<&'static str> {
    Some(match cat {
        "process" => "process_creation",
        "network" => "network_connection",
        "library" => "image_load",
        "file" => "file_event",
        "registry" => "registry_event",
        "dns" => "dns_query",
        _ => return None,
    })
}

/// The Sigma category for a Splunk data model dataset.
pub(crate) fn datamodel_category(dataset: &str) -> Option<&'static str> {
    Some(match dataset {
        "Endpoint.Processes" => "process_creation",
        "Endpoint.Filesystem" => "file_event",
        "Endpoint.Registry" => "registry_event",
        "Network_Traffic.All_Traffic" | "Endpoint.Ports" => "network_connection",
        "Network_Resolution.DNS" => "dns_query",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_fields_meet_on_one_row() {
        let tax = Taxonomy::builtin();
        let image = ("Image".to_owned(), true);
        assert_eq!(canonical(&tax, Scope::Sigma, "Image"), image);
        assert_eq!(canonical(&tax, Scope::Ecs, "process.name"), image);
        assert_eq!(canonical(&tax, Scope::Cim, "Processes.process_name"), image);
        assert_eq!(canonical(&tax, Scope::Cim, "process_name"), image);
        assert_eq!(canonical(&tax, Scope::Cim, "Processes.process_exec"), image);
        assert_eq!(
            canonical(&tax, Scope::Ecs, "process.args"),
            ("process.args".to_owned(), false)
        );
        assert_eq!(strip_datamodel("All_Traffic.dest_port"), "dest_port");
        assert_eq!(strip_datamodel("process.name"), "process.name");
    }
}
