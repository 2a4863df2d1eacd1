//! The correlator: routes rule matches to correlations in time order,
//! closes windows as time passes, and feeds hits to the correlations that
//! refer to them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use ahash::AHashMap;
use ipchunt_core::{CorrelationInfo, Event};
use jiff::Timestamp;

use crate::input::{HitInput, Input};
use crate::state::{CorrState, Scratch, Skips};
use crate::{CorrelationHit, CorrelatorStats};

/// Who receives what: immutable once built.
#[derive(Default)]
pub(crate) struct Routes {
    /// Base rule to the (correlation, slot) pairs that refer to it, by
    /// correlation, slots last to first.
    pub by_base: AHashMap<usize, Vec<(usize, usize)>>,
    /// Correlation to the (correlation, slot) pairs that refer to it.
    pub parents: Vec<Vec<(usize, usize)>>,
}

/// A complete window due to close: (end, sequence, correlation, group key).
type Close = Reverse<(i128, u64, usize, Box<str>)>;

/// The mutable side of the correlator.
#[derive(Default)]
pub(crate) struct Runtime {
    pub states: Vec<Option<CorrState>>,
    closes: BinaryHeap<Close>,
    seq: u64,
    pub clock: Option<i128>,
    next_sweep: i128,
    scratch: Scratch,
    pub skips: Skips,
    pub stats: CorrelatorStats,
}

pub(crate) fn nanos(ts: Timestamp) -> i128 {
    ts.as_nanosecond()
}

impl Runtime {
    pub(crate) fn new(states: Vec<Option<CorrState>>) -> Self {
        Runtime {
            states,
            next_sweep: i128::MIN,
            ..Runtime::default()
        }
    }

    /// Places an input in time: its timestamp, or the clock when it is
    /// older than what was already seen.
    pub(crate) fn place(&mut self, ts: Timestamp) -> i128 {
        let t = nanos(ts);
        match self.clock {
            Some(c) if t < c => {
                self.stats.late += 1;
                c
            }
            _ => t,
        }
    }

    /// Closes every complete window that ends before `t` (in order of
    /// their ends, feeding hits on), evicts what has aged out, and moves
    /// the clock to `t`.
    pub(crate) fn run_until(&mut self, routes: &Routes, t: i128, out: &mut Vec<CorrelationHit>) {
        while let Some(Reverse((end, _, _, _))) = self.closes.peek()
            && *end < t
        {
            let Some(Reverse((end, _, c, key))) = self.closes.pop() else {
                break;
            };
            self.clock = Some(self.clock.map_or(end, |k| k.max(end)));
            let info = match self.states.get_mut(c) {
                Some(Some(st)) => st.close(&key, end, &mut self.scratch),
                _ => None,
            };
            if let Some(info) = info {
                self.emit(routes, c, info, end, out);
            }
        }
        if t >= self.next_sweep && t != i128::MAX {
            let mut next = i128::MAX;
            for st in self.states.iter_mut().flatten() {
                if st.plan.complete_window {
                    continue;
                }
                if t >= st.next_sweep {
                    st.sweep(t);
                }
                next = next.min(st.next_sweep);
            }
            self.next_sweep = next;
        }
        if t != i128::MAX {
            self.clock = Some(self.clock.map_or(t, |k| k.max(t)));
        }
    }

    /// Feeds one input to one correlation's slot.
    pub(crate) fn deliver(
        &mut self,
        routes: &Routes,
        (c, slot): (usize, usize),
        t: i128,
        input: Input<'_>,
        out: &mut Vec<CorrelationHit>,
    ) {
        let Some(Some(st)) = self.states.get_mut(c) else {
            return;
        };
        let fed = st.feed(slot, t, input, &mut self.scratch, &mut self.skips);
        if let Some((end, key)) = fed.opened {
            self.seq += 1;
            self.closes.push(Reverse((end, self.seq, c, key)));
        }
        if let Some(info) = fed.hit {
            self.emit(routes, c, info, t, out);
        }
    }

    /// Records a hit and feeds it to the correlations that refer to it.
    fn emit(
        &mut self,
        routes: &Routes,
        c: usize,
        info: CorrelationInfo,
        t: i128,
        out: &mut Vec<CorrelationHit>,
    ) {
        self.stats.hits += 1;
        let parents = routes.parents.get(c).map(Vec::as_slice).unwrap_or(&[]);
        let input = (!parents.is_empty()).then(|| HitInput {
            group: info.group.clone(),
            events: info.events.iter().cloned().collect::<Arc<[Arc<Event>]>>(),
        });
        out.push(CorrelationHit {
            correlation: c,
            info,
        });
        if let Some(input) = input {
            for &target in parents {
                self.deliver(routes, target, t, Input::Hit(&input), out);
            }
        }
    }

    /// Closes every open window and forgets all state.
    pub(crate) fn finish(&mut self, routes: &Routes, out: &mut Vec<CorrelationHit>) {
        self.run_until(routes, i128::MAX, out);
        for st in self.states.iter_mut().flatten() {
            st.clear();
        }
        self.closes.clear();
        self.clock = None;
        self.next_sweep = i128::MIN;
    }

    pub(crate) fn open_groups(&self) -> (usize, usize) {
        let states = || self.states.iter().flatten();
        (
            states().map(CorrState::groups).sum(),
            states().map(CorrState::held).sum(),
        )
    }
}
