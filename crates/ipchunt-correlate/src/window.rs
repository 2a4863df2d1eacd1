//! What one group keeps for its current window: the inputs of a counting
//! or metric correlation, or the latest sighting of each rule of a
//! temporal one.

use std::collections::VecDeque;
use std::sync::Arc;

use ahash::AHashMap;
use ipchunt_core::Event;

use crate::input::Part;
use crate::plan::Kind;

/// The value an input contributes to a counting or metric window.
pub(crate) enum NewVal<'a> {
    None,
    /// A value's key for `value_count`.
    Key(&'a str),
    Num(f64),
}

enum Val {
    None,
    Key(Arc<str>),
    Num(f64),
}

struct Entry {
    t: i128,
    part: Part,
    val: Val,
}

/// The inputs of one group's window, oldest first, with the running
/// distinct-value counts and sum.
#[derive(Default)]
pub(crate) struct CountWindow {
    entries: VecDeque<Entry>,
    distinct: AHashMap<Arc<str>, u32>,
    sum: f64,
    nums: usize,
}

impl CountWindow {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `part` is the newest input already (the same event matched
    /// by two of the referenced rules counts once).
    pub(crate) fn ends_with(&self, part: &Part) -> bool {
        self.entries.back().is_some_and(|e| e.part.same(part))
    }

    pub(crate) fn push(&mut self, t: i128, part: Part, val: NewVal<'_>) {
        let val = match val {
            NewVal::None => Val::None,
            NewVal::Num(x) => {
                self.sum += x;
                self.nums += 1;
                Val::Num(x)
            }
            NewVal::Key(k) => {
                let shared = match self.distinct.get_key_value(k) {
                    Some((shared, _)) => Arc::clone(shared),
                    None => Arc::from(k),
                };
                *self.distinct.entry(Arc::clone(&shared)).or_insert(0) += 1;
                Val::Key(shared)
            }
        };
        self.entries.push_back(Entry { t, part, val });
    }

    /// Drops the inputs older than `cutoff`.
    pub(crate) fn evict_before(&mut self, cutoff: i128) {
        while let Some(front) = self.entries.front() {
            if front.t >= cutoff {
                break;
            }
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            match e.val {
                Val::None => {}
                Val::Num(x) => {
                    self.sum -= x;
                    self.nums -= 1;
                }
                Val::Key(k) => {
                    if let Some(n) = self.distinct.get_mut(&k) {
                        *n -= 1;
                        if *n == 0 {
                            self.distinct.remove(&k);
                        }
                    }
                }
            }
        }
        if self.nums == 0 {
            // Start afresh so rounding errors do not pile up.
            self.sum = 0.0;
        }
    }

    /// The measured value: a count, a number of distinct values, a sum,
    /// an average or a percentile. `None` when there is nothing to
    /// measure (an average of no values).
    pub(crate) fn value(&self, kind: Kind, scratch: &mut Vec<f64>) -> Option<f64> {
        match kind {
            Kind::EventCount | Kind::Temporal | Kind::Ordered => Some(self.entries.len() as f64),
            Kind::ValueCount => Some(self.distinct.len() as f64),
            Kind::Sum => Some(self.sum),
            Kind::Avg => (self.nums > 0).then(|| self.sum / self.nums as f64),
            Kind::Percentile(p) => {
                scratch.clear();
                scratch.extend(self.entries.iter().filter_map(|e| match e.val {
                    Val::Num(x) => Some(x),
                    _ => None,
                }));
                percentile(scratch, p)
            }
        }
    }

    pub(crate) fn events(&self) -> Vec<Arc<Event>> {
        let mut out = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            e.part.extend_into(&mut out);
        }
        out
    }
}

/// The `p`-th percentile (0..=100) of `values`, interpolating linearly
/// between the closest ranks (the median of an even count is the mean of
/// the middle two). Reorders `values`; linear in their number.
pub(crate) fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = p.clamp(0.0, 100.0) / 100.0 * (values.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let (_, a, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    let frac = rank - lo as f64;
    if frac == 0.0 {
        return Some(a);
    }
    // The next rank is the least value above the selected one.
    let b = above.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    Some(a + (b - a) * frac)
}

/// For temporal correlations: per referenced rule, its latest sighting
/// (unordered), or the latest-starting in-order chain that ends with it.
pub(crate) struct TemporalWindow {
    last: Vec<Option<(i128, Part)>>,
    chain: Vec<Option<(i128, Vec<Part>)>>,
}

impl TemporalWindow {
    pub(crate) fn new(slots: usize, ordered: bool) -> Self {
        let (l, c) = if ordered { (0, slots) } else { (slots, 0) };
        TemporalWindow {
            last: (0..l).map(|_| None).collect(),
            chain: (0..c).map(|_| None).collect(),
        }
    }

    /// How many sightings and chains it holds.
    pub(crate) fn held(&self) -> usize {
        self.last.iter().flatten().count() + self.chain.iter().flatten().count()
    }

    pub(crate) fn sight(&mut self, slot: usize, t: i128, part: Part) {
        if let Some(s) = self.last.get_mut(slot) {
            *s = Some((t, part));
        }
    }

    /// How many referenced rules were seen at or after `cutoff`.
    pub(crate) fn seen_since(&self, cutoff: i128) -> usize {
        self.last
            .iter()
            .filter(|s| s.as_ref().is_some_and(|(t, _)| *t >= cutoff))
            .count()
    }

    /// Whether the rule in `slot` was seen at or after `cutoff`.
    pub(crate) fn seen_in(&self, slot: usize, cutoff: i128) -> bool {
        matches!(self.last.get(slot), Some(Some((t, _))) if *t >= cutoff)
    }

    /// The latest sightings at or after `cutoff`, oldest first.
    pub(crate) fn events_since(&self, cutoff: i128) -> Vec<Arc<Event>> {
        let mut seen: Vec<&(i128, Part)> = self
            .last
            .iter()
            .flatten()
            .filter(|(t, _)| *t >= cutoff)
            .collect();
        seen.sort_by_key(|(t, _)| *t);
        let mut out = Vec::with_capacity(seen.len());
        for (i, (_, part)) in seen.iter().enumerate() {
            if !seen[..i].iter().any(|(_, p)| p.same(part)) {
                part.extend_into(&mut out);
            }
        }
        out
    }

    /// Extends the in-order chains with a sighting of the rule in `slot`.
    /// Returns the whole chain when this sighting completes one that
    /// started at or after `cutoff`. Feed the slots of one input from the
    /// last to the first, so that one event does not fill two places.
    pub(crate) fn advance(&mut self, slot: usize, t: i128, part: Part, cutoff: i128) -> bool {
        let extended = if slot == 0 {
            Some((t, vec![part]))
        } else {
            match self.chain.get(slot - 1) {
                Some(Some((start, parts))) if *start >= cutoff => {
                    let mut parts = parts.clone();
                    parts.push(part);
                    Some((*start, parts))
                }
                _ => None,
            }
        };
        let Some(extended) = extended else {
            return false;
        };
        if let Some(s) = self.chain.get_mut(slot) {
            *s = Some(extended);
        }
        slot + 1 == self.chain.len()
    }

    /// Whether a chain through every referenced rule was seen.
    pub(crate) fn chain_done(&self) -> bool {
        matches!(self.chain.last(), Some(Some(_)))
    }

    pub(crate) fn chain_events(&self) -> Vec<Arc<Event>> {
        let mut out = Vec::new();
        if let Some(Some((_, parts))) = self.chain.last() {
            for p in parts {
                p.extend_into(&mut out);
            }
        }
        out
    }

    /// Forgets sightings and chains older than `cutoff`; true when
    /// nothing is left.
    pub(crate) fn expire(&mut self, cutoff: i128) -> bool {
        for s in &mut self.last {
            if s.as_ref().is_some_and(|(t, _)| *t < cutoff) {
                *s = None;
            }
        }
        for c in &mut self.chain {
            if c.as_ref().is_some_and(|(start, _)| *start < cutoff) {
                *c = None;
            }
        }
        self.last.iter().all(Option::is_none) && self.chain.iter().all(Option::is_none)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        assert_eq!(percentile(&mut [], 50.0), None);
        assert_eq!(percentile(&mut [3.0, 1.0, 2.0], 50.0), Some(2.0));
        assert_eq!(percentile(&mut [4.0, 1.0, 2.0, 3.0], 50.0), Some(2.5));
        assert_eq!(percentile(&mut [1.0, 2.0, 3.0, 4.0, 5.0], 0.0), Some(1.0));
        assert_eq!(percentile(&mut [1.0, 2.0, 3.0, 4.0, 5.0], 100.0), Some(5.0));
        assert_eq!(percentile(&mut [10.0, 20.0], 90.0), Some(19.0));
        assert_eq!(percentile(&mut [5.0, 1.0, 4.0, 2.0, 3.0], 25.0), Some(2.0));
        assert_eq!(percentile(&mut [7.0, 7.0, 1.0], 75.0), Some(7.0));
        let mut many: Vec<f64> = (0..101).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut many, 37.5), Some(37.5));
    }
}
