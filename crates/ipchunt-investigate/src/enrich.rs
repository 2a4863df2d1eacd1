//! Detections with their investigation: process chain, surrounding IPC,
//! baseline standing and escalation.

use ahash::AHashMap;
use ipchunt_core::{Detection, Level};
use jiff::Timestamp;
use serde::Serialize;

use crate::baseline::BaselineStatus;
use crate::context::{ContextEvent, SignatureInfo};
use crate::escalate::{self, Escalation, Facts};
use crate::fields::host_of;
use crate::graph::{EdgeKey, EdgeKind, edges_of, image_name};
use crate::ipc::{IpcEvent, IpcKind, ProcessRef};
use crate::sources::{Source, source_of};
use crate::timeline::{Burst, bursts_of, detect_bursts, sorted_minutes};
use crate::tree::ProcessChain;
use crate::{Investigation, spawn};

/// A detection as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionView {
    pub rule_id: String,
    pub title: String,
    /// The file the rule came from (`builtin:<path>` for the built-in pack).
    pub rule_file: String,
    pub level: Level,
    pub techniques: Vec<String>,
    pub tags: Vec<String>,
    pub host: String,
    pub time: Option<Timestamp>,
    pub source: Source,
    /// Fields and values that matched.
    pub matched: Vec<(String, String)>,
    /// The event, fields under canonical names.
    pub event: serde_json::Value,
    /// For a correlation, how many events took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_events: Option<usize>,
}

/// A detection with its investigation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enriched {
    pub detection: DetectionView,
    /// The detection's event as IPC, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc: Option<IpcEvent>,
    pub chain: ProcessChain,
    /// IPC on the same host around the detection, in time order (empty
    /// from [`crate::Investigation::assess`]).
    pub window: Vec<IpcEvent>,
    /// How the detection's edges stand against the baseline (empty without one).
    pub baseline: Vec<BaselineStatus>,
    pub escalation: Escalation,
}

/// Indices of items per host, in time order.
fn by_host<T>(
    items: &[T],
    host: impl Fn(&T) -> &str,
    time: impl Fn(&T) -> Option<Timestamp>,
) -> AHashMap<String, Vec<(Timestamp, usize)>> {
    let mut out: AHashMap<String, Vec<(Timestamp, usize)>> = AHashMap::new();
    for (i, it) in items.iter().enumerate() {
        if let Some(t) = time(it) {
            out.entry(host(it).to_owned()).or_default().push((t, i));
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

fn in_window(
    list: Option<&Vec<(Timestamp, usize)>>,
    at: Timestamp,
    span: jiff::SignedDuration,
) -> &[(Timestamp, usize)] {
    let Some(list) = list else { return &[] };
    let lo = at.checked_sub(span).unwrap_or(at);
    let hi = at.checked_add(span).unwrap_or(at);
    let a = list.partition_point(|(t, _)| *t < lo);
    let b = list.partition_point(|(t, _)| *t <= hi);
    &list[a..b]
}

/// What enrichment looks up, built from the observed events once and kept
/// until the next event is observed (detections are enriched in chunks).
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// IPC events per host, by time.
    ipc: AHashMap<String, Vec<(Timestamp, usize)>>,
    /// Context events per host, by time.
    context: AHashMap<String, Vec<(Timestamp, usize)>>,
    bursts: AHashMap<String, Vec<Burst>>,
}

impl Index {
    fn build(inv: &Investigation) -> Index {
        let bursts = inv
            .minute_counts
            .iter()
            .map(|(h, per_minute)| {
                let (_, runs) = detect_bursts(&sorted_minutes(per_minute), inv.config.burst);
                (h.clone(), bursts_of(&runs))
            })
            .collect();
        Index {
            ipc: by_host(&inv.ipc, |e| e.host.as_str(), |e| e.time),
            context: by_host(&inv.context, |c| c.host.as_str(), |c| c.time),
            bursts,
        }
    }
}

/// `full`: also keep what only a report page shows (the IPC window around
/// each detection and its event as JSON); the escalation is the same.
pub(crate) fn enrich(inv: &Investigation, detections: &[Detection], full: bool) -> Vec<Enriched> {
    let f = &inv.fields;
    let span = inv.config.window;
    let idx = inv.index.get_or_init(|| Index::build(inv));
    let (ipc_idx, ctx_idx, bursts) = (&idx.ipc, &idx.context, &idx.bursts);

    let mut out = Vec::with_capacity(detections.len());
    for d in detections {
        let ev = &*d.event;
        let host = host_of(ev);
        let time = ev.prov.timestamp;
        let src = source_of(ev);
        let ipc = inv.classify(ev);
        let (subject, parent): (ProcessRef, Option<ProcessRef>) = match &ipc {
            Some(e) if e.kind.is_process_creation() => {
                (e.peer.clone().unwrap_or_default(), Some(e.actor.clone()))
            }
            Some(e) => (e.actor.clone(), None),
            None => {
                let (child, parent) = spawn::processes(ev, f);
                (child, Some(parent))
            }
        };
        let chain = inv.tree.chain(&host, &subject, parent.as_ref(), time);

        let (window, context): (Vec<&IpcEvent>, Vec<&ContextEvent>) = match time {
            Some(t) => {
                let mut near: Vec<(jiff::SignedDuration, &IpcEvent)> =
                    in_window(ipc_idx.get(&host), t, span)
                        .iter()
                        .map(|(et, i)| (et.duration_since(t).abs(), &inv.ipc[*i]))
                        .filter(|(_, e)| e.source != src)
                        .collect();
                near.sort_by_key(|(d, _)| *d);
                near.truncate(inv.config.window_events);
                let mut w: Vec<&IpcEvent> = near.into_iter().map(|(_, e)| e).collect();
                w.sort_by_key(|e| e.time);
                let c = in_window(ctx_idx.get(&host), t, span)
                    .iter()
                    .map(|(_, i)| &inv.context[*i])
                    .collect();
                (w, c)
            }
            None => (Vec::new(), Vec::new()),
        };

        let mut images: Vec<String> = chain
            .all()
            .filter_map(|c| c.process.image.as_deref().map(str::to_ascii_lowercase))
            .collect();
        images.extend(subject.image.as_deref().map(str::to_ascii_lowercase));
        images.extend(
            ipc.as_ref()
                .and_then(|e| e.actor.image.as_deref())
                .map(str::to_ascii_lowercase),
        );
        images.sort();
        images.dedup();
        let signatures: Vec<(String, SignatureInfo)> = images
            .iter()
            .filter_map(|i| inv.signatures.get(i).map(|s| (i.clone(), s.clone())))
            .collect();
        let mut hashes: Vec<(String, String)> = chain
            .all()
            .filter_map(|c| Some((c.process.label(), c.hashes.clone()?)))
            .collect();
        if let Some(h) = f.hashes.string(ev) {
            hashes.push((subject.label(), h));
        }

        let statuses: Vec<BaselineStatus> = match &inv.baseline {
            Some(b) => edge_keys(ipc.as_ref(), &subject, parent.as_ref())
                .iter()
                .map(|k| b.status(k))
                .collect(),
            None => Vec::new(),
        };
        let near_bursts: Vec<Burst> = match time {
            Some(t) => bursts
                .get(host.as_str())
                .map(|v| {
                    v.iter()
                        .filter(|b| {
                            b.start <= t.checked_add(span).unwrap_or(t)
                                && b.end >= t.checked_sub(span).unwrap_or(t)
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        // IPC$ access names its client by nature; the lateral movement check
        // judges it by account and pipe instead.
        let share = ipc.as_ref().is_some_and(|e| e.kind == IpcKind::IpcShare);
        let remote = f
            .ip_address
            .string(ev)
            .or_else(|| ipc.as_ref().and_then(|e| e.remote.clone()))
            .filter(|_| !share);
        let facts = Facts {
            level: d.rule.level,
            techniques: &d.rule.techniques,
            host: &host,
            ipc: ipc.as_ref(),
            subject: &subject,
            chain: &chain,
            window: &window,
            context: &context,
            signatures: &signatures,
            event_unsigned: unsigned_note(ev, f, &subject),
            hashes: &hashes,
            ioc: inv.ioc.as_ref(),
            baseline: inv.baseline.as_ref().map(|_| statuses.as_slice()),
            bursts: &near_bursts,
            event_remote: remote.as_deref(),
        };
        let escalation = escalate::assess(&facts);
        out.push(Enriched {
            detection: DetectionView {
                rule_id: d.rule.id.clone(),
                title: d.rule.title.clone(),
                rule_file: d.rule.file.clone(),
                level: d.rule.level,
                techniques: d.rule.techniques.clone(),
                tags: d.rule.tags.clone(),
                host,
                time,
                source: src,
                matched: d.matched.clone(),
                event: if full {
                    ev.to_json(&inv.tax)
                } else {
                    serde_json::Value::Null
                },
                correlation_events: d.correlation.as_ref().map(|c| c.events.len()),
            },
            ipc,
            chain,
            window: if full {
                window.into_iter().cloned().collect()
            } else {
                Vec::new()
            },
            baseline: statuses,
            escalation,
        });
    }
    out
}

/// What the event says of an unsigned image: Sysmon's `Signed: false`, or
/// for macOS Endpoint Security a process that is not a platform binary and
/// carries no Team ID (ad hoc signed or unsigned).
fn unsigned_note(
    ev: &ipchunt_core::Event,
    f: &crate::fields::Fields,
    subject: &ProcessRef,
) -> Option<String> {
    if f.signed
        .text(ev)
        .is_some_and(|s| s.eq_ignore_ascii_case("false"))
    {
        return Some("the detection event reports Signed: false".into());
    }
    let platform = f.platform_binary.text(ev)?;
    let team = f.team_id.text(ev);
    (platform.eq_ignore_ascii_case("false") && team.is_none()).then(|| {
        format!(
            "{} is not a platform binary and has no Team ID (ad hoc signed or unsigned)",
            subject.label()
        )
    })
}

/// The baseline edges a detection stands for: its IPC event's edges, or the
/// spawn of its process by its parent.
fn edge_keys(
    ipc: Option<&IpcEvent>,
    subject: &ProcessRef,
    parent: Option<&ProcessRef>,
) -> Vec<EdgeKey> {
    if let Some(e) = ipc {
        return edges_of(e)
            .into_iter()
            .map(|(a, kind, b)| EdgeKey {
                src: a.baseline_name,
                kind,
                dst: b.baseline_name,
            })
            .collect();
    }
    match (
        parent.and_then(|p| p.image.as_deref()),
        subject.image.as_deref(),
    ) {
        (Some(p), Some(c)) => vec![EdgeKey {
            src: image_name(p),
            kind: EdgeKind::Spawn,
            dst: image_name(c),
        }],
        _ => Vec::new(),
    }
}
