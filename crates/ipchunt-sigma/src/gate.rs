//! Logsource gating: which rules may run on an event, decided from its
//! channel (or provider) and event id the way [`SourceSpec::matches`]
//! decides it, once per distinct source.

use ahash::{AHashMap, AHashSet};
use ipchunt_core::{Event, SourceSpec};

/// No channel (or provider) on the event.
const ABSENT: u32 = u32::MAX;
/// A channel (or provider) no rule's source names.
const UNKNOWN: u32 = u32::MAX - 1;

/// The gate decision's input, normalized: equal keys let in the same rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct GateKey {
    channel: u32,
    provider: u32,
    /// The event id when some candidate source names it, else `None`.
    event_id: Option<u32>,
}

/// A name table looked up exactly first, then ignoring ASCII case.
#[derive(Debug, Default)]
struct Names {
    exact: AHashMap<Box<str>, u32>,
    lower: AHashMap<Box<str>, u32>,
    /// Per name: the event ids its sources mention.
    eids: Vec<AHashSet<u32>>,
    /// Per name: the entries whose source names it.
    entries: Vec<Vec<usize>>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        let lower = name.to_ascii_lowercase();
        if let Some(i) = self.lower.get(lower.as_str()) {
            self.exact.entry(name.into()).or_insert(*i);
            return *i;
        }
        let i = self.eids.len() as u32;
        self.exact.insert(name.into(), i);
        self.lower.insert(lower.into(), i);
        self.eids.push(AHashSet::new());
        self.entries.push(Vec::new());
        i
    }

    fn find(&self, name: Option<&str>) -> u32 {
        let Some(name) = name else {
            return ABSENT;
        };
        if let Some(i) = self.exact.get(name) {
            return *i;
        }
        // Names no rule spells this way (every event of a log no rule
        // names comes here): lowered on the stack, not in a new string.
        let mut buf = [0u8; 128];
        let lowered = match buf.get_mut(..name.len()) {
            Some(b) => {
                b.copy_from_slice(name.as_bytes());
                b.make_ascii_lowercase();
                std::str::from_utf8(b).ok().and_then(|l| self.lower.get(l))
            }
            None => self.lower.get(name.to_ascii_lowercase().as_str()),
        };
        lowered.copied().unwrap_or(UNKNOWN)
    }

    fn known(&self, i: u32) -> Option<usize> {
        ((i as usize) < self.eids.len()).then_some(i as usize)
    }
}

/// Every rule's sources, indexed by channel and provider.
#[derive(Debug, Default)]
pub(crate) struct GateIndex {
    entries: Vec<(u32, SourceSpec)>,
    channels: Names,
    providers: Names,
}

/// The rules an event's source lets in; those whose only sources add field
/// conditions (`where`) carry them to be checked per event.
#[derive(Debug, Default)]
pub(crate) struct Admitted {
    pub rules: Vec<u32>,
    pub checks: AHashMap<u32, Vec<SourceSpec>>,
}

impl GateIndex {
    pub(crate) fn add(&mut self, rule: u32, spec: &SourceSpec) {
        let e = self.entries.len();
        self.entries.push((rule, spec.clone()));
        if let Some(c) = &spec.channel {
            let i = self.channels.intern(c) as usize;
            self.channels.eids[i].extend(&spec.event_ids);
            self.channels.entries[i].push(e);
        }
        if let Some(p) = &spec.provider {
            let i = self.providers.intern(p) as usize;
            self.providers.eids[i].extend(&spec.event_ids);
            self.providers.entries[i].push(e);
        }
    }

    pub(crate) fn key(&self, ev: &Event) -> GateKey {
        let p = &ev.prov;
        let channel = self.channels.find(p.channel.as_deref());
        let provider = self.providers.find(p.provider.as_deref());
        let mentioned = |names: &Names, i: u32, id: u32| {
            names.known(i).is_some_and(|i| names.eids[i].contains(&id))
        };
        let event_id = p.event_id.filter(|id| {
            mentioned(&self.channels, channel, *id) || mentioned(&self.providers, provider, *id)
        });
        GateKey {
            channel,
            provider,
            event_id,
        }
    }

    /// The entries a key's events match, as `SourceSpec::matches` would
    /// decide (channel compared when both sides have one, else provider).
    fn candidates(&self, k: &GateKey) -> Vec<usize> {
        let mut out = Vec::new();
        if k.channel != ABSENT {
            if let Some(i) = self.channels.known(k.channel) {
                out.extend(&self.channels.entries[i]);
            }
            if let Some(i) = self.providers.known(k.provider) {
                out.extend(
                    self.providers.entries[i]
                        .iter()
                        .filter(|e| self.entries[**e].1.channel.is_none()),
                );
            }
        } else if let Some(i) = self.providers.known(k.provider) {
            out.extend(&self.providers.entries[i]);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(crate) fn admit(&self, k: &GateKey) -> Admitted {
        let mut plain: AHashSet<u32> = AHashSet::new();
        let mut conditional: AHashMap<u32, Vec<SourceSpec>> = AHashMap::new();
        for e in self.candidates(k) {
            let (rule, spec) = &self.entries[e];
            let eid_ok = spec.event_ids.is_empty()
                || k.event_id.is_some_and(|id| spec.event_ids.contains(&id));
            if !eid_ok {
                continue;
            }
            if spec.where_eq.is_empty() {
                plain.insert(*rule);
            } else {
                conditional.entry(*rule).or_default().push(spec.clone());
            }
        }
        conditional.retain(|r, _| !plain.contains(r));
        let mut rules: Vec<u32> = plain
            .into_iter()
            .chain(conditional.keys().copied())
            .collect();
        rules.sort_unstable();
        Admitted {
            rules,
            checks: conditional,
        }
    }
}
