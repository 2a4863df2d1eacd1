//! Predicates: one test of one value against one field. Every value of every
//! detection item of every rule becomes one predicate with a global id.
//!
//! Literal predicates are decided by the field scanners (one scan per
//! field, see `literal.rs`); the others are evaluated directly when a
//! condition needs them.

use ipchunt_core::{Event, FieldKey, Taxonomy, ValueRef};

use crate::modifiers::network::Cidr;
use crate::modifiers::numeric::{CmpOp, TimePart};
use crate::modifiers::regex::LazyRegex;

pub(crate) type PredId = u32;

/// Where a literal must sit in the field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

impl Pos {
    /// Whether a match at `start..end` of a text of `len` bytes qualifies.
    #[inline]
    pub(crate) fn accepts(self, start: usize, end: usize, len: usize) -> bool {
        match self {
            Pos::Exact => start == 0 && end == len,
            Pos::Prefix => start == 0,
            Pos::Suffix => end == len,
            Pos::Contains => true,
        }
    }

    /// The same test by plain string comparison.
    pub(crate) fn test(self, hay: &str, needle: &str) -> bool {
        match self {
            Pos::Exact => hay == needle,
            Pos::Prefix => hay.starts_with(needle),
            Pos::Suffix => hay.ends_with(needle),
            Pos::Contains => hay.contains(needle),
        }
    }

    /// The bytes of `h` that a needle of `n` bytes must equal: its start,
    /// its end, or all of it when as long; `None` when `h` cannot hold
    /// it there, and for `contains`.
    #[inline]
    pub(crate) fn part(self, h: &[u8], n: usize) -> Option<&[u8]> {
        match self {
            Pos::Exact => (h.len() == n).then_some(h),
            Pos::Prefix => h.get(..n),
            Pos::Suffix => h.len().checked_sub(n).map(|at| &h[at..]),
            Pos::Contains => None,
        }
    }

    /// The test ignoring case, `needle` folded: ASCII text is compared in
    /// place, other text folded first.
    pub(crate) fn test_nocase(self, hay: &str, needle: &str) -> bool {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        // The bytes compared, when they are all the test needs: folding
        // changes ASCII letters only in place, so ASCII ends of a text fold
        // the same whatever the rest of it holds.
        let part = self.part(h, n.len());
        if !(part.is_some_and(<[u8]>::is_ascii) || ascii_folds(hay)) {
            return self.test(&fold(hay), needle);
        }
        match (self, part) {
            (Pos::Contains, _) => h.len() >= n.len() && find_nocase(h, n),
            (_, Some(p)) => eq_folded(p, n),
            // Folding keeps the length: a text too short, or not as long.
            (_, None) => false,
        }
    }
}

/// Whether `h` contains `n` (folded), ASCII letters of `h` in either
/// case: candidates by the first byte (either case, found with SIMD),
/// then compared.
fn find_nocase(h: &[u8], n: &[u8]) -> bool {
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    let other = first.to_ascii_uppercase();
    let last = h.len() - n.len();
    memchr::memchr2_iter(first, other, &h[..=last]).any(|i| eq_folded(&h[i + 1..i + n.len()], rest))
}

/// Whether `text` equals `needle` (folded) with ASCII letters of `text`
/// in either case: eight bytes at a time, the last word overlapping the
/// one before it (four bytes at a time below eight).
#[inline]
pub(crate) fn eq_folded(text: &[u8], needle: &[u8]) -> bool {
    let n = needle.len();
    if text.len() != n {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if lower8(load8(text, i)) != load8(needle, i) {
                return false;
            }
            i += 8;
        }
        return lower8(load8(text, n - 8)) == load8(needle, n - 8);
    }
    if n >= 4 {
        let same = |at| lower8(load4(text, at)) == load4(needle, at);
        return same(0) && same(n - 4);
    }
    text.iter()
        .zip(needle)
        .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// The eight bytes at `at` (zero past the end).
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    b.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |w| u64::from_le_bytes(*w))
}

/// The four bytes at `at`, widened (zero past the end).
#[inline(always)]
fn load4(b: &[u8], at: usize) -> u64 {
    b.get(at..)
        .and_then(<[u8]>::first_chunk::<4>)
        .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
}

/// Eight bytes with their ASCII capitals lowered (`A`-`Z` get 0x20).
#[inline]
fn lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // High bit set where the byte is at least `A`, and where above `Z`.
    let from_a = low7 + 0x3f3f_3f3f_3f3f_3f3f;
    let past_z = low7 + 0x2525_2525_2525_2525;
    let upper = from_a & !past_z & !x & HIGH;
    x | (upper >> 2)
}

/// Whether lower-casing `s` changes ASCII letters only (true of ASCII
/// text, and of text whose other characters have no case, such as `®`).
pub(crate) fn ascii_folds(s: &str) -> bool {
    all_ascii(s.as_bytes()) || s.chars().all(|c| c.is_ascii() || lowers_to_itself(c))
}

/// Whether every byte is ASCII: the bytes OR-ed eight at a time, the
/// last word overlapping the one before it (event values are short: no
/// alignment step, no early exit, no byte loop).
#[inline]
fn all_ascii(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = b.len();
    if n >= 8 {
        let mut acc = load8(b, n - 8);
        let mut i = 0;
        while i + 8 < n {
            acc |= load8(b, i);
            i += 8;
        }
        return acc & HIGH == 0;
    }
    if n >= 4 {
        return (load4(b, 0) | load4(b, n - 4)) & HIGH == 0;
    }
    b.iter().all(u8::is_ascii)
}

/// Whether lower-casing leaves `c` as it is. Latin-1 (`®`, `é`: most of
/// what Windows logs hold beyond ASCII) is decided without Unicode's
/// tables: its capitals are U+00C0 to U+00DE, save U+00D7.
fn lowers_to_itself(c: char) -> bool {
    if ('\u{80}'..='\u{ff}').contains(&c) {
        return !('\u{c0}'..='\u{de}').contains(&c) || c == '\u{d7}';
    }
    let mut l = c.to_lowercase();
    l.next() == Some(c) && l.next().is_none()
}

/// Lower-cases for case-insensitive comparison (ASCII fast path).
pub(crate) fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if ascii_folds(s) {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(s.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

#[derive(Debug)]
pub(crate) enum Test {
    /// A literal found by the field's automaton (`needle` is folded when
    /// not `cased`).
    Literal {
        needle: Box<str>,
        pos: Pos,
        cased: bool,
    },
    /// A value with inner wildcards: a regex decides; `trigger`, a literal
    /// every match holds, lets the scanners find candidates first.
    Glob {
        re: LazyRegex,
        trigger: Option<Trigger>,
    },
    /// `re`; `triggers`, when not empty, are literals one of which every
    /// match holds (found case-insensitively by the scanners).
    Regex {
        re: LazyRegex,
        triggers: Vec<Box<str>>,
    },
    Cidr(Cidr),
    Num(CmpOp, f64),
    Time(TimePart, CmpOp, i64),
    /// `exists: true/false` (a null value counts as absent).
    Exists(bool),
    /// Compares with another field of the same event.
    FieldRef {
        other: Field,
        pos: Pos,
        cased: bool,
    },
    /// `null`: the field is absent or null.
    Null,
    /// A value that can never match (a placeholder without values).
    Never,
}

/// A literal part of a wildcard value that every match holds: at the
/// value's start (`Prefix`), at its end (`Suffix`) or anywhere
/// (`Contains`); folded unless `cased`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub text: Box<str>,
    pub cased: bool,
    pub pos: Pos,
}

impl Trigger {
    /// How selective the trigger is, as a needle length: a literal bound
    /// to an end of the text counts [`ANCHOR_WORTH`] bytes more, save a
    /// bare file extension at the end (`.exe`), which most names have.
    pub(crate) fn weight(&self) -> usize {
        let extension = self.pos == Pos::Suffix
            && self.text.starts_with('.')
            && !self.text[1..].contains(['.', '\\', '/']);
        let anchored = self.pos != Pos::Contains && !extension;
        self.text.len() + if anchored { ANCHOR_WORTH } else { 0 }
    }
}

/// What anchoring a literal to an end of the text is worth, in needle
/// bytes, when choosing a wildcard value's trigger: `7z*.exe` is found by
/// its start `7z`, not by `.exe`.
pub(crate) const ANCHOR_WORTH: usize = 4;

/// A field as a rule names it. A canonical name is that field. A name
/// the taxonomy knows only as some vendor's alias is first looked up as
/// written (a Windows event may carry a field of that very name, e.g.
/// Defender's `SourceName`), then as the field the alias stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Field {
    pub primary: FieldKey,
    pub alt: Option<FieldKey>,
}

impl Field {
    pub(crate) fn resolve(tax: &Taxonomy, name: &str) -> Field {
        let key = tax.resolve(name);
        match &key {
            FieldKey::Known(id) if !tax.name(*id).eq_ignore_ascii_case(name) => Field {
                primary: FieldKey::Other(name.into()),
                alt: Some(key),
            },
            _ => Field {
                primary: key,
                alt: None,
            },
        }
    }

    /// The event's value and the key that holds it: the field as written
    /// first, then the field its alias stands for.
    #[inline]
    pub(crate) fn lookup<'e>(&self, ev: &'e Event) -> Option<(&FieldKey, ValueRef<'e>)> {
        if let Some(v) = ev.get_key(&self.primary) {
            return Some((&self.primary, v));
        }
        let alt = self.alt.as_ref()?;
        ev.get_key(alt).map(|v| (alt, v))
    }

    #[inline]
    pub(crate) fn get<'e>(&self, ev: &'e Event) -> Option<ValueRef<'e>> {
        self.lookup(ev).map(|(_, v)| v)
    }

    /// [`Field::get`], a stored canonical field found through the event's
    /// index when it has one.
    #[inline]
    pub(crate) fn get_in<'e>(&self, ev: &'e Event, idx: &FieldIndex) -> Option<ValueRef<'e>> {
        self.lookup_in(ev, idx).map(|(_, v)| v)
    }

    /// [`Field::lookup`] through the event's index, as [`Field::get_in`].
    #[inline]
    pub(crate) fn lookup_in<'e>(
        &self,
        ev: &'e Event,
        idx: &FieldIndex,
    ) -> Option<(&FieldKey, ValueRef<'e>)> {
        let FieldKey::Known(id) = &self.primary else {
            return self.lookup(ev);
        };
        match idx.find(ev, *id) {
            Some(Some(v)) => Some((&self.primary, v)),
            Some(None) => {
                let alt = self.alt.as_ref()?;
                ev.get_key(alt).map(|v| (alt, v))
            }
            None => self.lookup(ev),
        }
    }
}

/// Where each stored canonical field sits among the current event's
/// fields, noted while the scan reads them (lookups by condition
/// evaluation then skip a walk of the event's field list). Entries carry
/// the event's number, so nothing is cleared between events.
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    /// Per field id: the event number when noted, the field's position.
    at: Vec<(u32, u32)>,
    event: u32,
    /// Whether the current event was indexed.
    built: bool,
}

impl FieldIndex {
    /// Starts the next event (`built`: its fields will all be noted).
    pub(crate) fn start(&mut self, built: bool) {
        self.event = self.event.wrapping_add(1);
        if self.event == 0 {
            self.at.iter_mut().for_each(|e| e.0 = 0);
            self.event = 1;
        }
        self.built = built;
    }

    /// Notes field `id` at position `pos` (a repeated field keeps its
    /// first place, as lookups find it).
    #[inline]
    pub(crate) fn note(&mut self, id: ipchunt_core::FieldId, pos: usize) {
        let i = id.0 as usize;
        if i >= self.at.len() {
            self.at.resize(i + 1, (0, 0));
        }
        if self.at[i].0 != self.event {
            self.at[i] = (self.event, pos as u32);
        }
    }

    /// The event's value of stored field `id`: `Some(None)` when it has
    /// none, `None` when the index cannot tell (not built, or a field
    /// answered from the event's provenance).
    #[inline]
    fn find<'e>(&self, ev: &'e Event, id: ipchunt_core::FieldId) -> Option<Option<ValueRef<'e>>> {
        if !self.built || id.0 < ipchunt_core::builtin_ids::FIRST_STORED {
            return None;
        }
        Some(match self.at.get(id.0 as usize) {
            Some((e, pos)) if *e == self.event => ev.value_at(*pos as usize),
            _ => None,
        })
    }
}

/// The name reports use for a field: the canonical name, else as written.
fn key_name<'a>(key: &'a FieldKey, tax: &'a Taxonomy) -> &'a str {
    match key {
        FieldKey::Known(id) => tax.name(*id),
        FieldKey::Other(n) => n,
    }
}

/// A reported value's text (a list's elements joined by `, `).
pub(crate) fn report_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::List(l) => {
            let parts: Vec<String> = l
                .iter()
                .filter_map(|x| x.as_ref().text().map(|t| t.into_owned()))
                .collect();
            parts.join(", ")
        }
        other => other.text().map(|t| t.into_owned()).unwrap_or_default(),
    }
}

/// The field a predicate reads: one field, or every value of the event
/// (keyword searches).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Field(Field),
    Keywords,
}

#[derive(Debug)]
pub(crate) struct Pred {
    pub target: Target,
    pub test: Test,
}

impl Pred {
    /// Whether the automaton decides this predicate (its bit is complete
    /// after the scan).
    pub(crate) fn scanned(&self) -> bool {
        match &self.test {
            Test::Literal { needle, .. } => !needle.is_empty(),
            Test::Glob { trigger, .. } => trigger.is_some(),
            Test::Regex { triggers, .. } => !triggers.is_empty(),
            _ => false,
        }
    }

    /// A guess at how often the predicate holds, for choosing which of a
    /// rule's literals trigger its evaluation: short needles and the
    /// provenance fields (event id, channel) hold often, long needles
    /// rarely.
    pub(crate) fn hit_cost(&self) -> u32 {
        let provenance = matches!(
            &self.target,
            Target::Field(Field { primary: FieldKey::Known(id), .. })
                if id.0 < ipchunt_core::builtin_ids::FIRST_STORED
        );
        if provenance {
            return 10_000;
        }
        let len = match &self.test {
            Test::Literal { needle, .. } => needle.len(),
            Test::Glob {
                trigger: Some(t), ..
            } => t.weight(),
            Test::Regex { triggers, .. } => {
                let shortest = triggers.iter().map(|t| t.len()).min().unwrap_or(0);
                // Alternatives add up.
                return (1000 / (shortest as u32 + 1)).max(1) * triggers.len().max(1) as u32;
            }
            _ => 0,
        };
        (1000 / (len as u32 + 1)).max(1)
    }

    /// Evaluates the predicate on an event, without the automaton
    /// (stored canonical fields found through `idx` when the scan built
    /// it for this event).
    pub(crate) fn eval(&self, ev: &Event, idx: &FieldIndex) -> bool {
        match &self.target {
            Target::Keywords => ev.fields().any(|(_, v)| self.test.on_value(v.as_ref(), ev)),
            Target::Field(f) => {
                let v = f.get_in(ev, idx);
                match &self.test {
                    Test::Exists(want) => v.is_some_and(|v| !v.is_null()) == *want,
                    Test::Null => v.is_none_or(|v| v.is_null()),
                    _ => v.is_some_and(|v| self.test.on_value(v, ev)),
                }
            }
        }
    }

    /// The field a matching predicate reports (its name as reports use
    /// it) and the event's value there; for keywords, the first value
    /// with text that matches.
    pub(crate) fn reported<'a>(
        &'a self,
        ev: &'a Event,
        tax: &'a Taxonomy,
        idx: &FieldIndex,
    ) -> Option<(&'a str, ValueRef<'a>)> {
        match &self.target {
            Target::Field(f) => {
                let (key, v) = f.lookup_in(ev, idx)?;
                Some((key_name(key, tax), v))
            }
            Target::Keywords => ev.fields().find_map(|(k, v)| {
                let v = v.as_ref();
                let text = !matches!(v, ValueRef::Null | ValueRef::List(_));
                (text && self.test.on_value(v, ev)).then(|| (key_name(k, tax), v))
            }),
        }
    }
}

impl Test {
    /// Tests a value that needs no other field (literals and wildcards).
    pub(crate) fn on_value_plain(&self, v: ValueRef<'_>) -> bool {
        match self {
            Test::Literal { needle, pos, cased } => v.text().is_some_and(|t| {
                if *cased {
                    pos.test(&t, needle)
                } else {
                    pos.test_nocase(&t, needle)
                }
            }),
            Test::Glob { re, .. } | Test::Regex { re, .. } => {
                v.text().is_some_and(|t| re.is_match(&t))
            }
            _ => false,
        }
    }

    /// Tests one event value; a list matches when any element does.
    pub(crate) fn on_value(&self, v: ValueRef<'_>, ev: &Event) -> bool {
        if let ValueRef::List(items) = v {
            return items.iter().any(|x| self.on_value(x.as_ref(), ev));
        }
        match self {
            Test::Literal { .. } | Test::Glob { .. } => self.on_value_plain(v),
            Test::Regex { re, .. } => v.text().is_some_and(|t| re.is_match(&t)),
            Test::Cidr(net) => v.text().is_some_and(|t| net.contains_text(&t)),
            Test::Num(op, n) => {
                crate::modifiers::numeric::number(v).is_some_and(|x| op.holds(x, *n))
            }
            Test::Time(part, op, n) => part
                .extract(v)
                .is_some_and(|x| op.holds(x as f64, *n as f64)),
            Test::Exists(want) => v.is_null() != *want,
            Test::Null => v.is_null(),
            Test::FieldRef { other, pos, cased } => {
                crate::modifiers::field::fieldref(v, other.get(ev), *pos, *cased)
            }
            Test::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Pos, eq_folded, lower8};

    #[test]
    fn eight_bytes_lowered_as_byte_by_byte() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'A', b'z', b'@', b'[', 0x80, 0xc3, b'Z']);
            let want = u64::from_le_bytes(
                [b, b'A', b'z', b'@', b'[', 0x80, 0xc3, b'Z'].map(|c| c.to_ascii_lowercase()),
            );
            assert_eq!(lower8(word), want, "{b:#x}");
        }
        assert!(eq_folded(b"PowerShell.EXE -x", b"powershell.exe -x"));
        assert!(!eq_folded(b"PowerShell.EXE -y", b"powershell.exe -x"));
        assert!(!eq_folded(b"PowerShe|l", b"powershell"));
    }

    /// Against a byte-by-byte reference, at every length up to 24 and
    /// with one differing byte at every place.
    #[test]
    fn folded_equality_at_every_length() {
        let text: Vec<u8> = b"C:\\WINDOWS\\System32\\Cmd.EXE /c".to_vec();
        for n in 0..=24 {
            let t = &text[..n];
            let needle = t.to_ascii_lowercase();
            assert!(eq_folded(t, &needle), "{n}");
            assert!(!eq_folded(t, &needle[..n.saturating_sub(1)]) || n == 0);
            for k in 0..n {
                let mut other = needle.clone();
                other[k] = b'#';
                assert!(!eq_folded(t, &other), "{n} {k}");
            }
        }
    }

    #[test]
    fn contains_ignoring_case_as_a_naive_search() {
        let hay = "C:\\Windows\\cmd.exe /C \"ping -N 1\" ^& del x.BAT";
        for needle in [
            " -n", "/c", "^&", "c:", ".bat", "t", "x.bat", " \"", "zz", "1\"",
        ] {
            for end in 0..=hay.len() {
                let h = &hay.as_bytes()[..end];
                let want = String::from_utf8_lossy(h)
                    .to_ascii_lowercase()
                    .contains(needle);
                let got = h.len() >= needle.len() && super::find_nocase(h, needle.as_bytes());
                assert_eq!(got, want, "{needle:?} in {:?}", String::from_utf8_lossy(h));
            }
        }
    }

    #[test]
    fn a_byte_above_ascii_is_seen_at_every_place() {
        for n in 0..=24 {
            let mut b = vec![b'a'; n];
            assert!(super::all_ascii(&b), "{n}");
            for k in 0..n {
                b[k] = 0xc3;
                assert!(!super::all_ascii(&b), "{n} {k}");
                b[k] = b'a';
            }
        }
    }

    #[test]
    fn ascii_folding_is_decided_as_unicode_lower_casing_would() {
        use super::ascii_folds;
        let by_tables = |s: &str| {
            s.chars().all(|c| {
                c.is_ascii() || {
                    let mut l = c.to_lowercase();
                    l.next() == Some(c) && l.next().is_none()
                }
            })
        };
        for c in (0..0x3000).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("Microsoft{c} Windows"),
                format!("{c}{}", "x".repeat(15)),
            ] {
                assert_eq!(ascii_folds(&s), by_tables(&s), "{:?}", c);
            }
        }
        assert!(ascii_folds("C:\\Windows\\System32\\cmd.exe /c whoami"));
    }

    #[test]
    fn caseless_tests_read_only_the_bytes_they_need() {
        assert!(Pos::Prefix.test_nocase("C:\\Windows\\é", "c:\\windows"));
        assert!(Pos::Suffix.test_nocase("é\\CMD.EXE", "\\cmd.exe"));
        assert!(!Pos::Suffix.test_nocase("é\\CMD.EXE", "\\cmd.ex"));
        assert!(Pos::Exact.test_nocase("CMD.exe", "cmd.exe"));
        assert!(!Pos::Exact.test_nocase("CMD.exe ", "cmd.exe"));
        assert!(!Pos::Prefix.test_nocase("cm", "cmd"));
        // Non-ASCII where the needle sits: folded first.
        assert!(Pos::Prefix.test_nocase("ÉCOLE\\x", "école"));
        assert!(Pos::Contains.test_nocase("une ÉCOLE", "école"));
        assert!(Pos::Contains.test_nocase("Une École", "école"));
        assert!(!Pos::Contains.test_nocase("ab", "abc"));
        // Characters without case are compared as they are.
        assert!(Pos::Prefix.test_nocase("Microsoft® Windows", "microsoft®"));
        assert!(Pos::Exact.test_nocase("Microsoft®", "microsoft®"));
        assert!(!Pos::Suffix.test_nocase("®", "x®"));
    }
}
