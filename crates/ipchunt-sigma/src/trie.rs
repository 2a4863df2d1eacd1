//! Byte tries for anchored literals: prefixes (and whole values) walked
//! from a text's start, suffixes walked from its end. A walk costs at most
//! the length of the longest needle, whatever the number of needles.

use crate::pred::eq_folded;

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

    /// The trie packed for walking; chains of nodes with one child and no
    /// payload are folded into their parent's label.
    pub(crate) fn freeze(self) -> Frozen {
        // Per frozen node, parents before children: the original node
        // that starts it, its label (the chain of single children below
        // it) and the node the chain ends at.
        let mut order: Vec<(usize, Vec<u8>, usize)> = vec![(0, Vec::new(), 0)];
        let mut queue = vec![0usize];
        while let Some(start) = queue.pop() {
            for (_, to) in &self.nodes[start].next {
                let (label, end) = self.chain(*to as usize);
                order.push((*to as usize, label, end));
                queue.push(end);
            }
        }
        let mut index = vec![u32::MAX; self.nodes.len()];
        for (i, (o, _, _)) in order.iter().enumerate() {
            index[*o] = i as u32;
        }
        let nodes: Vec<Packed> = order
            .into_iter()
            .map(|(_, label, end)| {
                let n = &self.nodes[end];
                Packed {
                    label,
                    here: n.here.clone(),
                    edges: n
                        .next
                        .iter()
                        .map(|(b, to)| (*b, index[*to as usize]))
                        .collect(),
                }
            })
            .collect();
        // Byte offset of each node, then the nodes written there.
        let mut at = Vec::with_capacity(nodes.len());
        let mut len = 0usize;
        for n in &nodes {
            at.push(len as u32);
            len += n.size();
        }
        let mut data = Vec::with_capacity(len);
        for n in &nodes {
            n.write(&at, &mut data);
        }
        let mut root = [NONE; 256];
        if let Some(r) = nodes.first() {
            for (b, to) in &r.edges {
                root[*b as usize] = at[*to as usize];
            }
        }
        Frozen {
            data,
            root,
            backward: self.backward,
            empty: nodes.len() <= 1,
        }
    }

    /// Whether a node only leads on (one child, no payload).
    fn single(&self, i: usize) -> bool {
        self.nodes[i].here.is_empty() && self.nodes[i].next.len() == 1
    }

    /// The chain of single children below node `i`: its bytes (in text
    /// order: reversed for a backward trie, to be compared with the text
    /// in one go) and the node it ends at.
    fn chain(&self, mut i: usize) -> (Vec<u8>, usize) {
        let mut label = Vec::new();
        while self.single(i) {
            let (b, to) = self.nodes[i].next[0];
            label.push(b);
            i = to as usize;
        }
        if self.backward {
            label.reverse();
        }
        (label, i)
    }
}

/// No node.
const NONE: u32 = u32::MAX;

/// A frozen node before packing.
struct Packed {
    /// Bytes that follow the node's own byte before its payloads and
    /// edges (a folded chain of single children), in text order (for a
    /// backward trie, the reverse of the walk's order).
    label: Vec<u8>,
    here: Vec<u32>,
    /// Child by byte (sorted), as an index into the frozen nodes.
    edges: Vec<(u8, u32)>,
}

fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

impl Packed {
    /// Bytes the node takes: label length and bytes, payload count and
    /// payloads, edge count, edge bytes and the children's offsets.
    fn size(&self) -> usize {
        4 + pad4(self.label.len())
            + 4
            + 4 * self.here.len()
            + 4
            + pad4(self.edges.len())
            + 4 * self.edges.len()
    }

    fn write(&self, at: &[u32], out: &mut Vec<u8>) {
        let word = |out: &mut Vec<u8>, w: u32| out.extend_from_slice(&w.to_le_bytes());
        let bytes = |out: &mut Vec<u8>, b: &[u8]| {
            out.extend_from_slice(b);
            out.resize(out.len() + pad4(b.len()) - b.len(), 0);
        };
        word(out, self.label.len() as u32);
        bytes(out, &self.label);
        word(out, self.here.len() as u32);
        self.here.iter().for_each(|p| word(out, *p));
        word(out, self.edges.len() as u32);
        bytes(out, &self.edges.iter().map(|e| e.0).collect::<Vec<u8>>());
        self.edges.iter().for_each(|e| word(out, at[e.1 as usize]));
    }
}

/// A trie packed in one byte array, each node in one run of bytes (so
/// that a step of a walk reads one or two cache lines), the root as a
/// direct 256-entry table of node offsets.
#[derive(Debug)]
pub(crate) struct Frozen {
    data: Vec<u8>,
    root: [u32; 256],
    backward: bool,
    empty: bool,
}

impl Frozen {
    pub(crate) fn is_empty(&self) -> bool {
        self.empty
    }

    /// The word at byte `p` (0 past the end, which ends any walk).
    #[inline]
    fn word(&self, p: usize) -> u32 {
        self.data
            .get(p..p + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    }

    /// Walks `text` (ASCII letters folded to lower case when `fold`),
    /// calling `found(payload, depth)` for each needle that sits at the
    /// text's start (or end, for a backward trie).
    #[inline]
    pub(crate) fn walk(&self, text: &[u8], fold: bool, found: impl FnMut(u32, usize)) {
        if self.backward {
            self.walk_from::<true>(text, fold, found);
        } else {
            self.walk_from::<false>(text, fold, found);
        }
    }

    #[inline]
    fn walk_from<const BACK: bool>(
        &self,
        text: &[u8],
        fold: bool,
        mut found: impl FnMut(u32, usize),
    ) {
        let n = text.len();
        // The text's byte `depth` bytes in from the walk's end.
        let byte = |depth: usize| {
            let b = if BACK {
                text[n - 1 - depth]
            } else {
                text[depth]
            };
            if fold { b.to_ascii_lowercase() } else { b }
        };
        if n == 0 {
            return;
        }
        let mut cur = self.root[byte(0) as usize];
        // Bytes of the text consumed.
        let mut depth = 1;
        while cur != NONE {
            let mut p = cur as usize;
            let len = self.word(p) as usize;
            p += 4;
            if len > 0 {
                if n - depth < len {
                    return;
                }
                let Some(want) = self.data.get(p..p + len) else {
                    return;
                };
                let got = if BACK {
                    &text[n - depth - len..n - depth]
                } else {
                    &text[depth..depth + len]
                };
                if !(if fold {
                    eq_folded(got, want)
                } else {
                    got == want
                }) {
                    return;
                }
                depth += len;
                p += pad4(len);
            }
            let here = self.word(p) as usize;
            p += 4;
            for k in 0..here {
                found(self.word(p + 4 * k), depth);
            }
            p += 4 * here;
            let edges = self.word(p) as usize;
            if depth == n || edges == 0 {
                return;
            }
            p += 4;
            let b = byte(depth);
            depth += 1;
            let Some(bytes) = self.data.get(p..p + edges) else {
                return;
            };
            cur = match bytes.iter().position(|x| *x == b) {
                Some(i) => self.word(p + pad4(edges) + 4 * i),
                None => return,
            };
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
        let t = t.freeze();
        let mut got = Vec::new();
        t.walk(b"C:\\Windows\\x", true, |p, d| got.push((p, d)));
        assert_eq!(got, vec![(0, 3), (1, 11)]);
        let mut s = Trie::new(true);
        s.add(b"\\cmd.exe", 7);
        s.add(b".exe", 8);
        let s = s.freeze();
        let mut got = Vec::new();
        s.walk(b"C:\\x\\CMD.EXE", true, |p, d| got.push((p, d)));
        assert_eq!(got, vec![(8, 4), (7, 8)]);
    }

    #[test]
    fn folded_chains_walk_as_a_naive_comparison() {
        let needles = [
            "c:\\windows\\system32\\",
            "c:\\windows\\",
            "c:\\windows\\system32\\cmd.exe",
            "c:\\program files\\",
            "c:\\programdata\\",
            "d",
            "de",
            "defg",
            "\\powershell.exe",
            "\\pwsh.exe",
            ".exe",
        ];
        for backward in [false, true] {
            let mut t = Trie::new(backward);
            for (i, n) in needles.iter().enumerate() {
                t.add(n.as_bytes(), i as u32);
            }
            let t = t.freeze();
            for text in [
                "C:\\Windows\\System32\\cmd.exe",
                "c:\\windows\\system3",
                "C:\\ProgramData\\x\\PowerShell.exe",
                "d",
                "defgh",
                "c:\\program files (x86)\\pwsh.exe",
                "",
                "x.exe",
            ] {
                let mut got = Vec::new();
                t.walk(text.as_bytes(), true, |p, d| got.push((p, d)));
                got.sort_unstable();
                let lower = text.to_ascii_lowercase();
                let mut want: Vec<(u32, usize)> = needles
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| {
                        if backward {
                            lower.ends_with(*n)
                        } else {
                            lower.starts_with(*n)
                        }
                    })
                    .map(|(i, n)| (i as u32, n.len()))
                    .collect();
                want.sort_unstable();
                assert_eq!(got, want, "{text:?} backward={backward}");
                // Text folded beforehand is walked as it is.
                let mut got = Vec::new();
                t.walk(lower.as_bytes(), false, |p, d| got.push((p, d)));
                got.sort_unstable();
                assert_eq!(got, want, "{lower:?} backward={backward}, not folding");
            }
        }
    }
}
