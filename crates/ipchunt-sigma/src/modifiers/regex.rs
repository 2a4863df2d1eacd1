//! `re` with the `i`, `m` and `s` flags, built with size limits.

use regex::{Regex, RegexBuilder};
use rsigma_parser::SigmaValue;

use super::Refusal;
use crate::pred::Test;

/// Compiled program size limit per regex (bytes).
const SIZE_LIMIT: usize = 10 << 20;
/// Lazy DFA cache limit per regex (bytes).
const DFA_LIMIT: usize = 2 << 20;

/// Builds a regex within ipchunt's limits.
pub(crate) fn build(pattern: &str) -> Result<Regex, Refusal> {
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
    build(&pattern).map(Test::Regex)
}
