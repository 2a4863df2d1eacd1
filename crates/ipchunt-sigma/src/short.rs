//! Needles of one to three bytes (`/c`, ` -e`, `add`, windash variants),
//! found at every position of a text. A byte table and a bitmap over byte
//! pairs (8 KB, with both cases of ASCII letters set) say where one may
//! start; only there are the needles of that pair compared. Command lines
//! hold several such needles each, and an overlapping Aho-Corasick search
//! costs a state transition per byte where this costs a bit test.

use ahash::AHashMap;

#[derive(Debug)]
pub(crate) struct ShortSet {
    /// Bit per first byte: a one-byte needle starts with it.
    single: [u64; 4],
    /// Per folded byte: where its one-byte needles' ids sit in
    /// `single_ids` (start, end).
    single_at: Box<[(u32, u32); 256]>,
    single_ids: Vec<u32>,
    /// The bytes one-byte needles start with (both cases of letters).
    single_bytes: Box<[u8]>,
    /// Bit per byte pair (both cases of ASCII letters): a longer needle
    /// starts with it.
    pairs: Vec<u64>,
    /// Per folded pair: the needles starting with it (id, third byte when
    /// the needle has one).
    by_pair: AHashMap<u16, Vec<(u32, Option<u8>)>>,
}

/// Both cases of an ASCII letter (the byte alone otherwise).
fn cases(b: u8) -> [u8; 2] {
    [b.to_ascii_lowercase(), b.to_ascii_uppercase()]
}

fn pair(a: u8, b: u8) -> usize {
    (a as usize) << 8 | b as usize
}

/// Bit `i` of a bitmap.
#[inline]
fn has(bits: &[u64], i: usize) -> bool {
    bits[i >> 6] & (1 << (i & 63)) != 0
}

/// Sets or clears bit `i` of a bitmap.
#[inline]
fn put(bits: &mut [u64], i: usize, on: bool) {
    if on {
        bits[i >> 6] |= 1 << (i & 63);
    } else {
        bits[i >> 6] &= !(1 << (i & 63));
    }
}

impl ShortSet {
    /// Indexes `needles` (folded, 1 to 3 bytes) under the given ids.
    pub(crate) fn build<'a>(needles: impl IntoIterator<Item = (&'a [u8], u32)>) -> ShortSet {
        let mut singles: Vec<(u8, u32)> = Vec::new();
        let mut s = ShortSet {
            single: [0; 4],
            single_at: Box::new([(0, 0); 256]),
            single_ids: Vec::new(),
            single_bytes: Box::default(),
            pairs: vec![0; 65536 / 64],
            by_pair: AHashMap::new(),
        };
        for (n, id) in needles {
            match *n {
                [a] => {
                    for c in cases(a) {
                        put(&mut s.single, c as usize, true);
                    }
                    singles.push((a, id));
                }
                [a, b, ref rest @ ..] => {
                    for x in cases(a) {
                        for y in cases(b) {
                            let p = pair(x, y);
                            put(&mut s.pairs, p, true);
                        }
                    }
                    let key = pair(a, b) as u16;
                    s.by_pair
                        .entry(key)
                        .or_default()
                        .push((id, rest.first().copied()));
                }
                [] => {}
            }
        }
        s.single_bytes = (0..=255u8)
            .filter(|c| has(&s.single, *c as usize))
            .collect();
        singles.sort_unstable();
        for (b, id) in singles {
            let at = &mut s.single_at[b as usize];
            if at.0 == at.1 {
                *at = (s.single_ids.len() as u32, s.single_ids.len() as u32);
            }
            s.single_ids.push(id);
            at.1 += 1;
        }
        s
    }

    /// Calls `found` with the id of every needle found in `hay` (ASCII
    /// letters of `hay` in either case): at every place for needles of two
    /// or three bytes, at the first for one-byte needles.
    pub(crate) fn find(&self, hay: &[u8], found: &mut impl FnMut(u32)) {
        // Two tight passes, each skipped when the set has no needle of
        // its kind.
        if !self.single_ids.is_empty() {
            self.find_singles(hay, found);
        }
        if !self.by_pair.is_empty() {
            for (i, w) in hay.windows(2).enumerate() {
                let p = pair(w[0], w[1]);
                if has(&self.pairs, p) {
                    self.longer(hay, i, found);
                }
            }
        }
    }

    /// One-byte needles, each reported at its first place only: its byte
    /// (in both cases) then leaves the table for the rest of the text. A
    /// few bytes are searched with SIMD.
    fn find_singles(&self, hay: &[u8], found: &mut impl FnMut(u32)) {
        let mut single = self.single;
        let mut each = |b: u8| {
            if has(&single, b as usize) {
                self.singles(b, found);
                for c in cases(b) {
                    put(&mut single, c as usize, false);
                }
            }
        };
        match *self.single_bytes {
            [a] => memchr::memchr_iter(a, hay).for_each(|i| each(hay[i])),
            [a, b] => memchr::memchr2_iter(a, b, hay).for_each(|i| each(hay[i])),
            [a, b, c] => memchr::memchr3_iter(a, b, c, hay).for_each(|i| each(hay[i])),
            _ => hay.iter().for_each(|b| each(*b)),
        }
    }

    #[cold]
    fn singles(&self, b: u8, found: &mut impl FnMut(u32)) {
        let (from, to) = self.single_at[b.to_ascii_lowercase() as usize];
        for id in self
            .single_ids
            .get(from as usize..to as usize)
            .unwrap_or(&[])
        {
            found(*id);
        }
    }

    #[cold]
    fn longer(&self, hay: &[u8], i: usize, found: &mut impl FnMut(u32)) {
        let key = pair(hay[i].to_ascii_lowercase(), hay[i + 1].to_ascii_lowercase()) as u16;
        let third = hay.get(i + 2).map(u8::to_ascii_lowercase);
        for (id, want) in self.by_pair.get(&key).into_iter().flatten() {
            if want.is_none() || *want == third {
                found(*id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ShortSet;

    /// Every place of every needle, found naively (one-byte needles:
    /// the first place only).
    fn naive(needles: &[&str], hay: &str) -> Vec<u32> {
        let hay = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for (i, n) in needles.iter().enumerate() {
            let places =
                (0..hay.len()).filter(|at| hay.as_bytes()[*at..].starts_with(n.as_bytes()));
            out.extend(
                places
                    .take(if n.len() == 1 { 1 } else { usize::MAX })
                    .map(|_| i as u32),
            );
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn every_occurrence_in_either_case_as_a_naive_search_finds_it() {
        // One-byte needles of many bytes (a table), of one to three bytes
        // (searched with SIMD), with letters in both cases.
        let sets: [&[&str]; 4] = [
            &["/c", " -e", "add", "x", "\u{2013}", "aa", "a"],
            &["`", "$", "/c"],
            &["x", "-e"],
            &["`", "$", "^"],
        ];
        for needles in sets {
            let set = ShortSet::build(
                needles
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.as_bytes(), i as u32)),
            );
            for hay in [
                "cmd.exe /C whoami",
                "xXx aAa x",
                "powershell -E abc -e",
                "ADD aaa",
                "net user \u{2013}add x",
                "a `$x` ^ b $ `",
                "",
                "a",
                "ad",
                "\u{2013}",
            ] {
                let mut got = Vec::new();
                set.find(hay.as_bytes(), &mut |id| got.push(id));
                got.sort_unstable();
                assert_eq!(got, naive(needles, hay), "{needles:?} in {hay:?}");
            }
        }
    }
}
