//! `re` with the `i`, `m` and `s` flags, built with size limits.
//!
//! A regex is checked when its rule loads and compiled when first used:
//! most never run (their rule's literals never all hit), and a compiled
//! regex holds kilobytes of automata.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};
use rsigma_parser::SigmaValue;

use super::Refusal;
use crate::pred::Test;

/// Compiled program size limit per regex (bytes).
const SIZE_LIMIT: usize = 10 << 20;
/// Lazy DFA cache limit per regex (bytes).
const DFA_LIMIT: usize = 2 << 20;

/// Longest pattern checked by its syntax alone: shorter ones without a
/// counted repetition (`{n}`) stay far below [`SIZE_LIMIT`].
const SYNTAX_ONLY: usize = 256;

/// A regex within ipchunt's limits, compiled on first use.
#[derive(Debug)]
pub(crate) struct LazyRegex {
    pattern: Box<str>,
    re: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    pub(crate) fn as_str(&self) -> &str {
        &self.pattern
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.re
            .get_or_init(|| compile_now(&self.pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

/// Checks a pattern (syntax, and size when it could exceed the limit)
/// and keeps it for compiling on first use.
pub(crate) fn build(pattern: &str) -> Result<LazyRegex, Refusal> {
    build_parsed(pattern, regex_syntax::parse(pattern).is_ok())
}

/// [`build`] for a pattern whose syntax was checked (`parses`).
fn build_parsed(pattern: &str, parses: bool) -> Result<LazyRegex, Refusal> {
    let counted = pattern
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'{' && w[1].is_ascii_digit());
    let re = OnceLock::new();
    if counted || pattern.len() > SYNTAX_ONLY || !parses {
        // The full build, for its verdict and its error's wording; kept,
        // as it may be slow to build again (`\w{1,64}` takes tens of
        // milliseconds).
        let _ = re.set(Some(compile_now(pattern)?));
    }
    Ok(LazyRegex {
        pattern: pattern.into(),
        re,
    })
}

/// Builds a regex within ipchunt's limits.
fn compile_now(pattern: &str) -> Result<Regex, Refusal> {
    RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(DFA_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => Refusal::new(
                "regex exceeds size limit",
                format!("{pattern:?} compiles beyond {limit} bytes"),
            ),
            other => Refusal::new("invalid regex", format!("{pattern:?}: {other}")),
        })
}

/// The test for `field|re: value` (case-sensitive unless `i`).
pub(crate) fn compile(v: &SigmaValue, (i, m, s): (bool, bool, bool)) -> Result<Test, Refusal> {
    let SigmaValue::String(text) = v else {
        return Err(Refusal::new("re needs a string value", format!("got {v}")));
    };
    let mut flags = String::new();
    for (on, f) in [(i, 'i'), (m, 'm'), (s, 's')] {
        if on {
            flags.push(f);
        }
    }
    let pattern = if flags.is_empty() {
        text.original.clone()
    } else {
        format!("(?{flags}){}", text.original)
    };
    let pattern = super::pcre::ascii_classes(&pattern);
    // Parsed once: for the syntax check and for the trigger literals.
    let hir = regex_syntax::parse(&pattern).ok();
    let re = build_parsed(&pattern, hir.is_some())?;
    Ok(Test::Regex {
        triggers: hir.as_ref().map(triggers).unwrap_or_default(),
        re,
    })
}

/// Literals one of which every match contains, folded to lower case: its
/// required prefixes, suffixes or inner literals, whichever set has the
/// longest shortest literal; empty when none exists.
fn triggers(hir: &Hir) -> Vec<Box<str>> {
    let inner = inner(hir)
        .map(|set| set.into_iter().map(Box::from).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut best = required_prefixes(hir);
    for other in [required_suffixes(hir), inner] {
        if shortest(&other) > shortest(&best) {
            best = other;
        }
    }
    // A set holding a byte found in nearly every text (a space, a letter,
    // a backslash) would only cost a search: the regex runs anyway.
    if best
        .iter()
        .any(|t| matches!(t.as_bytes(), [b] if common_byte(*b)))
    {
        return Vec::new();
    }
    best
}

/// Whether a byte occurs in most event texts: whitespace, letters,
/// digits and path separators.
fn common_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b.is_ascii_whitespace() || b == b'\\' || b == b'/' || b == b'\x0b'
}

/// The shortest literal of a set (0 for none).
fn shortest<T: AsRef<str>>(set: &[T]) -> usize {
    set.iter().map(|s| s.as_ref().len()).min().unwrap_or(0)
}

/// The text a node matches when it matches exactly one (folded) string.
fn exact(h: &Hir) -> Option<String> {
    match h.kind() {
        HirKind::Literal(l) => std::str::from_utf8(&l.0)
            .ok()
            .map(|s| crate::pred::fold(s).into_owned()),
        HirKind::Class(Class::Unicode(c)) => {
            // A few characters that all fold to the same one (`[kK]`).
            let size: u32 = c
                .iter()
                .map(|r| r.end() as u32 - r.start() as u32 + 1)
                .sum();
            if size > 8 {
                return None;
            }
            let mut folded = c.iter().flat_map(|r| r.start()..=r.end()).map(|x| {
                let mut l = x.to_lowercase();
                (l.next(), l.next())
            });
            let first = folded.next()?;
            match first {
                (Some(f), None) if folded.all(|x| x == first) => Some(f.to_string()),
                _ => None,
            }
        }
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(parts) => parts.iter().map(exact).collect(),
        _ => None,
    }
}

/// Literals one of which occurs in every match (folded), the longest such
/// set found; `None` when there is none.
fn inner(h: &Hir) -> Option<Vec<String>> {
    if let Some(s) = exact(h) {
        return (!s.is_empty()).then(|| vec![s]);
    }
    match h.kind() {
        HirKind::Capture(c) => inner(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => inner(&r.sub),
        HirKind::Concat(parts) => {
            let mut best: Option<Vec<String>> = None;
            let mut keep = |set: Vec<String>| {
                if best.as_ref().is_none_or(|b| shortest(&set) > shortest(b)) {
                    best = Some(set);
                }
            };
            let mut run = String::new();
            for p in parts {
                if let Some(s) = exact(p) {
                    run.push_str(&s);
                    continue;
                }
                if !run.is_empty() {
                    keep(vec![std::mem::take(&mut run)]);
                }
                if let Some(set) = inner(p) {
                    keep(set);
                }
            }
            if !run.is_empty() {
                keep(vec![run]);
            }
            best
        }
        HirKind::Alternation(alts) => {
            let mut out: Vec<String> = Vec::new();
            for a in alts {
                for s in inner(a)? {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
            (out.len() <= MAX_TRIGGERS).then_some(out)
        }
        _ => None,
    }
}

/// Most alternatives a regex's prefix set may have to serve as triggers.
const MAX_TRIGGERS: usize = 64;

/// Literals one of which starts every match of the regex, folded to lower
/// case; empty when the regex has no such finite, non-empty set.
fn required_prefixes(hir: &Hir) -> Vec<Box<str>> {
    required(hir, ExtractKind::Prefix)
}

/// Literals one of which ends every match, as [`required_prefixes`].
fn required_suffixes(hir: &Hir) -> Vec<Box<str>> {
    required(hir, ExtractKind::Suffix)
}

fn required(hir: &Hir, kind: ExtractKind) -> Vec<Box<str>> {
    let seq = Extractor::new().kind(kind).extract(hir);
    let Some(lits) = seq.literals() else {
        return Vec::new();
    };
    let mut out: Vec<Box<str>> = Vec::new();
    for l in lits {
        let Ok(text) = std::str::from_utf8(l.as_bytes()) else {
            return Vec::new();
        };
        if text.is_empty() {
            return Vec::new();
        }
        let folded: Box<str> = crate::pred::fold(text).into();
        if !out.contains(&folded) {
            out.push(folded);
        }
    }
    if out.len() > MAX_TRIGGERS {
        return Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use regex_syntax::hir::Hir;

    fn parse(p: &str) -> Hir {
        regex_syntax::parse(p).expect("valid pattern")
    }

    fn triggers(p: &str) -> Vec<Box<str>> {
        super::triggers(&parse(p))
    }

    fn required_prefixes(p: &str) -> Vec<Box<str>> {
        super::required_prefixes(&parse(p))
    }

    #[test]
    fn literals_inside_regexes() {
        let t = triggers(r"(?i)\.exe[\x22']?\s+[^\x22]{0,64}werfaultsecure\.exe");
        assert!(t.iter().all(|x| x.len() >= 5), "{t:?}");
        let strs = |p: &str| -> Vec<String> { triggers(p).iter().map(|x| x.to_string()).collect() };
        assert_eq!(strs(r"\w+`(?:\w+|-|.)`"), ["`"]);
        assert_eq!(strs(r".(ab|cd)+y"), ["aby", "cdy"]);
        assert_eq!(strs(r".(ab|cd)+"), ["ab", "cd"]);
        assert_eq!(strs(r"x(ab|cd)+y\d"), ["xab", "xcd"]);
        assert!(triggers(r"\s[a-f]{64}").is_empty());
        // A set with a space or a backslash in it is no filter.
        assert!(triggers(r"[[:space:]][a-fA-F0-9]{64}").is_empty());
        assert!(triggers(r"\\[a-z0-9]{1,32}\.[a-z]").is_empty());
        assert_eq!(strs(r"\w+`[a-z]"), ["`"]);
        // The literals every match ends with, when longer than the rest.
        let mut t = strs(r"\\[a-z0-9]{1,32}\.[a-z0-9]{1,6}\.[ \x22']");
        t.sort();
        assert_eq!(t, [". ", ".\"", ".'"]);
    }

    #[test]
    fn prefixes_of_regexes() {
        let p = required_prefixes("(?i)invoke-(ex|cmd)");
        assert!(
            !p.is_empty() && p.iter().all(|x| x.starts_with("invoke-")),
            "{p:?}"
        );
        assert!(required_prefixes(".*abc").is_empty());
        assert!(required_prefixes("a?b").len() == 2);
    }
}
