//! What runs for one event source: the rules its gate admits, and one
//! scanner per field over all their literals, run once per event. Hits of
//! trigger literals (the set one of which a rule's condition needs) make
//! their rule a candidate; the other hits are only recorded, for the
//! conditions of candidates to read (one pass over each field costs less
//! than a trigger pass followed by a second pass when a filter asks).

use ahash::AHashMap;
use ipchunt_core::{Event, FieldKey, Provenance, SourceSpec, ValueRef};

use crate::condition::Oracle;
use crate::gate::Admitted;
use crate::literal::{FieldScanner, ScanLit, Sink, Text, TextBufs};
use crate::plan::Plan;
use crate::pred::{Field, FieldIndex, Pred, PredId, Target};
use std::sync::Arc;

#[derive(Debug, Default)]
pub(crate) struct Program {
    pub scanners: Vec<FieldScanner>,
    routes: Routes,
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
    pub plan: &'a Plan,
}

/// A rule a literal's hit counts for, the rule's trigger groups it
/// fills, and all the rule's groups (read here, beside the rest).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trig {
    pub rule: u32,
    pub mask: u8,
    pub full: u8,
}

/// One scanner per target, in target id order, over the literals of the
/// given scanned predicates.
fn scanners(preds: &[PredId], t: &Tables<'_>) -> Vec<FieldScanner> {
    let mut groups: AHashMap<u32, Vec<ScanLit<'_>>> = AHashMap::new();
    // Per literal: its place in its group.
    let mut at: AHashMap<u32, usize> = AHashMap::new();
    for p in preds {
        let i = *p as usize;
        let group = groups.entry(t.plan.pred_target[i]).or_default();
        let k = *at.entry(t.plan.lit[i]).or_insert_with(|| {
            group.push(ScanLit {
                lit: t.plan.lit[i],
                pred: *p,
                test: &t.preds[i].test,
                rules: Vec::new(),
            });
            group.len() - 1
        });
        let (rule, mask) = (t.pred_rule[i], t.plan.groups[i]);
        if mask != 0 {
            match group[k].rules.iter_mut().find(|x| x.rule == rule) {
                Some(x) => x.mask |= mask,
                None => group[k].rules.push(Trig {
                    rule,
                    mask,
                    full: t.plan.full[rule as usize],
                }),
            }
        }
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|g| g.0);
    groups
        .into_iter()
        .map(|(_, lits)| {
            let target = lits
                .first()
                .map(|l| t.preds[l.pred as usize].target.clone())
                .unwrap_or(Target::Keywords);
            FieldScanner::build(target, &lits)
        })
        .collect()
}

impl Program {
    pub(crate) fn build(admitted: Admitted, t: &Tables<'_>) -> Program {
        let mut in_set = vec![false; t.plan.full.len()];
        let mut always = Vec::new();
        for r in &admitted.rules {
            in_set[*r as usize] = true;
            if t.plan.full[*r as usize] == 0 {
                always.push(*r);
            }
        }
        let preds: Vec<PredId> = (0..t.preds.len())
            .filter(|i| t.plan.scanned[*i] && in_set[t.pred_rule[*i] as usize])
            .map(|i| i as PredId)
            .collect();
        let scanners = scanners(&preds, t);
        Program {
            routes: Routes::new(&scanners),
            scanners,
            always,
            checks: admitted.checks,
            empty: admitted.rules.is_empty(),
        }
    }
}

/// Which scanners read which stored fields of an event, so that each
/// field's text is prepared once for its scanner and the keyword scanner.
#[derive(Debug, Default)]
struct Routes {
    /// Per known field id: its scanner (`u32::MAX`: none).
    known: Vec<u32>,
    other: AHashMap<Box<str>, u32>,
    /// Scanners that look their field up: provenance fields (answered
    /// from the event's source) and names that may stand for an alias.
    looked_up: Vec<u32>,
    keywords: Option<u32>,
    /// The keyword scanner takes the event's values joined.
    join: bool,
}

/// Whether a value too short to hold any of `min`-byte needles, even
/// folded (lower-casing at most lengthens a text by half, `İ` to `i̇`),
/// may be left out of the joined keyword text without preparing it.
fn too_short(v: &ValueRef<'_>, min: usize) -> bool {
    match v {
        ValueRef::Str(s) => s.len() * 3 < min * 2,
        // At most 20 characters, sign included.
        ValueRef::Int(_) => min > 20,
        _ => false,
    }
}

impl Routes {
    fn new(scanners: &[FieldScanner]) -> Routes {
        let mut r = Routes::default();
        for (i, sc) in scanners.iter().enumerate() {
            let i = i as u32;
            match &sc.field {
                Target::Keywords => {
                    r.keywords = Some(i);
                    r.join = sc.joinable(JOIN);
                }
                Target::Field(Field {
                    primary: FieldKey::Known(id),
                    alt: None,
                }) if id.0 >= ipchunt_core::builtin_ids::FIRST_STORED => {
                    let at = id.0 as usize;
                    if r.known.len() <= at {
                        r.known.resize(at + 1, u32::MAX);
                    }
                    r.known[at] = i;
                }
                Target::Field(Field {
                    primary: FieldKey::Other(name),
                    alt: None,
                }) => {
                    r.other.insert(name.clone(), i);
                }
                Target::Field(_) => r.looked_up.push(i),
            }
        }
        r
    }
}

/// Working memory of [`Program::scan`], kept between events.
#[derive(Debug, Default)]
pub(crate) struct ScanBufs {
    /// Scanners of repeated unknown names met (the first value counts, as
    /// a lookup finds it).
    done: Vec<u32>,
    /// The event's values joined for the keyword scanner.
    joined: Vec<u8>,
    text: TextBufs,
    /// The event's stored canonical fields, by id.
    pub(crate) index: FieldIndex,
}

/// Between joined values: a byte no keyword needle holds, so no match
/// spans two values.
const JOIN: u8 = 0;

impl Program {
    /// Runs the scanners over the event: each stored field once, for its
    /// own scanner and the keyword scanner; looked-up fields after. When
    /// the keyword scanner searches needles found anywhere only, the
    /// values are joined and it runs once over them all.
    pub(crate) fn scan(
        &self,
        ev: &Event,
        preds: &[Pred],
        sink: &mut impl Sink,
        bufs: &mut ScanBufs,
    ) {
        let r = &self.routes;
        let kw = r.keywords.map(|i| &self.scanners[i as usize]);
        let join = kw.filter(|_| r.join);
        let all = kw.is_some() || !r.known.is_empty() || !r.other.is_empty();
        bufs.index.start(all);
        if all {
            bufs.done.clear();
            bufs.joined.clear();
            let ScanBufs {
                done,
                joined,
                text,
                index,
            } = bufs;
            let mut to = Kw::of(kw, join.is_some(), joined);
            for (pos, (k, v)) in ev.fields().enumerate() {
                let at = match k {
                    FieldKey::Known(id) => {
                        index.note(*id, pos);
                        r.known.get(id.0 as usize).copied()
                    }
                    FieldKey::Other(name) => r.other.get(name).copied().filter(|i| {
                        let first = !done.contains(i);
                        done.push(*i);
                        first
                    }),
                };
                let own = at.and_then(|i| self.scanners.get(i as usize));
                if own.is_some() || !matches!(to, Kw::None) {
                    scan_value(own, &mut to, v.as_ref(), preds, sink, text);
                }
            }
        }
        if let Some(k) = join {
            k.scan_bytes(&bufs.joined, sink);
        }
        for i in &r.looked_up {
            let sc = &self.scanners[*i as usize];
            if let Target::Field(f) = &sc.field
                && let Some(v) = f.get(ev)
            {
                sc.scan(v, preds, sink);
            }
        }
    }
}

/// Where the keyword scanner's share of a value goes: scanned, or
/// appended to the joined text when it may hold a needle of the given
/// shortest length.
enum Kw<'a> {
    None,
    Scan(&'a FieldScanner),
    Join(&'a mut Vec<u8>, usize),
}

impl<'a> Kw<'a> {
    fn of(kw: Option<&'a FieldScanner>, join: bool, buf: &'a mut Vec<u8>) -> Kw<'a> {
        match kw {
            None => Kw::None,
            Some(k) if join => Kw::Join(buf, k.shortest()),
            Some(k) => Kw::Scan(k),
        }
    }
}

/// Scans one value (each element of a list) with its own scanner and
/// the keyword scanner, preparing its text once.
fn scan_value(
    own: Option<&FieldScanner>,
    kw: &mut Kw<'_>,
    v: ValueRef<'_>,
    preds: &[Pred],
    sink: &mut impl Sink,
    bufs: &mut TextBufs,
) {
    if let ValueRef::List(items) = v {
        for x in items {
            scan_value(own, kw, x.as_ref(), preds, sink, bufs);
        }
        return;
    }
    if own.is_none() && matches!(kw, Kw::Join(_, min) if too_short(&v, *min)) {
        return;
    }
    let Some(t) = Text::of(v, bufs) else {
        return;
    };
    if let Some(sc) = own {
        sc.scan_text(v, &t, preds, sink);
    }
    match kw {
        Kw::None => {}
        Kw::Scan(sc) => sc.scan_text(v, &t, preds, sink),
        Kw::Join(buf, min) => {
            if t.hay().len() >= *min {
                buf.extend_from_slice(t.hay().as_bytes());
                buf.push(JOIN);
            }
        }
    }
}

/// A literal's word in the bit vectors, and its bit there.
#[inline]
fn word(l: u32) -> (usize, u64) {
    ((l / 64) as usize, 1 << (l % 64))
}

/// Per-event working memory; reused between events.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per literal: found.
    bits: Vec<u64>,
    /// Per literal: its trigger found, its regex not yet run.
    maybe: Vec<u64>,
    /// Literals with a bit set in `bits` or `maybe`.
    set: Vec<u32>,
    /// Per rule: the number of the event it was last touched in (high 24
    /// bits) and the trigger groups with a hit then (low 8 bits), so that
    /// nothing needs clearing between events.
    filled: Vec<u32>,
    /// The current event's number (below 2^24; a rule's zeroed entry
    /// reads as no group filled in any event).
    event: u32,
    /// For [`Program::scan`].
    pub(crate) bufs: ScanBufs,
    pub(crate) candidates: Vec<u32>,
    /// Targets a match has reported.
    pub(crate) reported: Vec<u32>,
    pub(crate) last: Option<LastProgram>,
}

/// The program the last event ran, with its source and engine.
#[derive(Debug)]
pub(crate) struct LastProgram {
    pub source: Source,
    /// The engine's token: alive while the engine is, never the same as
    /// another live engine's.
    pub engine: std::sync::Weak<()>,
    pub program: Arc<Program>,
}

/// What decides an event's program: its channel, provider and id.
#[derive(Debug)]
pub(crate) struct Source {
    channel: Option<Arc<str>>,
    provider: Option<Arc<str>>,
    event_id: Option<u32>,
}

impl Source {
    pub(crate) fn of(p: &Provenance) -> Source {
        Source {
            channel: p.channel.clone(),
            provider: p.provider.clone(),
            event_id: p.event_id,
        }
    }

    /// Whether `p` names the same source (readers share one string per
    /// channel, so this is mostly a pointer comparison).
    pub(crate) fn is(&self, p: &Provenance) -> bool {
        fn same(a: &Option<Arc<str>>, b: &Option<Arc<str>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                (None, None) => true,
                _ => false,
            }
        }
        self.event_id == p.event_id
            && same(&self.channel, &p.channel)
            && same(&self.provider, &p.provider)
    }
}

impl Scratch {
    pub(crate) fn fit(&mut self, lits: usize, rules: usize) {
        self.bits.resize(lits.div_ceil(64), 0);
        self.maybe.resize(lits.div_ceil(64), 0);
        self.filled.resize(rules, 0);
    }

    pub(crate) fn clear(&mut self) {
        for l in self.set.drain(..) {
            let (w, _) = word(l);
            self.bits[w] = 0;
            self.maybe[w] = 0;
        }
        self.event += 1;
        if self.event >= 1 << 24 {
            self.filled.iter_mut().for_each(|f| *f = 0);
            self.event = 0;
        }
        self.candidates.clear();
    }

    #[inline]
    fn bit(&self, l: u32) -> bool {
        let (w, m) = word(l);
        self.bits[w] & m != 0
    }

    /// Marks the literal found (its regex, run on demand, held).
    #[inline]
    fn set_bit(&mut self, l: u32) {
        let (w, m) = word(l);
        self.bits[w] |= m;
    }

    /// Whether the literal awaits its regex; it no longer does after.
    #[inline]
    fn take_maybe(&mut self, l: u32) -> bool {
        let (w, m) = word(l);
        let was = self.maybe[w] & m != 0;
        self.maybe[w] &= !m;
        was
    }

    /// Marks the literal found (or pending) and fills the trigger groups
    /// it belongs to; a rule whose groups are all filled is a candidate.
    /// The literal is neither found nor pending yet ([`Sink::is_known`]).
    #[inline]
    fn record(&mut self, l: u32, trigs: &[Trig], found: bool) {
        let (w, m) = word(l);
        if found {
            self.bits[w] |= m;
        } else {
            self.maybe[w] |= m;
        }
        self.set.push(l);
        let now = self.event << 8;
        for t in trigs {
            let r = t.rule as usize;
            let f = self.filled[r];
            let before = if f & !0xff == now { f as u8 } else { 0 };
            let after = before | t.mask;
            if after == before {
                continue;
            }
            self.filled[r] = now | u32::from(after);
            if after == t.full {
                self.candidates.push(t.rule);
            }
        }
    }
}

/// The scan's sink: sets literal bits and fills the trigger groups of the
/// rules that need them.
pub(crate) struct ScanSink<'a> {
    pub s: &'a mut Scratch,
}

impl Sink for ScanSink<'_> {
    #[inline]
    fn is_known(&self, l: u32) -> bool {
        let (w, m) = word(l);
        (self.s.bits[w] | self.s.maybe[w]) & m != 0
    }
    #[inline]
    fn set(&mut self, l: u32, trigs: &[Trig]) {
        self.s.record(l, trigs, true);
    }
    #[inline]
    fn maybe(&mut self, l: u32, trigs: &[Trig]) {
        self.s.record(l, trigs, false);
    }
}

/// Answers predicates during condition evaluation: scanned ones from the
/// bits of the event's scan (running a pending regex once), the others by
/// testing the event.
pub(crate) struct EventOracle<'a> {
    pub ev: &'a Event,
    pub t: &'a Tables<'a>,
    pub s: &'a mut Scratch,
}

impl Oracle for EventOracle<'_> {
    fn any_in(&mut self, lo: PredId, hi: PredId) -> bool {
        let s = &self.s;
        self.t
            .plan
            .lit
            .get(lo as usize..hi as usize)
            .is_some_and(|lits| lits.iter().any(|l| s.bit(*l)))
    }

    fn pred(&mut self, p: PredId) -> bool {
        let i = p as usize;
        // Scanned predicates, and they only, have a literal.
        let l = self.t.plan.lit[i];
        if l == u32::MAX {
            return self.t.preds[i].eval(self.ev, &self.s.bufs.index);
        }
        if self.s.bit(l) {
            return true;
        }
        if self.s.take_maybe(l) && self.t.preds[i].eval(self.ev, &self.s.bufs.index) {
            self.s.set_bit(l);
            return true;
        }
        false
    }
}
