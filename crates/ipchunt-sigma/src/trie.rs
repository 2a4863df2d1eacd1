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

    /// The trie in flat arrays, for walking; chains of nodes with one
    /// child and no payload are folded into their parent's label.
    pub(crate) fn freeze(self) -> Frozen {
        let mut f = Frozen {
            nodes: Vec::new(),
            edge_bytes: Vec::new(),
            edge_to: Vec::new(),
            here: Vec::new(),
            labels: Vec::new(),
            root: [u32::MAX; 256],
            backward: self.backward,
        };
        // Frozen index of each original node that starts a frozen node.
        let mut index = vec![u32::MAX; self.nodes.len()];
        let mut order = vec![0usize];
        let mut queue = vec![0usize];
        while let Some(start) = queue.pop() {
            for (_, to) in &self.nodes[start].next {
                let mut end = *to as usize;
                while self.nodes[end].here.is_empty() && self.nodes[end].next.len() == 1 {
                    end = self.nodes[end].next[0].1 as usize;
                }
                order.push(*to as usize);
                queue.push(end);
            }
        }
        for (i, o) in order.iter().enumerate() {
            index[*o] = i as u32;
        }
        for o in &order {
            // The label: bytes of the chain below `o` up to its end node.
            let label_at = f.labels.len() as u32;
            let mut end = *o;
            if end != 0 {
                while self.nodes[end].here.is_empty() && self.nodes[end].next.len() == 1 {
                    let (b, to) = self.nodes[end].next[0];
                    f.labels.push(b);
                    end = to as usize;
                }
            }
            if self.backward {
                // In text order, to be compared with the text in one go.
                f.labels[label_at as usize..].reverse();
            }
            let n = &self.nodes[end];
            f.nodes.push(FrozenNode {
                edges: f.edge_bytes.len() as u32,
                n_edges: n.next.len() as u32,
                here: f.here.len() as u32,
                n_here: n.here.len() as u32,
                label: label_at,
                n_label: f.labels.len() as u32 - label_at,
            });
            for (b, to) in &n.next {
                f.edge_bytes.push(*b);
                f.edge_to.push(index[*to as usize]);
            }
            f.here.extend(&n.here);
        }
        if let Some(root) = f.nodes.first() {
            let e = root.edges as usize;
            for k in 0..root.n_edges as usize {
                f.root[f.edge_bytes[e + k] as usize] = f.edge_to[e + k];
            }
        }
        f
    }
}

#[derive(Debug, Clone, Copy)]
struct FrozenNode {
    edges: u32,
    n_edges: u32,
    here: u32,
    n_here: u32,
    /// Bytes that follow this node's own byte before its payloads and
    /// edges (a folded chain of single children), in text order (for a
    /// backward trie, the reverse of the walk's order).
    label: u32,
    n_label: u32,
}

/// A trie in flat arrays: one node table, edges, payloads and labels
/// contiguous, the root as a direct 256-entry table.
#[derive(Debug)]
pub(crate) struct Frozen {
    nodes: Vec<FrozenNode>,
    edge_bytes: Vec<u8>,
    edge_to: Vec<u32>,
    here: Vec<u32>,
    labels: Vec<u8>,
    root: [u32; 256],
    backward: bool,
}

impl Frozen {
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
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
        while let Some(node) = self.nodes.get(cur as usize) {
            let len = node.n_label as usize;
            if len > 0 {
                if n - depth < len {
                    return;
                }
                let l = node.label as usize;
                let want = &self.labels[l..l + len];
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
            }
            if node.n_here > 0 {
                let h = node.here as usize;
                for p in &self.here[h..h + node.n_here as usize] {
                    found(*p, depth);
                }
            }
            if depth == n || node.n_edges == 0 {
                return;
            }
            let b = byte(depth);
            depth += 1;
            let e = node.edges as usize;
            let edges = &self.edge_bytes[e..e + node.n_edges as usize];
            cur = match edges.iter().position(|x| *x == b) {
                Some(i) => self.edge_to[e + i],
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
