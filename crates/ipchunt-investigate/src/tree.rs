//! The process tree, from process creation events.
//!
//! A process is keyed by its host and `ProcessGuid` where the log has one,
//! else by host, pid and start time. A parent is found by
//! `ParentProcessGuid`, else by the parent pid: the latest process of that
//! pid on the host that started no later than the child.

use ahash::AHashMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ipc::ProcessRef;

/// Chains stop at this depth (a guard against pid reuse loops).
const MAX_DEPTH: usize = 64;
/// A chain lists at most this many children.
const MAX_CHILDREN: usize = 50;

/// One process of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcNode {
    pub key: String,
    pub host: String,
    pub process: ProcessRef,
    pub start: Option<Timestamp>,
    /// The parent as the creation event names it.
    pub parent: ProcessRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashes: Option<String>,
}

/// A process in a chain: from the tree, or only named by its child's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainEntry {
    pub process: ProcessRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// False when no creation event for it was read.
    pub seen_created: bool,
    /// Sysmon `Hashes` of its image, from its creation event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashes: Option<String>,
}

/// A process with its ancestors (oldest first) and children.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessChain {
    pub ancestors: Vec<ChainEntry>,
    pub process: Option<ChainEntry>,
    pub children: Vec<ChainEntry>,
}

impl ProcessChain {
    /// Every process of the chain, oldest first, then the children.
    pub fn all(&self) -> impl Iterator<Item = &ChainEntry> {
        self.ancestors
            .iter()
            .chain(self.process.iter())
            .chain(self.children.iter())
    }
}

/// The processes of one pid on one host: (start, key), by start.
type Starts = Vec<(Option<Timestamp>, String)>;

/// The process tree.
#[derive(Debug, Default)]
pub struct ProcessTree {
    nodes: AHashMap<String, ProcNode>,
    by_guid: AHashMap<(String, String), String>,
    by_pid: AHashMap<(String, i64), Starts>,
    by_parent_guid: AHashMap<(String, String), Vec<String>>,
    by_parent_pid: AHashMap<(String, i64), Vec<String>>,
    max: usize,
    dropped: u64,
}

fn norm_guid(g: &str) -> String {
    g.trim_matches(['{', '}']).to_ascii_uppercase()
}

impl ProcessTree {
    /// A tree holding at most `max` processes.
    pub fn new(max: usize) -> ProcessTree {
        ProcessTree {
            max,
            ..ProcessTree::default()
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Creations not kept because the tree was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Adds a process creation.
    pub fn insert(
        &mut self,
        host: &str,
        child: ProcessRef,
        parent: ProcessRef,
        start: Option<Timestamp>,
        hashes: Option<String>,
    ) {
        let key = match (&child.guid, child.pid) {
            (Some(g), _) => format!("{host}|{}", norm_guid(g)),
            (None, Some(pid)) => format!(
                "{host}|{pid}|{}",
                start.map(|t| t.to_string()).unwrap_or_default()
            ),
            (None, None) => return,
        };
        if self.nodes.contains_key(&key) {
            return;
        }
        if self.nodes.len() >= self.max {
            self.dropped += 1;
            return;
        }
        let h = host.to_owned();
        if let Some(g) = &child.guid {
            self.by_guid.insert((h.clone(), norm_guid(g)), key.clone());
        }
        if let Some(pid) = child.pid {
            let list = self.by_pid.entry((h.clone(), pid)).or_default();
            let at = list.partition_point(|(t, _)| *t <= start);
            list.insert(at, (start, key.clone()));
        }
        if let Some(g) = &parent.guid {
            let list = self.by_parent_guid.entry((h.clone(), norm_guid(g)));
            list.or_default().push(key.clone());
        } else if let Some(pid) = parent.pid {
            self.by_parent_pid
                .entry((h.clone(), pid))
                .or_default()
                .push(key.clone());
        }
        let node = ProcNode {
            key: key.clone(),
            host: h,
            process: child,
            start,
            parent,
            hashes,
        };
        self.nodes.insert(key, node);
    }

    pub fn get(&self, key: &str) -> Option<&ProcNode> {
        self.nodes.get(key)
    }

    /// The process a reference names on a host at a time: by GUID, else
    /// the latest process of that pid started no later than `at`.
    pub fn find(&self, host: &str, p: &ProcessRef, at: Option<Timestamp>) -> Option<&ProcNode> {
        if let Some(g) = &p.guid
            && let Some(k) = self.by_guid.get(&(host.to_owned(), norm_guid(g)))
        {
            return self.nodes.get(k);
        }
        let list = self.by_pid.get(&(host.to_owned(), p.pid?))?;
        // A process started after `at` cannot be the one the event names.
        let cands = match at {
            Some(t) => &list[..list.partition_point(|(s, _)| s.is_none_or(|s| s <= t))],
            None => &list[..],
        };
        let (_, k) = cands.last()?;
        let node = self.nodes.get(k)?;
        // Different GUIDs are different processes, whatever the pid says.
        match (&p.guid, &node.process.guid) {
            (Some(a), Some(b)) if norm_guid(a) != norm_guid(b) => None,
            _ => Some(node),
        }
    }

    /// The parent of a process, when its creation was read.
    pub fn parent(&self, node: &ProcNode) -> Option<&ProcNode> {
        let p = self.find(&node.host, &node.parent, node.start)?;
        (p.key != node.key).then_some(p)
    }

    /// The ancestors of a process, oldest first.
    pub fn ancestors(&self, node: &ProcNode) -> Vec<&ProcNode> {
        let mut out: Vec<&ProcNode> = Vec::new();
        let mut cur = node;
        while out.len() < MAX_DEPTH {
            let Some(p) = self.parent(cur) else { break };
            if p.key == node.key || out.iter().any(|o| o.key == p.key) {
                break;
            }
            out.push(p);
            cur = p;
        }
        out.reverse();
        out
    }

    /// The processes a process started.
    pub fn children(&self, node: &ProcNode) -> Vec<&ProcNode> {
        let mut out: Vec<&ProcNode> = Vec::new();
        if let Some(g) = &node.process.guid
            && let Some(keys) = self.by_parent_guid.get(&(node.host.clone(), norm_guid(g)))
        {
            out.extend(keys.iter().filter_map(|k| self.nodes.get(k)));
        }
        if let Some(pid) = node.process.pid
            && let Some(keys) = self.by_parent_pid.get(&(node.host.clone(), pid))
        {
            for k in keys {
                if let Some(c) = self.nodes.get(k)
                    && self.parent(c).is_some_and(|p| p.key == node.key)
                {
                    out.push(c);
                }
            }
        }
        out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.key.cmp(&b.key)));
        out
    }

    /// The chain of the process a reference names: its ancestors, itself
    /// and its children. A process whose creation was not read is still
    /// shown, from what the event says of it and of its parent.
    pub fn chain(
        &self,
        host: &str,
        p: &ProcessRef,
        parent: Option<&ProcessRef>,
        at: Option<Timestamp>,
    ) -> ProcessChain {
        let entry = |n: &ProcNode| ChainEntry {
            process: n.process.clone(),
            start: n.start,
            seen_created: true,
            hashes: n.hashes.clone(),
        };
        let Some(node) = self.find(host, p, at) else {
            let ancestors = parent
                .filter(|pp| pp.image.is_some() || pp.pid.is_some())
                .map(|pp| match self.find(host, pp, at) {
                    Some(pn) => {
                        let mut a: Vec<ChainEntry> =
                            self.ancestors(pn).into_iter().map(entry).collect();
                        a.push(entry(pn));
                        a
                    }
                    None => vec![ChainEntry {
                        process: pp.clone(),
                        start: None,
                        seen_created: false,
                        hashes: None,
                    }],
                })
                .unwrap_or_default();
            return ProcessChain {
                ancestors,
                process: Some(ChainEntry {
                    process: p.clone(),
                    start: None,
                    seen_created: false,
                    hashes: None,
                }),
                children: Vec::new(),
            };
        };
        let anc = self.ancestors(node);
        let oldest = anc.first().copied().unwrap_or(node);
        let mut ancestors: Vec<ChainEntry> = Vec::with_capacity(anc.len() + 1);
        let named = oldest.parent.image.is_some() || oldest.parent.pid.is_some();
        if named && self.parent(oldest).is_none() {
            // The oldest known process names a parent whose creation was not read.
            ancestors.push(ChainEntry {
                process: oldest.parent.clone(),
                start: None,
                seen_created: false,
                hashes: None,
            });
        }
        ancestors.extend(anc.into_iter().map(entry));
        let children = self
            .children(node)
            .into_iter()
            .take(MAX_CHILDREN)
            .map(entry)
            .collect();
        ProcessChain {
            ancestors,
            process: Some(entry(node)),
            children,
        }
    }
}
