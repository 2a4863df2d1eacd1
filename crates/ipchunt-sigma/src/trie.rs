//! Byte tries for anchored literals: prefixes (and whole values) walked
//! from a text's start, suffixes walked from its end. A walk costs at most
//! the length of the longest needle, whatever the number of needles.

/// What reaching a node means, for the caller's hit list.
#[derive(Debug, Default)]
struct Node {
    /// Children by byte, sorted.
    next: Vec<(u8, u32)>,
    /// Payload indices ending here.
    here: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
    /// Walk from the end of the text (suffix trie).
    backward: bool,
}

impl Trie {
    pub(crate) fn new(backward: bool) -> Trie {
        Trie {
            nodes: vec![Node::default()],
            backward,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.len() == 1 && self.nodes[0].here.is_empty()
    }

    /// Adds a needle (bytes as they must appear, already folded when the
    /// walk folds) carrying `payload`.
    pub(crate) fn add(&mut self, needle: &[u8], payload: u32) {
        let mut cur = 0usize;
        let step = |cur: usize, b: u8, nodes: &mut Vec<Node>| -> usize {
            match nodes[cur].next.binary_search_by_key(&b, |x| x.0) {
                Ok(i) => nodes[cur].next[i].1 as usize,
                Err(i) => {
                    let id = nodes.len();
                    nodes.push(Node::default());
                    nodes[cur].next.insert(i, (b, id as u32));
                    id
                }
            }
        };
        if self.backward {
            for b in needle.iter().rev() {
                cur = step(cur, *b, &mut self.nodes);
            }
        } else {
            for b in needle {
                cur = step(cur, *b, &mut self.nodes);
            }
        }
        self.nodes[cur].here.push(payload);
    }

    /// Walks `text` (ASCII letters folded to lower case when `fold`),
    /// calling `found(payload, depth)` for each needle that sits at the
    /// text's start (or end, for a backward trie).
    #[inline]
    pub(crate) fn walk(&self, text: &[u8], fold: bool, mut found: impl FnMut(u32, usize)) {
        let mut cur = 0usize;
        let n = text.len();
        for depth in 0..n {
            let b = if self.backward {
                text[n - 1 - depth]
            } else {
                text[depth]
            };
            let b = if fold { b.to_ascii_lowercase() } else { b };
            let node = &self.nodes[cur];
            match node.next.binary_search_by_key(&b, |x| x.0) {
                Ok(i) => cur = node.next[i].1 as usize,
                Err(_) => return,
            }
            for p in &self.nodes[cur].here {
                found(*p, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Trie;

    #[test]
    fn prefixes_and_suffixes() {
        let mut t = Trie::new(false);
        t.add(b"c:\\", 0);
        t.add(b"c:\\windows\\", 1);
        t.add(b"d:", 2);
        let mut got = Vec::new();
        t.walk(b"C:\\Windows\\x", true, |p, d| got.push((p, d)));
        assert_eq!(got, vec![(0, 3), (1, 11)]);
        let mut s = Trie::new(true);
        s.add(b"\\cmd.exe", 7);
        s.add(b".exe", 8);
        let mut got = Vec::new();
        s.walk(b"C:\\x\\CMD.EXE", true, |p, d| got.push((p, d)));
        assert_eq!(got, vec![(8, 4), (7, 8)]);
    }
}
