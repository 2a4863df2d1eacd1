//! Who talks to whom: processes (by image, user and integrity level) and
//! endpoints, joined by create, connect, access and spawn edges with their
//! counts, first and last sighting, and hosts.

use std::collections::BTreeSet;

use ahash::AHashMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ipc::{Endpoint, IpcEvent, IpcKind, ProcessRef};
use crate::normalize;

/// What an edge does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    Create,
    Connect,
    Access,
    Spawn,
}

impl EdgeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EdgeKind::Create => "create",
            EdgeKind::Connect => "connect",
            EdgeKind::Access => "access",
            EdgeKind::Spawn => "spawn",
        }
    }

    pub fn parse(s: &str) -> Option<EdgeKind> {
        Some(match s {
            "create" => EdgeKind::Create,
            "connect" => EdgeKind::Connect,
            "access" => EdgeKind::Access,
            "spawn" => EdgeKind::Spawn,
            _ => return None,
        })
    }
}

/// A node: a process or an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    /// `process`, or the endpoint kind (`pipe`, `com`, `socket`...).
    pub kind: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The node's name in baselines: a normalized image or an endpoint key.
    pub baseline_name: String,
}

/// An edge, identified for baselines by the names of its ends.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EdgeKey {
    pub src: String,
    pub kind: EdgeKind,
    pub dst: String,
}

impl std::fmt::Display for EdgeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -{}-> {}", self.src, self.kind.as_str(), self.dst)
    }
}

/// An edge of the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub hosts: Vec<String>,
    /// The IPC kinds behind the edge.
    pub ipc_kinds: Vec<IpcKind>,
    pub key: EdgeKey,
}

/// The IPC graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Edges not kept because the graph was full.
    pub dropped_edges: u64,
}

/// The name a process image has in baselines: lower case, user profile
/// folders and version numbers replaced by placeholders.
pub fn image_name(image: &str) -> String {
    let lower = image.to_ascii_lowercase().replace('/', "\\");
    let unix = image.starts_with('/');
    let mut parts: Vec<String> = lower.split('\\').map(str::to_owned).collect();
    for i in 1..parts.len() {
        let prev = parts[i - 1].as_str();
        if (prev == "users" || prev == "home") && i + 1 < parts.len() {
            parts[i] = "<user>".into();
        }
    }
    let joined = parts.join(if unix { "/" } else { "\\" });
    normalize::path(&joined)
}

/// One end of an edge, borrowed from the event; its [`Node`] is built only
/// when the graph first sees it.
#[derive(Clone, Copy)]
enum End<'a> {
    Proc(&'a ProcessRef, &'static str),
    Ep(&'a Endpoint),
}

impl End<'_> {
    fn id(&self) -> String {
        let mut id = String::new();
        self.write_id(&mut id);
        id
    }

    /// Writes the node id into `out` (cleared first): `proc:` and the
    /// image, user and integrity in lower case, or `ep:` and the endpoint key.
    fn write_id(&self, out: &mut String) {
        out.clear();
        match self {
            End::Proc(p, stand_in) => {
                let image = p.image.as_deref().unwrap_or(stand_in);
                out.push_str("proc:");
                for part in [Some(image), p.user.as_deref(), p.integrity.as_deref()] {
                    out.extend(part.unwrap_or("").chars().map(|c| c.to_ascii_lowercase()));
                    out.push('|');
                }
                out.pop();
            }
            End::Ep(e) => {
                out.push_str("ep:");
                e.write_key(out);
            }
        }
    }

    fn node(&self, id: String) -> Node {
        match self {
            End::Proc(p, stand_in) => Node {
                id,
                kind: "process".into(),
                label: p.image.clone().unwrap_or_else(|| (*stand_in).to_owned()),
                user: p.user.clone(),
                integrity: p.integrity.clone(),
                baseline_name: match &p.image {
                    Some(i) => image_name(i),
                    None => (*stand_in).to_owned(),
                },
            },
            End::Ep(e) => Node {
                id,
                kind: e.kind.as_str().into(),
                label: match &e.label {
                    Some(l) => format!("{l} {}", e.name),
                    None => e.name.clone(),
                },
                user: None,
                integrity: None,
                baseline_name: e.key(),
            },
        }
    }
}

fn ends(e: &IpcEvent) -> Vec<(End<'_>, EdgeKind, End<'_>)> {
    let stand_in = match e.kind {
        IpcKind::IpcShare => "(remote client)",
        _ => "(unknown process)",
    };
    let actor = End::Proc(&e.actor, stand_in);
    let peer = e.peer.as_ref().map(|p| End::Proc(p, "(unknown process)"));
    let ep = End::Ep(&e.endpoint);
    match (e.kind, peer) {
        (IpcKind::PipeCreated, _) => vec![(actor, EdgeKind::Create, ep)],
        (IpcKind::ProcessAccess, Some(peer)) => vec![(actor, EdgeKind::Access, peer)],
        (IpcKind::Spawn, Some(peer)) => vec![(actor, EdgeKind::Spawn, peer)],
        (IpcKind::ComLaunch, Some(peer)) => {
            vec![(actor, EdgeKind::Spawn, peer), (peer, EdgeKind::Create, ep)]
        }
        (IpcKind::ComChild | IpcKind::DdeChild, Some(peer)) => vec![
            (actor, EdgeKind::Create, ep),
            (actor, EdgeKind::Spawn, peer),
        ],
        _ => vec![(actor, EdgeKind::Connect, ep)],
    }
}

/// The edges one IPC event stands for.
pub fn edges_of(e: &IpcEvent) -> Vec<(Node, EdgeKind, Node)> {
    ends(e)
        .into_iter()
        .map(|(a, k, b)| (a.node(a.id()), k, b.node(b.id())))
        .collect()
}

#[derive(Debug)]
struct Acc {
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    hosts: BTreeSet<String>,
    kinds: BTreeSet<IpcKind>,
    key: EdgeKey,
}

/// Builds a [`Graph`] from IPC events, holding at most `max_edges` edges.
/// Nodes are numbered as first seen; an event's ends are looked up by id
/// written into one reused buffer, so a known edge costs no allocation.
#[derive(Debug)]
pub struct GraphBuilder {
    nodes: Vec<Node>,
    node_index: AHashMap<String, usize>,
    edges: AHashMap<(usize, EdgeKind, usize), Acc>,
    max_edges: usize,
    dropped: u64,
    scratch: String,
}

impl GraphBuilder {
    pub fn new(max_edges: usize) -> GraphBuilder {
        GraphBuilder {
            nodes: Vec::new(),
            node_index: AHashMap::new(),
            edges: AHashMap::new(),
            max_edges,
            dropped: 0,
            scratch: String::new(),
        }
    }

    fn find(&mut self, end: &End<'_>) -> Option<usize> {
        end.write_id(&mut self.scratch);
        self.node_index.get(self.scratch.as_str()).copied()
    }

    fn node_of(&mut self, end: &End<'_>) -> usize {
        if let Some(i) = self.find(end) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(end.node(self.scratch.clone()));
        self.node_index.insert(self.scratch.clone(), i);
        i
    }

    pub fn add(&mut self, e: &IpcEvent) {
        for (from, kind, to) in ends(e) {
            let known = match (self.find(&from), self.find(&to)) {
                (Some(a), Some(b)) => Some((a, kind, b)).filter(|k| self.edges.contains_key(k)),
                _ => None,
            };
            let key = match known {
                Some(k) => k,
                None if self.edges.len() >= self.max_edges => {
                    self.dropped += 1;
                    continue;
                }
                None => (self.node_of(&from), kind, self.node_of(&to)),
            };
            let nodes = &self.nodes;
            let acc = self.edges.entry(key).or_insert_with(|| Acc {
                count: 0,
                first: None,
                last: None,
                hosts: BTreeSet::new(),
                kinds: BTreeSet::new(),
                key: EdgeKey {
                    src: nodes[key.0].baseline_name.clone(),
                    kind,
                    dst: nodes[key.2].baseline_name.clone(),
                },
            });
            acc.count += 1;
            if let Some(t) = e.time {
                acc.first = Some(acc.first.map_or(t, |f| f.min(t)));
                acc.last = Some(acc.last.map_or(t, |l| l.max(t)));
            }
            if !acc.hosts.contains(&e.host) {
                acc.hosts.insert(e.host.clone());
            }
            acc.kinds.insert(e.kind);
        }
    }

    /// The graph so far, nodes and edges in a stable order.
    pub fn graph(&self) -> Graph {
        let mut nodes: Vec<Node> = self.nodes.clone();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut edges: Vec<Edge> = self
            .edges
            .iter()
            .map(|((from, kind, to), a)| Edge {
                from: self.nodes[*from].id.clone(),
                to: self.nodes[*to].id.clone(),
                kind: *kind,
                count: a.count,
                first: a.first,
                last: a.last,
                hosts: a.hosts.iter().cloned().collect(),
                ipc_kinds: a.kinds.iter().copied().collect(),
                key: a.key.clone(),
            })
            .collect();
        edges.sort_by(|a, b| (&a.from, a.kind, &a.to).cmp(&(&b.from, b.kind, &b.to)));
        Graph {
            nodes,
            edges,
            dropped_edges: self.dropped,
        }
    }
}
