//! Field scanners: the literal values of all rules on one field found by
//! one Aho-Corasick automaton (two: case-insensitive and `cased`), then
//! checked for position (equals, prefix, suffix, contains) or handed to a
//! wildcard pattern's regex.

use ahash::AHashMap;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use ipchunt_core::ValueRef;

use crate::pred::{Pos, Pred, PredId, Target, Test, fold};

/// What a pattern hit means for one predicate.
#[derive(Debug, Clone, Copy)]
struct Hit {
    pred: PredId,
    pos: Pos,
    /// The hit is only a candidate: the predicate's regex decides.
    verify: bool,
}

#[derive(Debug)]
struct Automaton {
    ac: AhoCorasick,
    hits: Vec<Vec<Hit>>,
}

#[derive(Default)]
struct Builder {
    needles: Vec<String>,
    index: AHashMap<String, usize>,
    hits: Vec<Vec<Hit>>,
}

impl Builder {
    fn add(&mut self, needle: &str, hit: Hit) {
        let i = match self.index.get(needle) {
            Some(i) => *i,
            None => {
                let i = self.needles.len();
                self.needles.push(needle.to_owned());
                self.index.insert(needle.to_owned(), i);
                self.hits.push(Vec::new());
                i
            }
        };
        self.hits[i].push(hit);
    }

    fn build(self, insensitive: bool) -> Option<Automaton> {
        if self.needles.is_empty() {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(insensitive)
            .match_kind(MatchKind::Standard)
            .build(&self.needles)
            .ok()?;
        Some(Automaton {
            ac,
            hits: self.hits,
        })
    }
}

/// The scanner of one field (or of all values, for keywords) for one
/// gate's rules.
#[derive(Debug)]
pub(crate) struct FieldScanner {
    pub field: Target,
    folded: Option<Automaton>,
    cased: Option<Automaton>,
    /// Predicates whose automaton could not be built, tested one by one.
    fallback: Vec<PredId>,
}

/// Receives the predicates a scan proves true.
pub(crate) trait Sink {
    fn is_set(&self, p: PredId) -> bool;
    fn set(&mut self, p: PredId);
}

impl FieldScanner {
    /// Builds the scanner of `field` over the given scanned predicates.
    pub(crate) fn build(field: Target, preds: &[(PredId, &Pred)]) -> FieldScanner {
        let mut folded = Builder::default();
        let mut cased = Builder::default();
        for (id, p) in preds {
            let (needle, pos, is_cased, verify) = match &p.test {
                Test::Literal { needle, pos, cased } => (needle, *pos, *cased, false),
                Test::Glob {
                    trigger: Some((t, c)),
                    ..
                } => (t, Pos::Contains, *c, true),
                _ => continue,
            };
            let hit = Hit {
                pred: *id,
                pos,
                verify,
            };
            if is_cased {
                cased.add(needle, hit);
            } else {
                folded.add(needle, hit);
            }
        }
        let mut fallback = Vec::new();
        let mut finish = |b: Builder, insensitive: bool| {
            let ids: Vec<PredId> = b.hits.iter().flatten().map(|h| h.pred).collect();
            let a = b.build(insensitive);
            if a.is_none() {
                fallback.extend(ids);
            }
            a
        };
        let folded = finish(folded, true);
        let cased = finish(cased, false);
        FieldScanner {
            field,
            folded,
            cased,
            fallback,
        }
    }

    /// Scans one event value (each element of a list).
    pub(crate) fn scan(&self, v: ValueRef<'_>, preds: &[Pred], sink: &mut impl Sink) {
        if let ValueRef::List(items) = v {
            for x in items {
                self.scan(x.as_ref(), preds, sink);
            }
            return;
        }
        for p in &self.fallback {
            if !sink.is_set(*p) && preds[*p as usize].test.on_value_plain(v) {
                sink.set(*p);
            }
        }
        let Some(text) = v.text() else {
            return;
        };
        if let Some(a) = &self.cased {
            run(a, &text, &text, preds, sink);
        }
        if let Some(a) = &self.folded {
            if text.is_ascii() {
                run(a, &text, &text, preds, sink);
            } else {
                run(a, &fold(&text), &text, preds, sink);
            }
        }
    }
}

/// Runs one automaton over `hay` (the folded text for case-insensitive
/// needles); regexes check the original text.
fn run(a: &Automaton, hay: &str, original: &str, preds: &[Pred], sink: &mut impl Sink) {
    let len = hay.len();
    for m in a.ac.find_overlapping_iter(hay) {
        for h in &a.hits[m.pattern().as_usize()] {
            if sink.is_set(h.pred) || !h.pos.accepts(m.start(), m.end(), len) {
                continue;
            }
            if h.verify {
                let ok = match preds.get(h.pred as usize).map(|p| &p.test) {
                    Some(Test::Glob { re, .. }) => re.is_match(original),
                    _ => false,
                };
                if !ok {
                    continue;
                }
            }
            sink.set(h.pred);
        }
    }
}
