//! What runs for one event source: the rules its gate admits, and one
//! scanner per field over all their literals, run once per event. Hits of
//! trigger literals (the set one of which a rule's condition needs) make
//! their rule a candidate; the other hits are only recorded, for the
//! conditions of candidates to read (one pass over each field costs less
//! than a trigger pass followed by a second pass when a filter asks).

use ahash::AHashMap;
use ipchunt_core::{Event, SourceSpec};

use crate::condition::Oracle;
use crate::gate::Admitted;
use crate::literal::{FieldScanner, Sink};
use crate::pred::{Pred, PredId, Target};

#[derive(Debug, Default)]
pub(crate) struct Program {
    pub scanners: Vec<FieldScanner>,
    /// Rules to evaluate on every event of the source.
    pub always: Vec<u32>,
    /// Rules admitted only when the event also meets a source's `where`.
    pub checks: AHashMap<u32, Vec<SourceSpec>>,
    pub empty: bool,
}

/// The engine tables a program is built from.
pub(crate) struct Tables<'a> {
    pub preds: &'a [Pred],
    pub pred_rule: &'a [u32],
    pub pred_target: &'a [u32],
    pub scanned: &'a [bool],
    pub needs_hit: &'a [bool],
}

/// One scanner per target, in target id order.
fn scanners(groups: AHashMap<u32, Vec<(PredId, &Pred)>>) -> Vec<FieldScanner> {
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|g| g.0);
    groups
        .into_iter()
        .map(|(_, ps)| {
            let target = ps
                .first()
                .map(|(_, p)| p.target.clone())
                .unwrap_or(Target::Keywords);
            FieldScanner::build(target, &ps)
        })
        .collect()
}

impl Program {
    pub(crate) fn build(admitted: Admitted, t: &Tables<'_>) -> Program {
        let mut in_set = vec![false; t.needs_hit.len()];
        let mut always = Vec::new();
        for r in &admitted.rules {
            in_set[*r as usize] = true;
            if !t.needs_hit[*r as usize] {
                always.push(*r);
            }
        }
        let mut groups: AHashMap<u32, Vec<(PredId, &Pred)>> = AHashMap::new();
        for (i, p) in t.preds.iter().enumerate() {
            if t.scanned[i] && in_set[t.pred_rule[i] as usize] {
                groups
                    .entry(t.pred_target[i])
                    .or_default()
                    .push((i as PredId, p));
            }
        }
        Program {
            scanners: scanners(groups),
            always,
            checks: admitted.checks,
            empty: admitted.rules.is_empty(),
        }
    }
}

/// Runs a scanner over its field of the event.
pub(crate) fn scan(sc: &FieldScanner, ev: &Event, preds: &[Pred], sink: &mut impl Sink) {
    match &sc.field {
        Target::Field(f) => {
            if let Some(v) = f.get(ev) {
                sc.scan(v, preds, sink);
            }
        }
        Target::Keywords => {
            for (_, v) in ev.fields() {
                sc.scan(v.as_ref(), preds, sink);
            }
        }
    }
}

/// Per-event working memory; reused between events.
#[derive(Debug, Default)]
pub struct Scratch {
    bits: Vec<u64>,
    set: Vec<PredId>,
    marked: Vec<u64>,
    pub(crate) candidates: Vec<u32>,
}

impl Scratch {
    pub(crate) fn fit(&mut self, preds: usize, rules: usize) {
        self.bits.resize(preds.div_ceil(64), 0);
        self.marked.resize(rules.div_ceil(64), 0);
    }

    pub(crate) fn clear(&mut self) {
        for p in self.set.drain(..) {
            self.bits[(p / 64) as usize] = 0;
        }
        for r in self.candidates.drain(..) {
            self.marked[(r / 64) as usize] = 0;
        }
    }

    pub(crate) fn mark(&mut self, rule: u32) {
        let (w, b) = ((rule / 64) as usize, rule % 64);
        if self.marked[w] & (1 << b) == 0 {
            self.marked[w] |= 1 << b;
            self.candidates.push(rule);
        }
    }

    #[inline]
    fn bit(&self, p: PredId) -> bool {
        self.bits[(p / 64) as usize] & (1 << (p % 64)) != 0
    }

    /// Whether any bit of `lo..hi` is set.
    fn any_bit(&self, lo: PredId, hi: PredId) -> bool {
        let (lo, hi) = (lo as usize, hi as usize);
        if lo >= hi {
            return false;
        }
        let (first, last) = (lo / 64, (hi - 1) / 64);
        let Some(words) = self.bits.get(first..=last) else {
            return false;
        };
        let head = !0u64 << (lo % 64);
        let tail = !0u64 >> (63 - (hi - 1) % 64);
        let n = words.len();
        words.iter().enumerate().any(|(i, w)| {
            let mut m = !0u64;
            if i == 0 {
                m &= head;
            }
            if i == n - 1 {
                m &= tail;
            }
            w & m != 0
        })
    }
}

/// The scan's sink: sets predicate bits and marks the rules whose
/// condition needs one of them.
pub(crate) struct ScanSink<'a> {
    pub s: &'a mut Scratch,
    pub pred_rule: &'a [u32],
    pub trigger: &'a [bool],
}

impl Sink for ScanSink<'_> {
    #[inline]
    fn is_set(&self, p: PredId) -> bool {
        self.s.bit(p)
    }
    #[inline]
    fn set(&mut self, p: PredId) {
        self.s.bits[(p / 64) as usize] |= 1 << (p % 64);
        self.s.set.push(p);
        if self.trigger[p as usize] {
            self.s.mark(self.pred_rule[p as usize]);
        }
    }
}

/// Answers predicates during condition evaluation: scanned ones from the
/// bits of the event's scan, the others by testing the event.
pub(crate) struct EventOracle<'a> {
    pub ev: &'a Event,
    pub t: &'a Tables<'a>,
    pub s: &'a Scratch,
}

impl Oracle for EventOracle<'_> {
    fn any_in(&mut self, lo: PredId, hi: PredId) -> bool {
        self.s.any_bit(lo, hi)
    }

    fn pred(&mut self, p: PredId) -> bool {
        let i = p as usize;
        if self.t.scanned[i] {
            self.s.bit(p)
        } else {
            self.t.preds[i].eval(self.ev)
        }
    }
}
