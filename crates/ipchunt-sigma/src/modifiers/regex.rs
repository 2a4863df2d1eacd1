//! `re` with the `i`, `m` and `s` flags, built with size limits.
//!
//! A regex is checked when its rule loads and compiled when first used:
//! most never run (their rule's literals never all hit), and a compiled
//! regex holds kilobytes of automata.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
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
    let counted = pattern
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'{' && w[1].is_ascii_digit());
    if counted || pattern.len() > SYNTAX_ONLY || regex_syntax::parse(pattern).is_err() {
        // The full build, for its verdict and its error's wording.
        compile_now(pattern)?;
    }
    Ok(LazyRegex {
        pattern: pattern.into(),
        re: OnceLock::new(),
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
    let re = build(&pattern)?;
    Ok(Test::Regex {
        triggers: required_prefixes(&pattern),
        re,
    })
}

/// Most alternatives a regex's prefix set may have to serve as triggers.
const MAX_TRIGGERS: usize = 64;

/// Literals one of which starts every match of the regex, folded to lower
/// case; empty when the regex has no such finite, non-empty set.
fn required_prefixes(pattern: &str) -> Vec<Box<str>> {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Vec::new();
    };
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
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
    use super::required_prefixes;

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
