//! Field scanners: the literal values of all rules on one field, found
//! together. Case-insensitive values that must start the text (startswith,
//! equals) sit in a forward trie, those that must end it (endswith) in a
//! backward trie, those found anywhere (contains, and the literal part of
//! wildcard values and regexes) in one gram set ([`GramSet`]); `cased`
//! values share one Aho-Corasick automaton whose hits are checked for
//! position.

use ahash::AHashMap;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::borrow::Cow;

use ipchunt_core::ValueRef;

use crate::grams::GramSet;
use crate::pred::{Pos, Pred, PredId, Target, Test, ascii_folds, fold};
use crate::program::Trig;
use crate::trie::{Frozen, Trie};

/// What a needle hit means for one literal (the predicates of the
/// program's rules that test the same thing on the field share it).
#[derive(Debug, Clone, Copy)]
struct Hit {
    lit: u32,
    pos: Pos,
    /// The hit is only a candidate: the literal's regex decides, when a
    /// condition asks.
    lazy: bool,
    /// The rules whose condition needs this literal, in the scanner's
    /// `rules`.
    first: u32,
    n_rules: u32,
    /// The needle has other hits (in [`Grams::more`]).
    more: bool,
}

/// A literal to scan for: its id, a predicate that tests it, and the
/// rules whose evaluation its hit triggers.
pub(crate) struct ScanLit<'a> {
    pub lit: u32,
    pub pred: PredId,
    pub test: &'a Test,
    pub rules: Vec<Trig>,
}

#[derive(Debug)]
struct Automaton {
    ac: AhoCorasick,
    hits: Vec<Vec<Hit>>,
    /// Whether every hit may sit anywhere (then a needle's hits are decided
    /// at its first match in a text, and later matches are skipped).
    anywhere: bool,
}

/// Needles for one automaton or gram set, deduplicated.
#[derive(Default)]
struct Needles {
    list: Vec<String>,
    index: AHashMap<String, usize>,
    hits: Vec<Vec<Hit>>,
    /// A predicate per hit, for testing one by one when no automaton can
    /// be built.
    preds: Vec<(PredId, Hit)>,
}

impl Needles {
    fn add(&mut self, needle: &str, pred: PredId, hit: Hit) {
        self.preds.push((pred, hit));
        let i = match self.index.get(needle) {
            Some(i) => *i,
            None => {
                let i = self.list.len();
                self.list.push(needle.to_owned());
                self.index.insert(needle.to_owned(), i);
                self.hits.push(Vec::new());
                i
            }
        };
        self.hits[i].push(hit);
    }

    /// Builds the automaton of `cased` needles (matched as written); on
    /// failure the predicates go to `fallback`.
    fn build_cased(self, fallback: &mut Vec<(PredId, Hit)>) -> Option<Automaton> {
        if self.list.is_empty() {
            return None;
        }
        let built = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(self.list.len() <= PREFILTER_NEEDLES)
            .build(&self.list);
        match built {
            Ok(ac) => Some(Automaton {
                ac,
                anywhere: self.hits.iter().flatten().all(|h| h.pos == Pos::Contains),
                hits: self.hits,
            }),
            Err(_) => {
                fallback.extend(self.preds);
                None
            }
        }
    }

    /// Indexes case-insensitive needles that may sit anywhere by their
    /// 4-grams.
    fn build_grams(self) -> Option<Grams> {
        if self.list.is_empty() {
            return None;
        }
        let mut first = Vec::with_capacity(self.hits.len());
        let mut more = Vec::new();
        for (i, hs) in self.hits.into_iter().enumerate() {
            let n = hs.len();
            let mut hs = hs.into_iter();
            // Every needle has a hit: `add` gives it one.
            first.extend(hs.next().map(|h| Hit { more: n > 1, ..h }));
            more.extend(hs.map(|h| (i as u32, h)));
        }
        Some(Grams {
            set: GramSet::build(&self.list),
            first,
            more,
        })
    }
}

/// Case-insensitive needles that may sit anywhere, and their hits.
#[derive(Debug)]
struct Grams {
    set: GramSet,
    /// Per needle: its first hit (most needles have only that one, read
    /// with one load).
    first: Vec<Hit>,
    /// Other hits, by needle, in needle order.
    more: Vec<(u32, Hit)>,
}

/// The scanner of one field (or of all values, for keywords) for one
/// gate's rules.
#[derive(Debug)]
pub(crate) struct FieldScanner {
    pub field: Target,
    starts: Frozen,
    ends: Frozen,
    /// Payloads of the tries.
    anchored: Vec<Hit>,
    contains: Option<Grams>,
    cased: Option<Automaton>,
    /// Literals whose automaton could not be built, tested one by one
    /// through a predicate.
    fallback: Vec<(PredId, Hit)>,
    /// The triggered rules of all hits.
    rules: Vec<Trig>,
}

/// An event value's text, ready for the scanners: case-insensitive
/// needles are stored folded; text whose folding changes ASCII letters
/// only is searched as it is (`ascii`: ASCII letters match either case,
/// no copy per event), other text is folded first.
pub(crate) struct Text<'a> {
    pub text: Cow<'a, str>,
    /// The folded copy, when one is needed.
    folded: Option<&'a str>,
    pub ascii: bool,
}

/// Working memory for [`Text::of`], reused from value to value: an
/// integer's digits, a folded copy.
#[derive(Default)]
pub(crate) struct TextBufs {
    num: itoa::Buffer,
    folded: String,
}

impl std::fmt::Debug for TextBufs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextBufs").finish_non_exhaustive()
    }
}

impl<'a> Text<'a> {
    /// The text of `v`, written in `bufs` when it is not a string as it
    /// is (no allocation per value: scanning every value for keywords
    /// meets many integers, Windows logs many `®`).
    pub(crate) fn of<'v: 'a>(v: ValueRef<'v>, bufs: &'a mut TextBufs) -> Option<Text<'a>> {
        let text = match v {
            ValueRef::Int(i) => {
                return Some(Text {
                    text: Cow::Borrowed(bufs.num.format(i)),
                    folded: None,
                    ascii: true,
                });
            }
            ValueRef::Str(s) => Cow::Borrowed(s),
            other => other.text()?,
        };
        let ascii = ascii_folds(&text);
        let folded = if ascii {
            None
        } else {
            fold_into(&text, &mut bufs.folded);
            Some(bufs.folded.as_str())
        };
        Some(Text {
            text,
            folded,
            ascii,
        })
    }

    /// The text the case-insensitive needles are searched in.
    pub(crate) fn hay(&self) -> &str {
        self.folded.unwrap_or(&self.text)
    }
}

/// `fold(text)` written into `out`: character by character, save text
/// holding a capital sigma, whose lower case depends on its place in a
/// word (rare: the whole text is lowered then).
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if text.contains('\u{3a3}') {
        out.push_str(&fold(text));
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// Receives the literals a scan finds.
pub(crate) trait Sink {
    /// Whether the literal is found or pending.
    fn is_known(&self, lit: u32) -> bool;
    /// The literal, not known yet, holds; it counts for `rules`.
    fn set(&mut self, lit: u32, rules: &[Trig]);
    /// The literal, not known yet, may hold (its regex decides later); it
    /// counts for `rules`.
    fn maybe(&mut self, lit: u32, rules: &[Trig]);
}

impl FieldScanner {
    /// Builds the scanner of `field` over the given literals.
    pub(crate) fn build(field: Target, lits: &[ScanLit<'_>]) -> FieldScanner {
        let mut starts = Trie::new(false);
        let mut ends = Trie::new(true);
        let mut anchored = Vec::new();
        let mut contains = Needles::default();
        let mut cased = Needles::default();
        let mut rules = Vec::new();
        for l in lits {
            let mut hit = Hit {
                lit: l.lit,
                pos: Pos::Contains,
                lazy: true,
                first: rules.len() as u32,
                n_rules: l.rules.len() as u32,
                more: false,
            };
            rules.extend(&l.rules);
            if let Test::Regex { triggers, .. } = l.test {
                for t in triggers {
                    contains.add(t, l.pred, hit);
                }
                continue;
            }
            let (needle, is_cased) = match l.test {
                Test::Literal { needle, pos, cased } => {
                    hit.pos = *pos;
                    hit.lazy = false;
                    (needle, *cased)
                }
                Test::Glob {
                    trigger: Some(t), ..
                } => {
                    hit.pos = t.pos;
                    (&t.text, t.cased)
                }
                _ => continue,
            };
            match (is_cased, hit.pos) {
                (true, _) => cased.add(needle, l.pred, hit),
                (false, Pos::Contains) => contains.add(needle, l.pred, hit),
                (false, Pos::Exact | Pos::Prefix) => {
                    starts.add(needle.as_bytes(), anchored.len() as u32);
                    anchored.push(hit);
                }
                (false, Pos::Suffix) => {
                    ends.add(needle.as_bytes(), anchored.len() as u32);
                    anchored.push(hit);
                }
            }
        }
        let mut fallback = Vec::new();
        let contains = contains.build_grams();
        let cased = cased.build_cased(&mut fallback);
        FieldScanner {
            field,
            starts: starts.freeze(),
            ends: ends.freeze(),
            anchored,
            contains,
            cased,
            fallback,
            rules,
        }
    }

    /// Records a hit with the sink.
    #[inline]
    fn hit(&self, h: &Hit, sink: &mut impl Sink) {
        if sink.is_known(h.lit) {
            return;
        }
        let first = h.first as usize;
        let rules = &self.rules[first..first + h.n_rules as usize];
        if h.lazy {
            sink.maybe(h.lit, rules);
        } else {
            sink.set(h.lit, rules);
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
        if let Some(t) = Text::of(v, &mut TextBufs::default()) {
            self.scan_text(v, &t, preds, sink);
        }
    }

    /// Scans one event value (not a list) whose text is prepared.
    pub(crate) fn scan_text(
        &self,
        v: ValueRef<'_>,
        t: &Text<'_>,
        preds: &[Pred],
        sink: &mut impl Sink,
    ) {
        for (p, h) in &self.fallback {
            if !sink.is_known(h.lit) && preds[*p as usize].test.on_value_plain(v) {
                let first = h.first as usize;
                sink.set(h.lit, &self.rules[first..first + h.n_rules as usize]);
            }
        }
        if let Some(a) = &self.cased {
            self.run(a, &t.text, sink);
        }
        let hay = t.hay();
        let len = hay.len();
        let mut anchored = |payload: u32, depth: usize| {
            let h = &self.anchored[payload as usize];
            if h.pos != Pos::Exact || depth == len {
                self.hit(h, sink);
            }
        };
        if !self.starts.is_empty() {
            self.starts.walk(hay.as_bytes(), t.ascii, &mut anchored);
        }
        if !self.ends.is_empty() {
            self.ends.walk(hay.as_bytes(), t.ascii, &mut anchored);
        }
        if let Some(g) = &self.contains {
            self.run_grams(g, hay.as_bytes(), sink);
        }
    }

    /// Whether the scanner searches needles found anywhere only, none of
    /// which holds `sep`: then values joined by `sep` may be scanned in one
    /// go ([`FieldScanner::scan_bytes`]).
    pub(crate) fn joinable(&self, sep: u8) -> bool {
        self.starts.is_empty()
            && self.ends.is_empty()
            && self.cased.is_none()
            && self.fallback.is_empty()
            && self.contains.as_ref().is_some_and(|g| !g.set.holds(sep))
    }

    /// The length of the shortest needle found anywhere (0 for none).
    pub(crate) fn shortest(&self) -> usize {
        self.contains.as_ref().map_or(0, |g| g.set.shortest)
    }

    /// Scans prepared text (ASCII as it is, other text folded) for the
    /// needles found anywhere.
    pub(crate) fn scan_bytes(&self, hay: &[u8], sink: &mut impl Sink) {
        if let Some(g) = &self.contains {
            self.run_grams(g, hay, sink);
        }
    }

    /// Runs one automaton over `hay`.
    fn run(&self, a: &Automaton, hay: &str, sink: &mut impl Sink) {
        let len = hay.len();
        let mut seen = Seen::default();
        for m in a.ac.find_overlapping_iter(hay) {
            let pat = m.pattern().as_u32();
            if a.anywhere && seen.again(pat) {
                continue;
            }
            for h in &a.hits[pat as usize] {
                if h.pos.accepts(m.start(), m.end(), len) {
                    self.hit(h, sink);
                }
            }
        }
    }

    /// Runs a gram set over `hay` (ASCII text as it is, other text folded).
    fn run_grams(&self, g: &Grams, hay: &[u8], sink: &mut impl Sink) {
        // A needle met again in the text costs a bit test per hit.
        g.set.find(hay, |pat| {
            let Some(h) = g.first.get(pat as usize) else {
                return;
            };
            self.hit(h, sink);
            if h.more {
                let from = g.more.partition_point(|(n, _)| *n < pat);
                for (_, h) in g.more[from..].iter().take_while(|(n, _)| *n == pat) {
                    self.hit(h, sink);
                }
            }
        });
    }
}

/// Most needles for which an automaton gets a prefilter: with more, the
/// prefilter's candidates (a few start or rare bytes shared by thousands
/// of needles) are common in event text, and stopping at each costs more
/// than stepping the automaton (measured on the engine bench).
const PREFILTER_NEEDLES: usize = 100;

/// How many needles a run remembers per text.
const SEEN: usize = 32;

/// Needles already decided in a text (a short list: when it is full,
/// repeats are decided again, with the same outcome).
struct Seen {
    ids: [u32; SEEN],
    n: usize,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            ids: [u32::MAX; SEEN],
            n: 0,
        }
    }
}

impl Seen {
    /// Whether `pat` was seen before; remembers it.
    #[inline]
    fn again(&mut self, pat: u32) -> bool {
        if self.ids[..self.n].contains(&pat) {
            return true;
        }
        if self.n < SEEN {
            self.ids[self.n] = pat;
            self.n += 1;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{TextBufs, fold_into};
    use crate::pred::fold;

    #[test]
    fn folding_into_a_buffer_is_folding() {
        let mut buf = String::from("left over");
        for s in [
            "Microsoft® Windows®",
            "ÄRGER über Straße",
            "İSTANBUL",
            "ΟΔΟΣ ΟΔΟΣ.",
            "Σ",
            "aΣb",
            "",
        ] {
            fold_into(s, &mut buf);
            assert_eq!(buf, fold(s), "{s:?}");
        }
        let mut bufs = TextBufs::default();
        let t = super::Text::of(ipchunt_core::ValueRef::Str("ÄRGER"), &mut bufs);
        assert_eq!(t.map(|t| t.hay().to_owned()).as_deref(), Some("ärger"));
    }
}
