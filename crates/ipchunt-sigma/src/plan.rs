//! How the engine runs each predicate, decided once when rules compile:
//! which predicates the field scanners decide, which of their hits make a
//! rule worth evaluating, and which predicates share one literal (one bit
//! per event for all the rules that test the same thing).
//!
//! A rule's trigger groups are sets of scanned predicates of which its
//! condition needs one each (its AND-ed parts that need a literal); a rule
//! is evaluated only once every group has a hit.

use ahash::AHashMap;

use crate::compile::CRule;
use crate::condition::{Cond, Det, Item};
use crate::pred::{Pos, Pred, PredId, Target, Test};

/// Most trigger groups per rule (one bit each in a byte).
const MAX_GROUPS: usize = 8;
/// A group this costly (event ids, channels) hits on nearly every event
/// its gate admits: not worth counting beside rarer ones.
const COMMON: u32 = 10_000;

/// Needles shorter than this are scanned only when they trigger a rule:
/// they hit most texts (`-e`, `/c`, `add`), and a condition that reads
/// one tests the field directly.
const SHORT: usize = 4;

#[derive(Debug)]
pub(crate) struct Plan {
    /// Per predicate: the id of its target (field or keywords).
    pub pred_target: Vec<u32>,
    /// Per predicate: whether the scanners decide it.
    pub scanned: Vec<bool>,
    /// Per predicate: whether an item's bit-range test may read it (a
    /// scanned literal: no regex pending).
    pub spannable: Vec<bool>,
    /// Per predicate: the trigger groups of its rule it belongs to (bits).
    pub groups: Vec<u8>,
    /// Per rule: the bits of all its trigger groups (0: evaluated on every
    /// event its gate admits).
    pub full: Vec<u8>,
    /// Per predicate: its literal, shared by the scanned predicates that
    /// test the same thing on the same target (`u32::MAX` for others).
    pub lit: Vec<u32>,
    pub n_lits: usize,
}

impl Plan {
    pub(crate) fn new(preds: &[Pred], rules: &[CRule]) -> Plan {
        let mut target_ids: AHashMap<&Target, u32> = AHashMap::new();
        let pred_target: Vec<u32> = preds
            .iter()
            .map(|x| {
                let n = target_ids.len() as u32;
                *target_ids.entry(&x.target).or_insert(n)
            })
            .collect();
        let mut scanned: Vec<bool> = preds.iter().map(Pred::scanned).collect();
        let mut groups = vec![0u8; preds.len()];
        let mut full = Vec::with_capacity(rules.len());
        for r in rules {
            let cost = |x: PredId| {
                let p = &preds[x as usize];
                scanned[x as usize].then(|| p.hit_cost())
            };
            let chosen = pick(cond_groups(&r.cond, &r.dets, &cost), &cost, preds);
            for (g, members) in chosen.iter().enumerate() {
                for x in members {
                    groups[*x as usize] |= 1 << g;
                }
            }
            full.push(((1u16 << chosen.len()) - 1) as u8);
        }
        for (i, p) in preds.iter().enumerate() {
            if scanned[i] && groups[i] == 0 && short(&p.test) {
                scanned[i] = false;
            }
        }
        let spannable = preds
            .iter()
            .zip(&scanned)
            .map(|(x, s)| *s && matches!(x.test, Test::Literal { .. }))
            .collect();
        let (lit, n_lits) = literals(preds, &pred_target, &scanned);
        Plan {
            pred_target,
            scanned,
            spannable,
            groups,
            full,
            lit,
            n_lits,
        }
    }
}

/// How often a scanned predicate is expected to hold (lower is rarer);
/// `None` for predicates the scanners do not decide.
type Cost<'a> = &'a dyn Fn(PredId) -> Option<u32>;

/// Sets of scanned predicates, one of each of which must hold.
type Groups = Vec<Vec<PredId>>;

/// The expected cost of a group: the sum of its members' costs.
fn total(v: &[PredId], cost: Cost<'_>) -> u32 {
    v.iter()
        .map(|p| cost(*p).unwrap_or(u32::MAX / 4))
        .fold(0u32, u32::saturating_add)
}

/// The groups of a disjunction: each is the union of one group of every
/// branch (whichever branch holds fills it). With one group per branch
/// that is a single group; branches with several give several, as long as
/// their combinations number at most [`MAX_GROUPS`], the cheapest first
/// (`None` when a branch has none).
fn any_of(branches: impl Iterator<Item = Option<Groups>>, cost: Cost<'_>) -> Option<Groups> {
    let mut branches: Vec<Groups> = branches.collect::<Option<_>>()?;
    for b in &mut branches {
        if b.is_empty() {
            return None;
        }
        b.sort_by_key(|g| total(g, cost));
    }
    // How many groups of each branch to combine.
    let mut take = vec![1usize; branches.len()];
    let mut product = 1;
    loop {
        let mut grown = false;
        for (i, b) in branches.iter().enumerate() {
            let more = product / take[i] * (take[i] + 1);
            if take[i] < b.len() && more <= MAX_GROUPS {
                product = more;
                take[i] += 1;
                grown = true;
            }
        }
        if !grown {
            break;
        }
    }
    let mut out: Groups = vec![Vec::new()];
    for (b, k) in branches.iter().zip(take) {
        out = out
            .iter()
            .flat_map(|g| b[..k].iter().map(move |x| [g.as_slice(), x].concat()))
            .collect();
    }
    Some(out)
}

/// The groups of a conjunction: those of every part that has some.
fn all_of(parts: impl Iterator<Item = Option<Groups>>) -> Option<Groups> {
    let out: Groups = parts.flatten().flatten().collect();
    (!out.is_empty()).then_some(out)
}

fn cond_groups(c: &Cond, dets: &[Det], cost: Cost<'_>) -> Option<Groups> {
    let det = |i: &u32| dets.get(*i as usize).and_then(|d| det_groups(d, cost));
    match c {
        Cond::And(xs) => all_of(xs.iter().map(|x| cond_groups(x, dets, cost))),
        Cond::Or(xs) => any_of(xs.iter().map(|x| cond_groups(x, dets, cost)), cost),
        Cond::Not(_) => None,
        Cond::Det(i) => det(i),
        Cond::Count(0, ds) => all_of(ds.iter().map(det)),
        Cond::Count(_, ds) => any_of(ds.iter().map(det), cost),
    }
}

fn det_groups(d: &Det, cost: Cost<'_>) -> Option<Groups> {
    match d {
        Det::All(items) => all_of(items.iter().map(|i| item_groups(i, cost))),
        Det::Any(ds) => any_of(ds.iter().map(|d| det_groups(d, cost)), cost),
    }
}

/// An item's values are OR-ed (one group of all their predicates) unless
/// `all` (a group per value); a value stands for its predicates, OR-ed.
fn item_groups(item: &Item, cost: Cost<'_>) -> Option<Groups> {
    if item.neq.is_some() || item.values.is_empty() {
        return None;
    }
    let ok = |v: &Vec<PredId>| !v.is_empty() && v.iter().all(|p| cost(*p).is_some());
    if item.all {
        all_of(item.values.iter().map(|v| ok(v).then(|| vec![v.clone()])))
    } else if item.values.iter().all(ok) {
        Some(vec![item.values.concat()])
    } else {
        None
    }
}

/// The groups counted for a rule: the cheapest always, then others that
/// are neither common nor made of short needles, at most [`MAX_GROUPS`].
fn pick(groups: Option<Groups>, cost: Cost<'_>, preds: &[Pred]) -> Groups {
    let Some(mut groups) = groups else {
        return Vec::new();
    };
    for g in &mut groups {
        g.sort_unstable();
        g.dedup();
    }
    groups.sort_by_key(|g| (total(g, cost), g.clone()));
    groups.dedup();
    let mut out: Groups = Vec::new();
    for g in groups {
        let usable = total(&g, cost) < COMMON && !g.iter().any(|p| short(&preds[*p as usize].test));
        if out.is_empty() || (usable && out.len() < MAX_GROUPS) {
            out.push(g);
        }
    }
    out
}

/// Whether a scanned test would search the text for a short needle.
fn short(t: &Test) -> bool {
    match t {
        Test::Literal {
            needle,
            pos: Pos::Contains,
            cased: false,
        } => needle.len() < SHORT,
        Test::Glob {
            trigger: Some(t), ..
        } => !t.cased && t.pos == Pos::Contains && t.text.len() < SHORT,
        Test::Regex { triggers, .. } => triggers.iter().any(|t| t.len() < SHORT),
        _ => false,
    }
}

/// Numbers the scanned predicates' literals: predicates that test the same
/// thing (same target, same needle and position, or same regex) share one.
fn literals(preds: &[Pred], target: &[u32], scanned: &[bool]) -> (Vec<u32>, usize) {
    let mut ids: AHashMap<(u32, u8, &str), u32> = AHashMap::new();
    let mut lit = Vec::with_capacity(preds.len());
    for (i, p) in preds.iter().enumerate() {
        let key = match &p.test {
            _ if !scanned[i] => None,
            Test::Literal { needle, pos, cased } => {
                Some((*pos as u8 | u8::from(*cased) << 4, &**needle))
            }
            Test::Glob { re, .. } => Some((0x40, re.as_str())),
            Test::Regex { re, .. } => Some((0x80, re.as_str())),
            _ => None,
        };
        lit.push(match key {
            Some((kind, text)) => {
                let n = ids.len() as u32;
                *ids.entry((target[i], kind, text)).or_insert(n)
            }
            None => u32::MAX,
        });
    }
    (lit, ids.len())
}

#[cfg(test)]
mod tests {
    use super::{Groups, any_of};

    #[test]
    fn a_disjunction_keeps_every_branch_in_each_group_and_combines_their_groups() {
        let cost = |p: u32| Some(p * 10);
        // (A1 and A2) or B: (A1 or B) and (A2 or B).
        let got = any_of(
            [Some(vec![vec![1], vec![2]]), Some(vec![vec![7]])].into_iter(),
            &cost,
        );
        assert_eq!(got, Some(vec![vec![1, 7], vec![2, 7]]));
        // A branch without groups leaves none.
        assert_eq!(any_of([Some(vec![vec![1]]), None].into_iter(), &cost), None);
        // Combinations stop at eight groups, the cheapest of each branch kept.
        let wide: Groups = (1..=5).map(|p| vec![p]).collect();
        let got = any_of(
            [Some(wide.clone()), Some(wide.clone()), Some(wide)].into_iter(),
            &cost,
        )
        .unwrap_or_default();
        assert_eq!(got.len(), 8);
        assert!(
            got.iter()
                .all(|g| g.len() == 3 && g.iter().all(|p| *p <= 2))
        );
    }
}
