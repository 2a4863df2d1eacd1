//! ipchunt's investigation stage: what an analyst does in the first hour
//! after a detection. Events stream through [`Investigation::observe`],
//! which keeps what IPC and process creation need (bounded); then
//! [`Investigation::timeline`] gives the per-host IPC timeline with bursts,
//! [`Investigation::graph`] the IPC graph, [`baseline`] learns and compares
//! graphs, and [`Investigation::enrich`] gives every detection its process
//! chain, surrounding IPC, and an escalation decision with its reasons,
//! answers, containment steps and mitigations.

pub mod baseline;
pub mod com;
pub mod context;
mod enrich;
pub mod escalate;
mod fields;
pub mod graph;
pub mod ioc;
pub mod ipc;
pub mod normalize;
pub mod sources;
mod spawn;
pub mod timeline;
pub mod tree;

use std::sync::{Arc, OnceLock};

use ahash::AHashMap;
use ipchunt_core::{Event, Taxonomy};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

pub use baseline::{BaselineError, BaselineSnapshot, BaselineStatus, Deviation, LearnStats};
pub use context::{ContextEvent, SignatureInfo};
pub use enrich::{DetectionView, Enriched};
pub use escalate::{Answer, Decision, Escalation, Mitigation, Reason, ReasonKind, Setting, Weight};
pub use graph::{Edge, EdgeKey, EdgeKind, Graph, Node};
pub use ioc::{IocHit, IocLineError, IocList};
pub use ipc::{Endpoint, EndpointKind, IpcEvent, IpcKind, ProcessRef};
pub use sources::Source;
pub use timeline::{BurstRule, Timeline};
pub use tree::{ProcessChain, ProcessTree};

use fields::Fields;

/// How much the investigation keeps. Past a limit, new items are counted
/// as dropped (see [`ObserveStats`]) and the rest is still exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// IPC events kept for the timeline and detection windows (the
    /// per-minute rates count every event regardless).
    pub max_ipc_events: usize,
    pub max_processes: usize,
    pub max_edges: usize,
    pub max_context_events: usize,
    pub max_signatures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ipc_events: 500_000,
            max_processes: 500_000,
            max_edges: 200_000,
            max_context_events: 200_000,
            max_signatures: 100_000,
        }
    }
}

/// Investigation settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub limits: Limits,
    pub burst: BurstRule,
    /// How far around a detection to look for IPC, logons and changes.
    pub window: SignedDuration,
    /// At most this many IPC events in a detection's window (the nearest).
    pub window_events: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            burst: BurstRule::default(),
            window: SignedDuration::from_mins(10),
            window_events: 40,
        }
    }
}

/// What [`Investigation::observe`] saw and kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObserveStats {
    pub events: u64,
    pub ipc_events: u64,
    pub process_creations: u64,
    pub context_events: u64,
    pub dropped_ipc_events: u64,
    pub dropped_context_events: u64,
}

/// The investigation state built from a stream of events.
#[derive(Debug)]
pub struct Investigation {
    tax: Arc<Taxonomy>,
    fields: Fields,
    config: Config,
    ipc: Vec<IpcEvent>,
    minute_counts: timeline::MinuteCounts,
    tree: ProcessTree,
    graph: graph::GraphBuilder,
    context: Vec<ContextEvent>,
    signatures: AHashMap<String, SignatureInfo>,
    ioc: Option<IocList>,
    baseline: Option<BaselineSnapshot>,
    stats: ObserveStats,
    /// Enrichment's lookups, built on first use after the last event.
    index: OnceLock<enrich::Index>,
}

impl Investigation {
    pub fn new(tax: Arc<Taxonomy>) -> Investigation {
        Investigation::with_config(tax, Config::default())
    }

    pub fn with_config(tax: Arc<Taxonomy>, config: Config) -> Investigation {
        let fields = Fields::new(&tax);
        Investigation {
            tax,
            fields,
            config,
            ipc: Vec::new(),
            minute_counts: AHashMap::new(),
            tree: ProcessTree::new(config.limits.max_processes),
            graph: graph::GraphBuilder::new(config.limits.max_edges),
            context: Vec::new(),
            signatures: AHashMap::new(),
            ioc: None,
            baseline: None,
            stats: ObserveStats::default(),
            index: OnceLock::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Known-bad indicators to check detections against.
    pub fn set_ioc(&mut self, ioc: IocList) {
        self.ioc = Some(ioc);
    }

    /// A baseline to compare detections and the graph with.
    pub fn set_baseline(&mut self, baseline: BaselineSnapshot) {
        self.baseline = Some(baseline);
    }

    pub fn baseline(&self) -> Option<&BaselineSnapshot> {
        self.baseline.as_ref()
    }

    /// Classifies one event as IPC, without keeping it.
    pub fn classify(&self, ev: &Event) -> Option<IpcEvent> {
        ipc::classify(ev, &self.fields)
    }

    /// Reads one event, keeping what the investigation needs.
    pub fn observe(&mut self, ev: &Event) {
        self.index.take();
        self.stats.events += 1;
        if let Some(e) = ipc::classify(ev, &self.fields) {
            self.graph.add(&e);
            if e.kind.is_process_creation() {
                self.stats.process_creations += 1;
                if let Some(child) = &e.peer {
                    let hashes = self.fields.hashes.string(ev);
                    self.tree
                        .insert(&e.host, child.clone(), e.actor.clone(), e.time, hashes);
                }
            }
            if e.kind != IpcKind::Spawn {
                self.stats.ipc_events += 1;
                if let Some(t) = e.time {
                    timeline::count_minute(&mut self.minute_counts, &e.host, t);
                }
                if self.ipc.len() < self.config.limits.max_ipc_events {
                    self.ipc.push(e);
                } else {
                    self.stats.dropped_ipc_events += 1;
                }
            }
            return;
        }
        if let Some(c) = context::classify(ev, &self.fields) {
            self.stats.context_events += 1;
            if self.context.len() < self.config.limits.max_context_events {
                self.context.push(c);
            } else {
                self.stats.dropped_context_events += 1;
            }
            return;
        }
        if let Some((image, sig)) = context::signature(ev, &self.fields)
            && (self.signatures.len() < self.config.limits.max_signatures
                || self.signatures.contains_key(&image))
        {
            self.signatures.insert(image, sig);
        }
    }

    pub fn stats(&self) -> ObserveStats {
        self.stats
    }

    /// The IPC timeline, per host, with bursts.
    pub fn timeline(&self) -> Timeline {
        timeline::build(
            &self.ipc,
            &self.minute_counts,
            self.config.burst,
            self.stats.dropped_ipc_events,
        )
    }

    /// The IPC graph.
    pub fn graph(&self) -> Graph {
        self.graph.graph()
    }

    /// The process tree.
    pub fn tree(&self) -> &ProcessTree {
        &self.tree
    }

    /// The graph's deviations from the baseline (empty without one).
    pub fn deviations(&self) -> Vec<Deviation> {
        match &self.baseline {
            Some(b) => b.compare(&self.graph()),
            None => Vec::new(),
        }
    }

    /// Every detection with its process chain, surrounding IPC and
    /// escalation decision.
    pub fn enrich(&self, detections: &[ipchunt_core::Detection]) -> Vec<Enriched> {
        enrich::enrich(self, detections, true)
    }

    /// The same investigation without what only a report page shows:
    /// `window` is left empty and `detection.event` is null. Chains,
    /// baseline standing and the escalation decision with its reasons are
    /// those of [`Investigation::enrich`]; cheaper per detection, for
    /// outputs that write thousands of them.
    pub fn assess(&self, detections: &[ipchunt_core::Detection]) -> Vec<Enriched> {
        enrich::enrich(self, detections, false)
    }
}
