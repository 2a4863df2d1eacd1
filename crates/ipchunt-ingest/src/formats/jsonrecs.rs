//! Shared plumbing of the JSON readers for Linux, macOS and Defender
//! sources: objects cut by [`JsonFramer`] (JSONL, concatenated or in a
//! top-level array), each parsed and turned into one event or one bad
//! record, and a cheap look at a file head for sniffing.

use std::io::Read;
use std::sync::Arc;

use ipchunt_core::{Event, Locator};

use super::skip_space;
use crate::frame::{JsonFramer, Piece};
use crate::sink::{Counts, Emitter, EventSink};

/// Reads every JSON object of `src`, handing each (bytes and 1-based line)
/// to `build`; its error is reported as a bad record at that line, and
/// `Ok(None)` passes over an object that is no record of the format (a
/// shared log's entry from another program).
pub fn each_object<R: Read>(
    src: R,
    name: &Arc<str>,
    batch_size: usize,
    sink: &dyn EventSink,
    mut build: impl FnMut(&[u8], u64) -> Result<Option<Event>, String>,
) -> Counts {
    let mut framer = JsonFramer::new(src);
    let mut em = Emitter::new(sink, name.clone(), batch_size);
    loop {
        match framer.next_piece() {
            Ok(None) => break,
            Ok(Some(Piece::Bad { line, reason })) => em.bad(Some(Locator::Line(line)), reason),
            Ok(Some(Piece::Record { start, end, line })) => {
                match build(&framer.buf()[start..end], line) {
                    Ok(Some(ev)) => em.event(ev),
                    Ok(None) => {}
                    Err(reason) => em.bad(Some(Locator::Line(line)), reason),
                }
            }
            Err(e) => {
                em.bad(None, format!("read failed: {e}"));
                break;
            }
        }
    }
    em.finish()
}

/// Whether the head starts a JSON object (alone or in an array) whose first
/// part mentions every one of `keys` as an object key.
pub fn head_has_keys(head: &[u8], keys: &[&str]) -> bool {
    let mut h = skip_space(head);
    if let Some(rest) = h.strip_prefix(b"[") {
        h = skip_space(rest);
    }
    if h.first() != Some(&b'{') {
        return false;
    }
    keys.iter().all(|k| {
        let quoted = format!("\"{k}\"");
        let finder = memchr::memmem::Finder::new(quoted.as_bytes());
        finder
            .find_iter(h)
            .any(|at| skip_space(&h[at + quoted.len()..]).first() == Some(&b':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_keys() {
        assert!(head_has_keys(b" [ {\"a\": 1, \"b\" :2", &["a", "b"]));
        assert!(!head_has_keys(b"{\"a\": \"b\"}", &["a", "b"]));
        assert!(!head_has_keys(b"a,b\n", &["a"]));
    }
}
