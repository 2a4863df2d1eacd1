//! How the engine runs each predicate, decided once when rules compile:
//! which predicates the field scanners decide, which of their hits make a
//! rule worth evaluating (its trigger set), and which predicates share one
//! literal (one bit per event for all the rules that test the same thing).

use ahash::AHashMap;

use crate::compile::CRule;
use crate::pred::{Pos, Pred, PredId, Target, Test};

/// Needles shorter than this are scanned only when they trigger a rule:
/// they hit most texts (`-e`, `/c`, `add`), and a condition that reads
/// one tests the field directly.
const SHORT: usize = 4;

pub(crate) struct Plan {
    /// Per predicate: the id of its target (field or keywords).
    pub pred_target: Vec<u32>,
    /// Per predicate: whether the scanners decide it.
    pub scanned: Vec<bool>,
    /// Per predicate: whether an item's bit-range test may read it (a
    /// scanned literal: no regex pending).
    pub spannable: Vec<bool>,
    /// Per predicate: whether its hit makes its rule worth evaluating.
    pub trigger: Vec<bool>,
    /// Per rule: whether a literal hit is needed before it can match.
    pub needs_hit: Vec<bool>,
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
        let mut trigger = vec![false; preds.len()];
        let mut needs_hit = Vec::with_capacity(rules.len());
        for r in rules {
            let cost = |x: PredId| scanned[x as usize].then(|| preds[x as usize].hit_cost());
            let need = r.cond.need(&r.dets, &cost);
            for x in need.iter().flatten() {
                trigger[*x as usize] = true;
            }
            needs_hit.push(need.is_some());
        }
        for (i, p) in preds.iter().enumerate() {
            if scanned[i] && !trigger[i] && short(&p.test) {
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
            trigger,
            needs_hit,
            lit,
            n_lits,
        }
    }
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
            trigger: Some((t, false)),
            ..
        } => t.len() < SHORT,
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
