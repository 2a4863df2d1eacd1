//! Conditions flattened for evaluation: a rule's condition, with its
//! detections written in place, as one run of words in an arena shared by
//! all rules. Evaluating a candidate then reads a few adjacent cache lines
//! instead of following the pointers of the condition's and detections'
//! nested vectors, which are cold by the time a rule becomes a candidate.
//!
//! Words: a leaf is one word (tag and predicate id) or two (a span's
//! bounds); a node is two words (tag with its argument, then the index
//! where its children end) followed by its children.

use crate::condition::{Cond, Det, Item, Oracle};
use crate::pred::PredId;

const TAG_SHIFT: u32 = 28;
const ARG: u32 = (1 << TAG_SHIFT) - 1;
const PRED: u32 = 1;
const SPAN: u32 = 2;
const AND: u32 = 3;
const OR: u32 = 4;
const NOT: u32 = 5;
/// At least `arg` of the children.
const ATLEAST: u32 = 6;
const FALSE: u32 = 7;
/// A predicate whose id does not fit beside the tag: the id follows.
const PRED_WIDE: u32 = 8;

/// The flattened conditions of all rules.
#[derive(Debug, Default)]
pub(crate) struct Flat {
    code: Vec<u32>,
    /// Per rule: where its condition starts.
    start: Vec<u32>,
}

/// Whether a predicate id fits beside a tag (below 2^28).
fn fits(p: PredId) -> bool {
    p < ARG
}

impl Flat {
    /// Appends the next rule's condition.
    pub(crate) fn push(&mut self, cond: &Cond, dets: &[Det]) {
        self.start.push(self.code.len() as u32);
        self.cond(cond, dets);
    }

    fn word(&mut self, tag: u32, arg: u32) {
        self.code.push(tag << TAG_SHIFT | (arg & ARG));
    }

    /// Starts a node; [`Flat::close`] writes where its children end.
    fn open(&mut self, tag: u32, arg: u32) -> usize {
        let at = self.code.len();
        self.word(tag, arg);
        self.code.push(0);
        at
    }

    fn close(&mut self, at: usize) {
        self.code[at + 1] = self.code.len() as u32;
    }

    /// A node over the children `child` writes for `xs`; a lone child of
    /// `AND` or `OR` stands alone, none leaves the node's empty value
    /// (`AND`: true, else false).
    fn node<T>(&mut self, tag: u32, arg: u32, xs: &[T], mut child: impl FnMut(&mut Self, &T)) {
        if let ([x], AND | OR) = (xs, tag) {
            child(self, x);
            return;
        }
        let at = self.open(tag, arg);
        for x in xs {
            child(self, x);
        }
        self.close(at);
    }

    fn cond(&mut self, c: &Cond, dets: &[Det]) {
        match c {
            Cond::And(xs) => self.node(AND, 0, xs, |f, x| f.cond(x, dets)),
            Cond::Or(xs) => self.node(OR, 0, xs, |f, x| f.cond(x, dets)),
            Cond::Not(x) => self.node(NOT, 0, std::slice::from_ref(x.as_ref()), |f, x| {
                f.cond(x, dets)
            }),
            Cond::Det(i) => self.det_at(*i, dets),
            Cond::Count(0, ds) => self.node(AND, 0, ds, |f, i| f.det_at(*i, dets)),
            Cond::Count(1, ds) => self.node(OR, 0, ds, |f, i| f.det_at(*i, dets)),
            Cond::Count(n, ds) => self.node(ATLEAST, *n as u32, ds, |f, i| f.det_at(*i, dets)),
        }
    }

    fn det_at(&mut self, i: u32, dets: &[Det]) {
        match dets.get(i as usize) {
            Some(d) => self.det(d),
            None => self.word(FALSE, 0),
        }
    }

    fn det(&mut self, d: &Det) {
        match d {
            Det::All(items) => self.node(AND, 0, items, |f, it| f.item(it)),
            Det::Any(ds) => self.node(OR, 0, ds, |f, d| f.det(d)),
        }
    }

    fn pred(&mut self, p: PredId) {
        if fits(p) {
            self.word(PRED, p);
        } else {
            self.word(PRED_WIDE, 0);
            self.code.push(p);
        }
    }

    fn value(&mut self, v: &[PredId]) {
        self.node(OR, 0, v, |f, p| f.pred(*p));
    }

    fn item(&mut self, it: &Item) {
        if let Some((lo, hi)) = it.span
            && fits(lo)
        {
            self.word(SPAN, lo);
            self.code.push(hi);
            return;
        }
        match it.neq {
            // The field is present and no value matches.
            Some(present) => {
                let and = self.open(AND, 0);
                let not = self.open(NOT, 0);
                self.node(OR, 0, &it.values, |f, v| f.value(v));
                self.close(not);
                self.pred(present);
                self.close(and);
            }
            None => {
                let tag = if it.all { AND } else { OR };
                self.node(tag, 0, &it.values, |f, v| f.value(v));
            }
        }
    }

    /// Evaluates rule `rule`'s condition.
    pub(crate) fn eval(&self, rule: usize, o: &mut impl Oracle) -> bool {
        self.start
            .get(rule)
            .is_some_and(|s| self.at(*s as usize, o))
    }

    /// Where the node at `i` ends.
    fn end(&self, i: usize) -> usize {
        match self.code[i] >> TAG_SHIFT {
            PRED | FALSE => i + 1,
            SPAN | PRED_WIDE => i + 2,
            _ => self.code[i + 1] as usize,
        }
    }

    fn at(&self, i: usize, o: &mut impl Oracle) -> bool {
        let w = self.code[i];
        let arg = w & ARG;
        match w >> TAG_SHIFT {
            PRED => o.pred(arg),
            PRED_WIDE => o.pred(self.code[i + 1]),
            SPAN => o.any_in(arg, self.code[i + 1]),
            FALSE => false,
            tag => {
                let end = self.code[i + 1] as usize;
                let mut c = i + 2;
                let mut hits = 0;
                while c < end {
                    let v = self.at(c, o);
                    match tag {
                        AND if !v => return false,
                        OR if v => return true,
                        NOT => return !v,
                        ATLEAST if v => {
                            hits += 1;
                            if hits >= arg {
                                return true;
                            }
                        }
                        _ => {}
                    }
                    c = self.end(c);
                }
                // Children exhausted: AND held, OR and ATLEAST did not
                // (ATLEAST 0 holds at once).
                tag == AND || (tag == ATLEAST && arg == 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Flat;
    use crate::condition::{Cond, Det, Item, Oracle};
    use crate::pred::PredId;

    /// Answers from a fixed truth table.
    struct Truth(u64);

    impl Oracle for Truth {
        fn pred(&mut self, p: PredId) -> bool {
            self.0 >> (p % 64) & 1 == 1
        }
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn item(g: &mut Rng) -> Item {
        let values = (0..g.next(4))
            .map(|_| (0..1 + g.next(3)).map(|_| g.next(64) as PredId).collect())
            .collect();
        let lo = g.next(60) as PredId;
        Item {
            values,
            all: g.next(3) == 0,
            neq: (g.next(4) == 0).then(|| g.next(64) as PredId),
            span: (g.next(5) == 0).then(|| (lo, lo + g.next(4) as PredId)),
        }
    }

    fn det(g: &mut Rng, depth: u32) -> Det {
        if depth == 0 || g.next(3) > 0 {
            Det::All((0..g.next(4)).map(|_| item(g)).collect())
        } else {
            Det::Any((0..g.next(4)).map(|_| det(g, depth - 1)).collect())
        }
    }

    fn cond(g: &mut Rng, n_dets: u64, depth: u32) -> Cond {
        let dets = |g: &mut Rng| {
            (0..1 + g.next(4))
                .map(|_| g.next(n_dets + 1) as u32)
                .collect()
        };
        match if depth == 0 { 3 } else { g.next(6) } {
            0 => Cond::And((0..g.next(4)).map(|_| cond(g, n_dets, depth - 1)).collect()),
            1 => Cond::Or((0..g.next(4)).map(|_| cond(g, n_dets, depth - 1)).collect()),
            2 => Cond::Not(Box::new(cond(g, n_dets, depth - 1))),
            3 => Cond::Det(g.next(n_dets + 1) as u32),
            _ => Cond::Count(g.next(4) as usize, dets(g)),
        }
    }

    #[test]
    fn flattened_conditions_decide_as_the_tree_walk() {
        let mut g = Rng(0x9e37_79b9_7f4a_7c15);
        let mut flat = Flat::default();
        let mut rules = Vec::new();
        for _ in 0..2000 {
            let n = 1 + g.next(4);
            let dets: Vec<Det> = (0..n).map(|_| det(&mut g, 2)).collect();
            // Detection ids up to `n`: one past the end stands for an
            // undefined detection.
            let c = cond(&mut g, n, 3);
            flat.push(&c, &dets);
            rules.push((c, dets));
        }
        let (mut held, mut failed) = (0, 0);
        for (i, (c, dets)) in rules.iter().enumerate() {
            for _ in 0..16 {
                let truth = g.next(u64::MAX);
                let want = c.eval(dets, &mut Truth(truth));
                assert_eq!(flat.eval(i, &mut Truth(truth)), want, "{c:?} {dets:?}");
                if want { held += 1 } else { failed += 1 }
            }
        }
        // Both outcomes are well represented.
        assert!(held > 5000 && failed > 5000, "{held} held, {failed} failed");
    }
}
