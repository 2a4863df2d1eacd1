//! One correlation's running state: its groups and their windows.

use std::sync::Arc;

use ahash::AHashMap;
use ipchunt_core::{CorrelationInfo, Event};
use jiff::Timestamp;

use crate::input::{Input, decode_key};
use crate::plan::{Kind, Plan, Window};
use crate::window::{CountWindow, NewVal, TemporalWindow};

/// Buffers reused from input to input.
#[derive(Default)]
pub(crate) struct Scratch {
    key: String,
    val: String,
    nums: Vec<f64>,
}

/// Counters of inputs a correlation could not use.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Skips {
    pub missing_group: u64,
    pub missing_value: u64,
}

enum Body {
    Count(CountWindow),
    Temporal(TemporalWindow),
}

struct Group {
    /// No hit for this group at or before this time (one hit per window).
    quiet_until: i128,
    /// The start and end of the open window, when windows are judged
    /// complete (the end is inclusive).
    window_start: i128,
    window_end: Option<i128>,
    body: Body,
}

/// What feeding one input produced.
#[derive(Default)]
pub(crate) struct Fed {
    pub hit: Option<CorrelationInfo>,
    /// A complete-window group opened a window ending then (under that key).
    pub opened: Option<(i128, Box<str>)>,
}

pub(crate) struct CorrState {
    pub plan: Plan,
    groups: AHashMap<Box<str>, Group>,
    /// When eviction of idle groups is next due.
    pub next_sweep: i128,
}

impl CorrState {
    pub(crate) fn new(plan: Plan) -> Self {
        CorrState {
            plan,
            groups: AHashMap::new(),
            next_sweep: i128::MIN,
        }
    }

    pub(crate) fn groups(&self) -> usize {
        self.groups.len()
    }

    /// How many inputs its windows hold.
    pub(crate) fn held(&self) -> usize {
        self.groups
            .values()
            .map(|g| match &g.body {
                Body::Count(w) => w.len(),
                Body::Temporal(w) => w.held(),
            })
            .sum()
    }

    pub(crate) fn clear(&mut self) {
        self.groups.clear();
        self.next_sweep = i128::MIN;
    }

    /// Feeds one input, seen at `t`, for the referenced rule in `slot`.
    pub(crate) fn feed(
        &mut self,
        slot: usize,
        t: i128,
        input: Input<'_>,
        s: &mut Scratch,
        skips: &mut Skips,
    ) -> Fed {
        let plan = &self.plan;
        let (Some(gsrc), Some(vsrc)) = (plan.group_src.get(slot), plan.value_src.get(slot)) else {
            return Fed::default();
        };
        if !input.write_key(gsrc, &mut s.key) {
            skips.missing_group += 1;
            return Fed::default();
        }
        let val = match plan.kind {
            Kind::ValueCount if input.write_key(vsrc, &mut s.val) => NewVal::Key(&s.val),
            Kind::Sum | Kind::Avg | Kind::Percentile(_) => match vsrc.first() {
                Some(src) => match input.number(src) {
                    Some(x) => NewVal::Num(x),
                    None => NewVal::None,
                },
                None => NewVal::None,
            },
            _ => NewVal::None,
        };
        let needs_val = !matches!(plan.kind, Kind::EventCount | Kind::Temporal | Kind::Ordered);
        if needs_val && matches!(val, NewVal::None) {
            skips.missing_value += 1;
            return Fed::default();
        }
        if !self.groups.contains_key(s.key.as_str()) {
            let body = match plan.kind {
                Kind::Temporal => Body::Temporal(TemporalWindow::new(plan.refs.len(), false)),
                Kind::Ordered => Body::Temporal(TemporalWindow::new(plan.refs.len(), true)),
                _ => Body::Count(CountWindow::default()),
            };
            let group = Group {
                quiet_until: i128::MIN,
                window_start: t,
                window_end: None,
                body,
            };
            self.groups.insert(s.key.as_str().into(), group);
        }
        let Some(g) = self.groups.get_mut(s.key.as_str()) else {
            return Fed::default();
        };
        let part = input.part();
        if plan.complete_window {
            let mut fed = Fed::default();
            let new_end = match g.window_end {
                None => {
                    g.window_start = t;
                    Some(first_end(plan, t))
                }
                Some(end) => match plan.window {
                    Window::Session(gap) => {
                        let capped = g.window_start.saturating_add(plan.span);
                        Some(capped.min(t.saturating_add(gap))).filter(|e| *e > end)
                    }
                    Window::Sliding | Window::Tumbling => None,
                },
            };
            if let Some(end) = new_end {
                g.window_end = Some(end);
                fed.opened = Some((end, s.key.as_str().into()));
            }
            match &mut g.body {
                Body::Count(w) if !w.ends_with(&part) => w.push(t, part, val),
                Body::Count(_) => {}
                Body::Temporal(w) if plan.kind == Kind::Ordered => {
                    w.advance(slot, t, part, g.window_start);
                }
                Body::Temporal(w) => w.sight(slot, t, part),
            }
            return fed;
        }
        let cutoff = t.saturating_sub(plan.span);
        let (value, events) = match &mut g.body {
            Body::Count(w) => {
                w.evict_before(cutoff);
                if w.ends_with(&part) {
                    return Fed::default();
                }
                w.push(t, part, val);
                if t <= g.quiet_until {
                    return Fed::default();
                }
                match w.value(plan.kind, &mut s.nums) {
                    Some(v) if plan.cond.holds(v) => (v, w.events()),
                    _ => return Fed::default(),
                }
            }
            Body::Temporal(w) if plan.kind == Kind::Ordered => {
                if !w.advance(slot, t, part, cutoff) || t <= g.quiet_until {
                    return Fed::default();
                }
                (plan.refs.len() as f64, w.chain_events())
            }
            Body::Temporal(w) => {
                w.sight(slot, t, part);
                match temporal_value(plan, w, cutoff) {
                    Some(v) if t > g.quiet_until => (v, w.events_since(cutoff)),
                    _ => return Fed::default(),
                }
            }
        };
        g.quiet_until = t.saturating_add(plan.span);
        Fed {
            hit: Some(info(&s.key, &plan.group_names, value, events)),
            opened: None,
        }
    }

    /// Judges the complete window of the group under `key` that ends at
    /// `end`, and forgets it.
    pub(crate) fn close(
        &mut self,
        key: &str,
        end: i128,
        s: &mut Scratch,
    ) -> Option<CorrelationInfo> {
        if self.groups.get(key)?.window_end != Some(end) {
            return None;
        }
        let g = self.groups.remove(key)?;
        let plan = &self.plan;
        let (value, events) = match &g.body {
            Body::Count(w) => {
                let v = w
                    .value(plan.kind, &mut s.nums)
                    .filter(|v| plan.cond.holds(*v))?;
                (v, w.events())
            }
            Body::Temporal(w) if plan.kind == Kind::Ordered => {
                if !w.chain_done() {
                    return None;
                }
                (plan.refs.len() as f64, w.chain_events())
            }
            Body::Temporal(w) => (
                temporal_value(plan, w, i128::MIN)?,
                w.events_since(i128::MIN),
            ),
        };
        Some(info(key, &plan.group_names, value, events))
    }

    /// Forgets what has left the window ending at `now`, and groups left
    /// with nothing. Complete-window groups are left to [`Self::close`].
    pub(crate) fn sweep(&mut self, now: i128) {
        let cutoff = now.saturating_sub(self.plan.span);
        self.groups.retain(|_, g| {
            if g.window_end.is_some() {
                return true;
            }
            let empty = match &mut g.body {
                Body::Count(w) => {
                    w.evict_before(cutoff);
                    w.is_empty()
                }
                Body::Temporal(w) => w.expire(cutoff),
            };
            !empty || g.quiet_until >= now
        });
        self.next_sweep = now.saturating_add(self.plan.span.max(1));
    }
}

/// The number of rules seen at or after `cutoff`, when the temporal
/// condition (threshold or boolean) holds.
fn temporal_value(plan: &Plan, w: &TemporalWindow, cutoff: i128) -> Option<f64> {
    let v = w.seen_since(cutoff) as f64;
    let ok = match &plan.boolean {
        Some(b) => b.eval(&|slot| w.seen_in(slot, cutoff)),
        None => plan.cond.holds(v),
    };
    ok.then_some(v)
}

/// The inclusive end of a complete window opened by an input at `t`.
fn first_end(plan: &Plan, t: i128) -> i128 {
    match plan.window {
        Window::Sliding => t.saturating_add(plan.span),
        Window::Tumbling => {
            let start = t - t.rem_euclid(plan.span.max(1));
            start.saturating_add(plan.span.max(1) - 1)
        }
        Window::Session(gap) => t.saturating_add(plan.span.min(gap)),
    }
}

fn info(key: &str, names: &[String], value: f64, events: Vec<Arc<Event>>) -> CorrelationInfo {
    let times = || events.iter().filter_map(|e| e.prov.timestamp);
    let first: Option<Timestamp> = times().min();
    let last: Option<Timestamp> = times().max();
    CorrelationInfo {
        group: decode_key(key, names),
        value,
        first,
        last,
        events,
    }
}
