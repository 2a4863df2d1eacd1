//! The IPC baseline: which edges an estate shows, how often and on how many
//! hosts, kept in an SQLite file. Learning adds to what is there; comparing
//! finds edges never seen, or seen on very few hosts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ahash::AHashMap;
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::graph::{EdgeKey, EdgeKind, Graph};

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("baseline {path}: row {row}: unknown edge kind {kind:?}")]
    BadKind {
        path: PathBuf,
        row: i64,
        kind: String,
    },
    #[error("baseline {path}: schema version {found} is not supported (expected {SCHEMA_VERSION})")]
    Version { path: PathBuf, found: String },
}

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edges (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL,
    count INTEGER NOT NULL, first INTEGER, last INTEGER, runs INTEGER NOT NULL,
    PRIMARY KEY (src, kind, dst));
CREATE TABLE IF NOT EXISTS edge_hosts (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, host TEXT NOT NULL,
    PRIMARY KEY (src, kind, dst, host));
CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, runs INTEGER NOT NULL);
";

/// What a learning run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnStats {
    pub edges_new: u64,
    pub edges_updated: u64,
    pub hosts_new: u64,
    pub total_edges: u64,
    pub total_hosts: u64,
}

/// When an edge seen on few hosts counts as rare: the estate has at least
/// `min_total_hosts` hosts and the edge was seen on no more than
/// `max(1, floor(fraction * hosts))` of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RareRule {
    pub fraction: f64,
    pub min_total_hosts: u64,
}

impl Default for RareRule {
    fn default() -> Self {
        RareRule {
            fraction: 0.05,
            min_total_hosts: 3,
        }
    }
}

/// What the baseline knows of an edge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeStats {
    pub count: u64,
    pub hosts: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    /// The edge was never learned.
    NeverSeen,
    /// The edge was learned on very few of the estate's hosts.
    RareHosts,
}

/// How an edge stands against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineStatus {
    pub key: EdgeKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known: Option<EdgeStats>,
    pub total_hosts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deviation: Option<DeviationKind>,
}

/// An edge of a graph that deviates from the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deviation {
    pub status: BaselineStatus,
    pub observed_count: u64,
    pub observed_hosts: Vec<String>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// One sentence for the analyst.
    pub reason: String,
}

/// A baseline read into memory.
#[derive(Debug, Clone, Default)]
pub struct BaselineSnapshot {
    edges: AHashMap<EdgeKey, EdgeStats>,
    total_hosts: u64,
    pub rule: RareRule,
}

fn open(path: &Path) -> Result<Connection, BaselineError> {
    let err = |source| BaselineError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open(path).map_err(err)?;
    conn.execute_batch(SCHEMA).map_err(err)?;
    let version: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })
        .map_err(err)?;
    match version {
        None => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                [SCHEMA_VERSION],
            )
            .map_err(err)?;
        }
        Some(v) if v == SCHEMA_VERSION => {}
        Some(found) => {
            return Err(BaselineError::Version {
                path: path.to_owned(),
                found,
            });
        }
    }
    Ok(conn)
}

fn secs(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_second())
}

fn from_secs(s: Option<i64>) -> Option<Timestamp> {
    s.and_then(|s| Timestamp::from_second(s).ok())
}

struct Agg {
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    hosts: BTreeSet<String>,
}

fn aggregate(graph: &Graph) -> BTreeMap<EdgeKey, Agg> {
    let mut out: BTreeMap<EdgeKey, Agg> = BTreeMap::new();
    for e in &graph.edges {
        let a = out.entry(e.key.clone()).or_insert(Agg {
            count: 0,
            first: None,
            last: None,
            hosts: BTreeSet::new(),
        });
        a.count += e.count;
        a.first = match (a.first, e.first) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        a.last = a.last.max(e.last);
        a.hosts.extend(e.hosts.iter().cloned());
    }
    out
}

/// Adds a graph's edges to the baseline at `db_path` (created if missing).
/// Counts add up, first and last sightings widen, hosts accumulate; nothing
/// learned before is removed.
pub fn learn(db_path: &Path, graph: &Graph) -> Result<LearnStats, BaselineError> {
    let mut conn = open(db_path)?;
    let err = |source| BaselineError::Sqlite {
        path: db_path.to_owned(),
        source,
    };
    let tx = conn.transaction().map_err(err)?;
    let mut stats = LearnStats::default();
    {
        let mut exists = tx
            .prepare("SELECT 1 FROM edges WHERE src = ?1 AND kind = ?2 AND dst = ?3")
            .map_err(err)?;
        let mut upsert = tx
            .prepare(
                "INSERT INTO edges (src, kind, dst, count, first, last, runs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
                 ON CONFLICT (src, kind, dst) DO UPDATE SET
                   count = count + excluded.count,
                   first = CASE WHEN first IS NULL OR excluded.first < first
                                THEN excluded.first ELSE first END,
                   last = CASE WHEN last IS NULL OR excluded.last > last
                               THEN excluded.last ELSE last END,
                   runs = runs + 1",
            )
            .map_err(err)?;
        let mut host_edge = tx
            .prepare(
                "INSERT OR IGNORE INTO edge_hosts (src, kind, dst, host) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(err)?;
        let mut host_new = tx
            .prepare("INSERT OR IGNORE INTO hosts (host, runs) VALUES (?1, 0)")
            .map_err(err)?;
        let mut host_run = tx
            .prepare("UPDATE hosts SET runs = runs + 1 WHERE host = ?1")
            .map_err(err)?;
        let mut all_hosts: BTreeSet<&str> = BTreeSet::new();
        let agg = aggregate(graph);
        for (k, a) in &agg {
            let kind = k.kind.as_str();
            let known = exists.exists(params![k.src, kind, k.dst]).map_err(err)?;
            if known {
                stats.edges_updated += 1;
            } else {
                stats.edges_new += 1;
            }
            upsert
                .execute(params![
                    k.src,
                    kind,
                    k.dst,
                    a.count as i64,
                    secs(a.first),
                    secs(a.last)
                ])
                .map_err(err)?;
            for h in &a.hosts {
                host_edge
                    .execute(params![k.src, kind, k.dst, h])
                    .map_err(err)?;
                all_hosts.insert(h);
            }
        }
        for h in all_hosts {
            stats.hosts_new += host_new.execute([h]).map_err(err)? as u64;
            host_run.execute([h]).map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    stats.total_edges = conn
        .query_row("SELECT count(*) FROM edges", [], |r| r.get::<_, i64>(0))
        .map_err(err)? as u64;
    stats.total_hosts = conn
        .query_row("SELECT count(*) FROM hosts", [], |r| r.get::<_, i64>(0))
        .map_err(err)? as u64;
    Ok(stats)
}

/// Reads the baseline at `db_path` into memory.
pub fn load(db_path: &Path) -> Result<BaselineSnapshot, BaselineError> {
    let conn = open(db_path)?;
    let err = |source| BaselineError::Sqlite {
        path: db_path.to_owned(),
        source,
    };
    let mut stmt = conn
        .prepare(
            "SELECT e.rowid, e.src, e.kind, e.dst, e.count, e.first, e.last,
                    (SELECT count(*) FROM edge_hosts h
                      WHERE h.src = e.src AND h.kind = e.kind AND h.dst = e.dst)
             FROM edges e",
        )
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut edges = AHashMap::new();
    while let Some(r) = rows.next().map_err(err)? {
        let row: i64 = r.get(0).map_err(err)?;
        let kind_text: String = r.get(2).map_err(err)?;
        let kind = EdgeKind::parse(&kind_text).ok_or_else(|| BaselineError::BadKind {
            path: db_path.to_owned(),
            row,
            kind: kind_text.clone(),
        })?;
        let key = EdgeKey {
            src: r.get(1).map_err(err)?,
            kind,
            dst: r.get(3).map_err(err)?,
        };
        let count: i64 = r.get(4).map_err(err)?;
        let hosts: i64 = r.get(7).map_err(err)?;
        let stats = EdgeStats {
            count: count.max(0) as u64,
            hosts: hosts.max(0) as u64,
            first: from_secs(r.get(5).map_err(err)?),
            last: from_secs(r.get(6).map_err(err)?),
        };
        edges.insert(key, stats);
    }
    let total_hosts: i64 = conn
        .query_row("SELECT count(*) FROM hosts", [], |r| r.get(0))
        .map_err(err)?;
    Ok(BaselineSnapshot {
        edges,
        total_hosts: total_hosts.max(0) as u64,
        rule: RareRule::default(),
    })
}

/// Compares a graph with the baseline at `db_path`.
pub fn compare(db_path: &Path, graph: &Graph) -> Result<Vec<Deviation>, BaselineError> {
    Ok(load(db_path)?.compare(graph))
}

impl BaselineSnapshot {
    pub fn total_hosts(&self) -> u64 {
        self.total_hosts
    }

    pub fn len(&self) -> usize {
        self.edges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// How an edge stands against the baseline.
    pub fn status(&self, key: &EdgeKey) -> BaselineStatus {
        let known = self.edges.get(key).copied();
        let deviation = match known {
            None => Some(DeviationKind::NeverSeen),
            Some(s) => {
                let r = self.rule;
                let cut = ((r.fraction * self.total_hosts as f64).floor() as u64).max(1);
                (self.total_hosts >= r.min_total_hosts && s.hosts <= cut)
                    .then_some(DeviationKind::RareHosts)
            }
        };
        BaselineStatus {
            key: key.clone(),
            known,
            total_hosts: self.total_hosts,
            deviation,
        }
    }

    /// The edges of a graph that deviate, most hosts first, then by name.
    pub fn compare(&self, graph: &Graph) -> Vec<Deviation> {
        let mut out = Vec::new();
        for (key, a) in aggregate(graph) {
            let status = self.status(&key);
            let reason = match (status.deviation, status.known) {
                (Some(DeviationKind::NeverSeen), _) => {
                    format!("{key} was never seen in the baseline")
                }
                (Some(DeviationKind::RareHosts), Some(k)) => format!(
                    "{key} was seen on only {} of {} baseline hosts",
                    k.hosts, self.total_hosts
                ),
                _ => continue,
            };
            out.push(Deviation {
                status,
                observed_count: a.count,
                observed_hosts: a.hosts.into_iter().collect(),
                first: a.first,
                last: a.last,
                reason,
            });
        }
        out.sort_by(|a, b| {
            b.observed_hosts
                .len()
                .cmp(&a.observed_hosts.len())
                .then_with(|| a.status.key.cmp(&b.status.key))
        });
        out
    }
}
