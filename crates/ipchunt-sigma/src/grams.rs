//! Case-insensitive search for many literals at once, by 4-grams.
//!
//! Each needle of four bytes or more is indexed by one of its 4-grams, the
//! one the fewest needles of the set share. A small bitmap over hashed
//! 4-grams (a few kilobytes at most, so it stays in the first-level cache)
//! tells at which text positions an indexed gram may sit; only there is a
//! table of the exact grams probed and its needles compared with the text
//! in place. Needles shorter than a gram go to a [`ShortSet`]. Compared
//! with one automaton over thousands of needles, whose states do not fit
//! in any cache, the common case (no gram at a position) costs a load, a
//! multiply and a bit test.

use crate::pred::eq_folded;
use crate::short::ShortSet;

/// Bytes per gram.
const GRAM: usize = 4;
/// Multiplier of the gram hash (Fibonacci hashing).
const MUL: u32 = 0x9E37_79B1;
/// Every byte of a gram with its 0x20 bit set: ASCII letters fold to lower
/// case (other bytes may collide, which only adds candidates).
const FOLD: u32 = 0x2020_2020;
/// Bitmap bits per indexed gram (the share of set bits is about its
/// inverse), and the bitmap's bounds (log2 of its size in bits).
const BITS_PER_GRAM: usize = 32;
const MIN_LOG: u32 = 9;
/// Most positions skipped between probes.
const MAX_STRIDE: usize = 8;
const MAX_LOG: u32 = 18;

/// A bucket of the gram table: a gram (0 when empty: a folded gram never
/// is) and its entries.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    gram: u32,
    first: u32,
    len: u32,
}

/// Needles indexed by their gram: a needle and where the gram sits in it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    needle: u32,
    offset: u32,
    /// The needle's bytes in `bytes` (kept here to save a lookup).
    at: u32,
    len: u32,
}

#[derive(Debug)]
pub(crate) struct GramSet {
    /// Needle bytes (folded), concatenated.
    bytes: Vec<u8>,
    bits: Vec<u64>,
    shift: u32,
    table: Vec<Slot>,
    table_shift: u32,
    entries: Vec<Entry>,
    /// Text positions probed: every `stride`-th.
    stride: usize,
    /// Needles shorter than a gram.
    short: Option<ShortSet>,
    /// The length of the shortest needle.
    pub(crate) shortest: usize,
}

#[inline]
fn gram_at(b: &[u8]) -> Option<u32> {
    b.first_chunk::<GRAM>()
        .map(|w| u32::from_le_bytes(*w) | FOLD)
}

#[inline]
fn hash(g: u32, shift: u32) -> usize {
    (g.wrapping_mul(MUL) >> shift) as usize
}

fn log2_at_least(n: usize) -> u32 {
    n.max(1).next_power_of_two().trailing_zeros()
}

impl GramSet {
    /// Indexes `needles` (folded to lower case).
    pub(crate) fn build(needles: &[String]) -> GramSet {
        let mut bytes = Vec::new();
        let mut spans = Vec::with_capacity(needles.len());
        let mut short = Vec::new();
        // How many needles hold each gram.
        let mut counts: ahash::AHashMap<u32, u32> = ahash::AHashMap::new();
        let mut grams_of = Vec::new();
        for (i, n) in needles.iter().enumerate() {
            let b = n.as_bytes();
            spans.push((bytes.len() as u32, b.len() as u32));
            bytes.extend_from_slice(b);
            if b.len() < GRAM {
                short.push((b, i as u32));
                continue;
            }
            let mut gs: Vec<u32> = b.windows(GRAM).filter_map(gram_at).collect();
            gs.sort_unstable();
            gs.dedup();
            for g in &gs {
                *counts.entry(*g).or_insert(0) += 1;
            }
            grams_of.push(i);
        }
        // Texts are probed every `stride` positions: every needle is at
        // least `stride + 3` bytes long, so each occurrence covers one
        // probed position with `stride` consecutive grams of the needle.
        // Those are taken where the needles share them least.
        let stride = grams_of
            .iter()
            .map(|i| needles[*i].len() - GRAM + 1)
            .min()
            .unwrap_or(1)
            .min(MAX_STRIDE);
        let mut chosen: Vec<(u32, Entry)> = Vec::with_capacity(grams_of.len() * stride);
        for i in grams_of {
            let b = needles[i].as_bytes();
            let grams: Vec<u32> = b.windows(GRAM).filter_map(gram_at).collect();
            let shared: Vec<u32> = grams
                .iter()
                .map(|g| counts.get(g).copied().unwrap_or(0))
                .collect();
            let best = (0..=grams.len() - stride)
                .min_by_key(|o| shared[*o..*o + stride].iter().sum::<u32>())
                .unwrap_or(0);
            for (off, g) in grams.iter().enumerate().skip(best).take(stride) {
                let e = Entry {
                    needle: i as u32,
                    offset: off as u32,
                    at: spans[i].0,
                    len: spans[i].1,
                };
                chosen.push((*g, e));
            }
        }
        chosen.sort_unstable_by_key(|(g, e)| (*g, e.needle));
        let distinct = chosen.windows(2).filter(|w| w[0].0 != w[1].0).count() + 1;
        let log = log2_at_least(distinct * BITS_PER_GRAM).clamp(MIN_LOG, MAX_LOG);
        let shift = 32 - log;
        let mut bits = vec![0u64; (1usize << log) / 64];
        let table_log = log2_at_least(distinct * 2).max(1);
        let table_shift = 32 - table_log;
        let mut table = vec![Slot::default(); 1usize << table_log];
        let mask = table.len() - 1;
        let mut entries = Vec::with_capacity(chosen.len());
        let mut k = 0;
        while k < chosen.len() {
            let g = chosen[k].0;
            let first = entries.len() as u32;
            while k < chosen.len() && chosen[k].0 == g {
                entries.push(chosen[k].1);
                k += 1;
            }
            let h = hash(g, shift);
            bits[h >> 6] |= 1 << (h & 63);
            let mut t = hash(g, table_shift);
            while table[t].gram != 0 {
                t = (t + 1) & mask;
            }
            table[t] = Slot {
                gram: g,
                first,
                len: entries.len() as u32 - first,
            };
        }
        let short = (!short.is_empty()).then(|| ShortSet::build(short));
        GramSet {
            shortest: needles.iter().map(String::len).min().unwrap_or(0),
            bytes,
            bits,
            shift,
            table,
            table_shift,
            entries,
            stride,
            short,
        }
    }

    /// Whether a needle holds byte `b` (folded).
    pub(crate) fn holds(&self, b: u8) -> bool {
        self.bytes.contains(&b)
    }

    /// Calls `found` with the id of each needle found in `hay` (ASCII
    /// letters of `hay` in either case; other text folded beforehand),
    /// once per occurrence (one-byte needles: once per text).
    #[inline]
    pub(crate) fn find(&self, hay: &[u8], mut found: impl FnMut(u32)) {
        if let Some(short) = &self.short {
            short.find(hay, &mut found);
        }
        if self.entries.is_empty() || hay.len() < GRAM {
            return;
        }
        // One unaligned load per probed position; the loop's bound keeps
        // every load inside the text.
        let last = hay.len() - GRAM;
        let stride = self.stride;
        let mut i = 0;
        while i <= last {
            if let Some(g) = gram_at(&hay[i..]) {
                self.probe(hay, i, g, &mut found);
            }
            i += stride;
        }
    }

    #[inline(always)]
    fn probe(&self, hay: &[u8], i: usize, g: u32, found: &mut impl FnMut(u32)) {
        let h = hash(g, self.shift);
        if self.bits[h >> 6] & (1 << (h & 63)) != 0 {
            self.candidates(hay, i, g, found);
        }
    }

    /// The needles indexed by gram `g`, found at `i`, checked in place.
    #[cold]
    fn candidates(&self, hay: &[u8], i: usize, g: u32, found: &mut impl FnMut(u32)) {
        let mask = self.table.len() - 1;
        let mut t = hash(g, self.table_shift);
        let slot = loop {
            let s = self.table[t];
            if s.gram == g {
                break s;
            }
            if s.gram == 0 {
                return;
            }
            t = (t + 1) & mask;
        };
        let first = slot.first as usize;
        for e in &self.entries[first..first + slot.len as usize] {
            let Some(start) = i.checked_sub(e.offset as usize) else {
                continue;
            };
            let needle = &self.bytes[e.at as usize..(e.at + e.len) as usize];
            if hay
                .get(start..start + needle.len())
                .is_some_and(|t| eq_folded(t, needle))
            {
                found(e.needle);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GramSet;

    fn found(set: &GramSet, hay: &str) -> Vec<u32> {
        let mut out = Vec::new();
        set.find(hay.as_bytes(), |n| out.push(n));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_long_and_short_needles_in_any_case() {
        let needles: Vec<String> = [
            "invoke-mimikatz",
            " -e",
            "mimi",
            "kerberos::ptt",
            "\\temp\\",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let set = GramSet::build(&needles);
        assert_eq!(found(&set, "PowerShell -E Invoke-Mimikatz"), vec![0, 1, 2]);
        assert_eq!(found(&set, "c:\\TEMP\\x KERBEROS::PTT"), vec![3, 4]);
        assert_eq!(found(&set, "mim"), Vec::<u32>::new());
        // Every occurrence is reported; a gram's collisions (`|` folds
        // like `\`) are not matches.
        assert_eq!(found(&set, "mimi mimi |temp|"), vec![2, 2]);
    }

    /// Every occurrence of every needle, found naively.
    fn naive(needles: &[String], hay: &str) -> Vec<u32> {
        let hay = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for (i, n) in needles.iter().enumerate() {
            out.extend(hay.match_indices(n.as_str()).map(|_| i as u32));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn long_needles_probed_with_a_stride_at_every_alignment() {
        let needles: Vec<String> = ["sekurlsa::", "lsadump::", "kerberos::ptt", "mimidrv.sys"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let set = GramSet::build(&needles);
        assert!(set.stride > 1);
        for pad in 0..12 {
            let hay = format!(
                "{}SEKURLSA::x lsadump::lsadump:: Kerberos::PTT{}mimidrv.sy",
                "-".repeat(pad),
                " ".repeat(pad)
            );
            assert_eq!(found(&set, &hay), naive(&needles, &hay), "{hay}");
        }
    }

    #[test]
    fn needles_sharing_grams() {
        let needles: Vec<String> = (0..2000).map(|i| format!("needle{i:04}x")).collect();
        let set = GramSet::build(&needles);
        assert_eq!(found(&set, "a NEEDLE1234X b needle0007x"), vec![7, 1234]);
    }
}
