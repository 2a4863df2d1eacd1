//! What runs for one event source: the rules its gate admits, and two
//! scanner sets over their fields. Trigger scanners hold the literals that
//! make a rule worth evaluating and run on every event; the other scanners
//! hold the admitted rules' remaining literals and run on a field only when
//! a rule being evaluated asks for one of them (typically a filter), at
//! most once per event.

use ahash::AHashMap;
use ipchunt_core::{Event, SourceSpec};

use crate::condition::Oracle;
use crate::gate::Admitted;
use crate::literal::{FieldScanner, Sink};
use crate::pred::{Pred, PredId, Target};

const NONE: u32 = u32::MAX;

#[derive(Debug, Default)]
pub(crate) struct Program {
    pub trig: Vec<FieldScanner>,
    /// Scanners of the non-trigger literals, by target.
    pub full: Vec<FieldScanner>,
    /// Per target id: its full scanner, or `NONE`.
    pub full_of: Vec<u32>,
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
    pub targets: usize,
    pub scanned: &'a [bool],
    pub trigger: &'a [bool],
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
        let mut trig: AHashMap<u32, Vec<(PredId, &Pred)>> = AHashMap::new();
        let mut full: AHashMap<u32, Vec<(PredId, &Pred)>> = AHashMap::new();
        for (i, p) in t.preds.iter().enumerate() {
            if !t.scanned[i] || !in_set[t.pred_rule[i] as usize] {
                continue;
            }
            let tid = t.pred_target[i];
            let set = if t.trigger[i] { &mut trig } else { &mut full };
            set.entry(tid).or_default().push((i as PredId, p));
        }
        let mut tids: Vec<u32> = full.keys().copied().collect();
        tids.sort_unstable();
        let mut full_of = vec![NONE; t.targets];
        for (k, tid) in tids.iter().enumerate() {
            full_of[*tid as usize] = k as u32;
        }
        Program {
            trig: scanners(trig),
            full: scanners(full),
            full_of,
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
    /// Full scanners already run on this event.
    done: Vec<u32>,
    done_bits: Vec<u64>,
}

impl Scratch {
    pub(crate) fn fit(&mut self, preds: usize, rules: usize, scanners: usize) {
        self.bits.resize(preds.div_ceil(64), 0);
        self.marked.resize(rules.div_ceil(64), 0);
        if self.done_bits.len() < scanners.div_ceil(64) {
            self.done_bits.resize(scanners.div_ceil(64), 0);
        }
    }

    pub(crate) fn clear(&mut self) {
        for p in self.set.drain(..) {
            self.bits[(p / 64) as usize] = 0;
        }
        for r in self.candidates.drain(..) {
            self.marked[(r / 64) as usize] = 0;
        }
        for d in self.done.drain(..) {
            self.done_bits[(d / 64) as usize] = 0;
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

/// The scan's sink: sets predicate bits and, during the trigger scan, marks
/// the rules whose condition needs one of them.
pub(crate) struct ScanSink<'a> {
    pub s: &'a mut Scratch,
    pub pred_rule: &'a [u32],
    /// `None` during lazy full scans (no new candidates then).
    pub trigger: Option<&'a [bool]>,
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
        if let Some(t) = self.trigger
            && t[p as usize]
        {
            self.s.mark(self.pred_rule[p as usize]);
        }
    }
}

/// Answers predicates during condition evaluation, scanning a field in
/// full the first time one of its non-trigger literals is asked for.
pub(crate) struct EventOracle<'a> {
    pub ev: &'a Event,
    pub t: &'a Tables<'a>,
    pub prog: &'a Program,
    pub s: &'a mut Scratch,
}

impl Oracle for EventOracle<'_> {
    fn any_in(&mut self, lo: PredId, hi: PredId) -> bool {
        // All on one target: asking for the first runs that target's lazy
        // scan when needed, after which every bit of the range is final.
        self.pred(lo) || self.s.any_bit(lo + 1, hi)
    }

    fn pred(&mut self, p: PredId) -> bool {
        let i = p as usize;
        if !self.t.scanned[i] {
            return self.t.preds[i].eval(self.ev);
        }
        if self.t.trigger[i] {
            return self.s.bit(p);
        }
        let k = self.prog.full_of[self.t.pred_target[i] as usize];
        if k != NONE && self.s.done_bits[(k / 64) as usize] & (1 << (k % 64)) == 0 {
            self.s.done_bits[(k / 64) as usize] |= 1 << (k % 64);
            self.s.done.push(k);
            let mut sink = ScanSink {
                s: self.s,
                pred_rule: self.t.pred_rule,
                trigger: None,
            };
            scan(
                &self.prog.full[k as usize],
                self.ev,
                self.t.preds,
                &mut sink,
            );
        }
        self.s.bit(p)
    }
}
