//! Which of a catalog's rules could fire on the telemetry at hand.

use std::collections::BTreeSet;

use ipchunt_core::{Event, FieldKey, Taxonomy, builtin_ids};
use serde::Serialize;

use crate::catalog::{Catalog, is_source_selector};
use crate::model::{CatalogRule, EventRef, Op};

/// What a set of events holds: channels, providers, event ids per channel
/// and provider, and canonical fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ObservedTelemetry {
    pub events: u64,
    /// Lower-cased.
    pub channels: BTreeSet<String>,
    /// Lower-cased.
    pub providers: BTreeSet<String>,
    /// (lower-cased channel, event id).
    pub channel_events: BTreeSet<(String, u32)>,
    /// (lower-cased provider, event id).
    pub provider_events: BTreeSet<(String, u32)>,
    /// Canonical field names (or source names for fields the taxonomy does
    /// not know).
    pub fields: BTreeSet<String>,
}

impl ObservedTelemetry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn observe(&mut self, ev: &Event, tax: &Taxonomy) {
        self.events += 1;
        let p = &ev.prov;
        let ch = p.channel.as_deref().map(str::to_ascii_lowercase);
        let pr = p.provider.as_deref().map(str::to_ascii_lowercase);
        if let Some(c) = &ch {
            self.channels.insert(c.clone());
        }
        if let Some(v) = &pr {
            self.providers.insert(v.clone());
        }
        if let Some(id) = p.event_id {
            if let Some(c) = ch {
                self.channel_events.insert((c, id));
            }
            if let Some(v) = pr {
                self.provider_events.insert((v, id));
            }
        }
        for id in [
            builtin_ids::EVENT_ID,
            builtin_ids::CHANNEL,
            builtin_ids::PROVIDER,
            builtin_ids::COMPUTER,
        ] {
            if ev.get(id).is_some() && !self.fields.contains(tax.name(id)) {
                self.fields.insert(tax.name(id).to_owned());
            }
        }
        for (k, _) in ev.fields() {
            let name = match k {
                FieldKey::Known(id) => tax.name(*id),
                FieldKey::Other(n) => n,
            };
            if !self.fields.contains(name) {
                self.fields.insert(name.to_owned());
            }
        }
    }

    fn has_event(&self, e: &EventRef) -> bool {
        let ch = e.channel.as_deref().map(str::to_ascii_lowercase);
        let pr = e.provider.as_deref().map(str::to_ascii_lowercase);
        let origin = match (&ch, &pr) {
            (Some(c), _) if self.channels.contains(c) => Some((c, &self.channel_events)),
            (_, Some(p)) if self.providers.contains(p) => Some((p, &self.provider_events)),
            _ => None,
        };
        match (origin, e.event_id) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((name, set)), Some(id)) => set.contains(&(name.clone(), id)),
        }
    }

    fn has_origin(&self, e: &EventRef) -> bool {
        e.channel
            .as_deref()
            .is_some_and(|c| self.channels.contains(&c.to_ascii_lowercase()))
            || e.provider
                .as_deref()
                .is_some_and(|p| self.providers.contains(&p.to_ascii_lowercase()))
    }
}

/// Whether a rule could fire, and if not, why.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    pub rule: CatalogRule,
    pub could_fire: bool,
    /// Missing channel, missing event id, missing field, unknown source.
    pub reasons: Vec<String>,
}

/// For each rule of the catalog: could it fire on what was observed? A
/// rule can when one of its events was seen and every field it requires
/// (see [`crate::Predicate::required`]) appears in the telemetry.
pub fn coverage(catalog: &Catalog, observed: &ObservedTelemetry) -> Vec<RuleCoverage> {
    catalog
        .rules
        .iter()
        .map(|r| rule_coverage(r, observed))
        .collect()
}

fn rule_coverage(r: &CatalogRule, obs: &ObservedTelemetry) -> RuleCoverage {
    let mut reasons = Vec::new();
    if r.events.is_empty() {
        reasons.push(format!(
            "log source unknown ({}): cannot tell which events it reads",
            display_ls(r)
        ));
    } else if !r.events.iter().any(|e| obs.has_event(e)) {
        for e in &r.events {
            let origin = e
                .channel
                .as_deref()
                .or(e.provider.as_deref())
                .unwrap_or("?");
            let reason = if !obs.has_origin(e) {
                let what = if e.channel.is_some() {
                    "channel"
                } else {
                    "provider"
                };
                format!("missing {what} {origin}")
            } else {
                format!("missing event id {} on {origin}", e.event_id.unwrap_or(0))
            };
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    let missing: BTreeSet<&str> = r
        .predicates
        .iter()
        .filter(|p| p.required && p.op != Op::Keyword && !is_source_selector(&p.field))
        .map(|p| p.field.as_str())
        .filter(|f| !obs.fields.contains(*f))
        .collect();
    for f in missing {
        reasons.push(format!("missing field {f}"));
    }
    RuleCoverage {
        rule: r.clone(),
        could_fire: reasons.is_empty(),
        reasons,
    }
}

fn display_ls(r: &CatalogRule) -> &str {
    if r.logsource.is_empty() {
        "none stated"
    } else {
        &r.logsource
    }
}
