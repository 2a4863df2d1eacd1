//! The IPC timeline: per host, in time order, with bursts flagged.
//!
//! Burst rule. For each host, count IPC events per minute over the minutes
//! in which the host had any (silent minutes are left out, so that a host
//! seen for an hour in a day-long capture is judged on its active time).
//! Let `m` be the median of those counts and `MAD` their median absolute
//! deviation. A minute is a burst when its count reaches
//!
//! ```text
//! threshold = max(floor, ceil(m + k * max(1.4826 * MAD, 1)))
//! ```
//!
//! with `k = 3` and `floor = 10` by default. The median and MAD are robust:
//! the burst itself barely moves them. `1.4826 * MAD` estimates the standard
//! deviation of normal data; the `max(.., 1)` keeps a host whose every minute
//! has the same count from flagging a minute with one more event, and the
//! floor keeps a quiet host from flagging ten events. Adjacent burst minutes
//! form one burst.

use ahash::AHashMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ipc::IpcEvent;

/// The burst rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BurstRule {
    pub k: f64,
    pub floor: u64,
}

impl Default for BurstRule {
    fn default() -> Self {
        BurstRule { k: 3.0, floor: 10 }
    }
}

/// A run of burst minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Burst {
    pub start: Timestamp,
    /// The end of the last burst minute.
    pub end: Timestamp,
    pub events: u64,
    pub peak_per_minute: u64,
}

/// A host's per-minute statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateStats {
    pub active_minutes: usize,
    pub median: f64,
    pub mad: f64,
    pub threshold: u64,
}

/// One minute's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteCount {
    pub minute: Timestamp,
    pub count: u64,
}

/// An event of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub event: IpcEvent,
    /// Whether the event falls in a burst minute.
    pub burst: bool,
}

/// One host's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostTimeline {
    pub host: String,
    pub stats: RateStats,
    pub bursts: Vec<Burst>,
    pub minutes: Vec<MinuteCount>,
    pub events: Vec<TimelineEntry>,
}

/// Every host's timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub hosts: Vec<HostTimeline>,
    /// IPC events counted in the rates but not kept (the store was full).
    pub dropped_events: u64,
}

/// A timeline event as one flat row, for CSV and tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineRow {
    pub time: String,
    pub host: String,
    pub kind: &'static str,
    pub burst: bool,
    pub actor_image: String,
    pub actor_pid: Option<i64>,
    pub actor_user: String,
    pub actor_integrity: String,
    pub endpoint_kind: &'static str,
    /// The normalized endpoint name.
    pub endpoint: String,
    /// The endpoint as logged, when normalization changed it.
    pub endpoint_raw: String,
    pub endpoint_label: String,
    pub peer_image: String,
    pub peer_pid: Option<i64>,
    pub remote: String,
    pub detail: String,
    pub file: String,
    pub locator: String,
}

impl Timeline {
    /// Every event as a flat row: hosts in name order, events in time order.
    pub fn rows(&self) -> Vec<TimelineRow> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        self.hosts
            .iter()
            .flat_map(|h| h.events.iter())
            .map(|t| {
                let e = &t.event;
                TimelineRow {
                    time: e.time.map(|t| t.to_string()).unwrap_or_default(),
                    host: e.host.clone(),
                    kind: e.kind.as_str(),
                    burst: t.burst,
                    actor_image: s(&e.actor.image),
                    actor_pid: e.actor.pid,
                    actor_user: s(&e.actor.user),
                    actor_integrity: s(&e.actor.integrity),
                    endpoint_kind: e.endpoint.kind.as_str(),
                    endpoint: e.endpoint.name.clone(),
                    endpoint_raw: s(&e.endpoint.raw),
                    endpoint_label: s(&e.endpoint.label),
                    peer_image: e.peer.as_ref().map(|p| s(&p.image)).unwrap_or_default(),
                    peer_pid: e.peer.as_ref().and_then(|p| p.pid),
                    remote: s(&e.remote),
                    detail: s(&e.detail),
                    file: e.source.file.clone(),
                    locator: e.source.locator.clone(),
                }
            })
            .collect()
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The rate statistics and bursts of one host's per-minute counts (minute
/// numbers since the epoch, in any order).
pub fn detect_bursts(
    counts: &[(i64, u64)],
    rule: BurstRule,
) -> (RateStats, Vec<(i64, i64, u64, u64)>) {
    let mut values: Vec<f64> = counts.iter().map(|(_, c)| *c as f64).collect();
    values.sort_by(f64::total_cmp);
    let m = median(&values);
    let mut dev: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    let spread = (1.4826 * mad).max(1.0);
    let threshold = ((m + rule.k * spread).ceil() as u64).max(rule.floor);
    let mut minutes: Vec<(i64, u64)> = counts
        .iter()
        .copied()
        .filter(|(_, c)| *c >= threshold)
        .collect();
    minutes.sort_unstable();
    // Runs of adjacent burst minutes: (first minute, last minute, events, peak).
    let mut runs: Vec<(i64, i64, u64, u64)> = Vec::new();
    for (minute, c) in minutes {
        match runs.last_mut() {
            Some(r) if r.1 + 1 == minute => {
                r.1 = minute;
                r.2 += c;
                r.3 = r.3.max(c);
            }
            _ => runs.push((minute, minute, c, c)),
        }
    }
    let stats = RateStats {
        active_minutes: counts.len(),
        median: m,
        mad,
        threshold,
    };
    (stats, runs)
}

pub(crate) fn minute_of(t: Timestamp) -> i64 {
    t.as_second().div_euclid(60)
}

fn minute_start(m: i64) -> Timestamp {
    Timestamp::from_second(m.saturating_mul(60)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Per-minute IPC counts, per host then per minute number.
pub(crate) type MinuteCounts = AHashMap<String, AHashMap<i64, u64>>;

/// Counts one event of `host` at `t`; the host's name is copied only the
/// first time it is seen.
pub(crate) fn count_minute(counts: &mut MinuteCounts, host: &str, t: Timestamp) {
    let m = minute_of(t);
    match counts.get_mut(host) {
        Some(per_minute) => *per_minute.entry(m).or_default() += 1,
        None => {
            counts.insert(host.to_owned(), AHashMap::from_iter([(m, 1)]));
        }
    }
}

/// A host's per-minute counts, in minute order.
pub(crate) fn sorted_minutes(per_minute: &AHashMap<i64, u64>) -> Vec<(i64, u64)> {
    let mut mc: Vec<(i64, u64)> = per_minute.iter().map(|(m, c)| (*m, *c)).collect();
    mc.sort_unstable();
    mc
}

/// The bursts of runs found by [`detect_bursts`].
pub(crate) fn bursts_of(runs: &[(i64, i64, u64, u64)]) -> Vec<Burst> {
    runs.iter()
        .map(|(a, b, n, peak)| Burst {
            start: minute_start(*a),
            end: minute_start(b + 1),
            events: *n,
            peak_per_minute: *peak,
        })
        .collect()
}

/// Builds the timeline from kept events and the full per-minute counts.
pub(crate) fn build(
    events: &[IpcEvent],
    counts: &MinuteCounts,
    rule: BurstRule,
    dropped: u64,
) -> Timeline {
    let mut per_host: AHashMap<&str, Vec<(i64, u64)>> = counts
        .iter()
        .map(|(h, per_minute)| (h.as_str(), sorted_minutes(per_minute)))
        .collect();
    let mut by_host: AHashMap<&str, Vec<&IpcEvent>> = AHashMap::new();
    for e in events {
        by_host.entry(e.host.as_str()).or_default().push(e);
        per_host.entry(e.host.as_str()).or_default();
    }
    let mut hosts: Vec<HostTimeline> = per_host
        .into_iter()
        .map(|(host, mc)| {
            let (stats, runs) = detect_bursts(&mc, rule);
            let in_burst = |m: i64| runs.iter().any(|(a, b, _, _)| (*a..=*b).contains(&m));
            let mut evs: Vec<TimelineEntry> = by_host
                .remove(host)
                .unwrap_or_default()
                .into_iter()
                .map(|e| TimelineEntry {
                    burst: e.time.is_some_and(|t| in_burst(minute_of(t))),
                    event: e.clone(),
                })
                .collect();
            evs.sort_by_key(|e| e.event.time);
            HostTimeline {
                host: host.to_owned(),
                stats,
                bursts: bursts_of(&runs),
                minutes: mc
                    .into_iter()
                    .map(|(m, count)| MinuteCount {
                        minute: minute_start(m),
                        count,
                    })
                    .collect(),
                events: evs,
            }
        })
        .collect();
    hosts.sort_by(|a, b| a.host.cmp(&b.host));
    Timeline {
        hosts,
        dropped_events: dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_is_a_burst_and_steady_traffic_is_not() {
        // Ten quiet minutes of 2-4 events, then 40 and 35 events.
        let mut counts: Vec<(i64, u64)> = (0..10).map(|m| (m, 2 + (m as u64 % 3))).collect();
        counts.push((10, 40));
        counts.push((11, 35));
        let (stats, runs) = detect_bursts(&counts, BurstRule::default());
        assert_eq!(stats.median, 3.0);
        assert_eq!(stats.threshold, 10, "floor applies: {stats:?}");
        assert_eq!(runs, vec![(10, 11, 75, 40)]);
    }

    #[test]
    fn busy_hosts_get_a_higher_threshold() {
        // A host that always does 100-140 a minute: 150 is not a burst, 400 is.
        let mut counts: Vec<(i64, u64)> = (0..20).map(|m| (m, 100 + (m as u64 % 5) * 10)).collect();
        counts.push((30, 150));
        counts.push((40, 400));
        let (stats, runs) = detect_bursts(&counts, BurstRule::default());
        assert!(stats.threshold > 150 && stats.threshold < 400, "{stats:?}");
        assert_eq!(runs, vec![(40, 40, 400, 400)]);
    }

    #[test]
    fn a_flat_host_needs_more_than_one_extra_event() {
        let mut counts: Vec<(i64, u64)> = (0..30).map(|m| (m, 20)).collect();
        counts.push((31, 21));
        counts.push((32, 23));
        let (stats, runs) = detect_bursts(&counts, BurstRule::default());
        assert_eq!(stats.mad, 0.0);
        assert_eq!(stats.threshold, 23);
        assert_eq!(runs, vec![(32, 32, 23, 23)]);
    }
}
