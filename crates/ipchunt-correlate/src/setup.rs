//! Building a correlator: resolving references, rejecting what cannot
//! run, and wiring base rules and correlations to the correlations that
//! refer to them.

use ahash::AHashMap;
use ipchunt_core::Taxonomy;
use rsigma_parser::CorrelationRule;

use crate::RuleRef;
use crate::engine::Routes;
use crate::error::{CorrelationError, CorrelationErrorKind};
use crate::plan::{self, Context, Plan};
use crate::state::CorrState;

pub(crate) struct Built {
    pub states: Vec<Option<CorrState>>,
    pub routes: Routes,
    pub errors: Vec<CorrelationError>,
    pub needed: Vec<usize>,
    pub generate: Vec<bool>,
    pub base_reported: AHashMap<usize, bool>,
    pub corr_reported: Vec<bool>,
}

fn label(rule: &CorrelationRule) -> String {
    rule.name
        .clone()
        .or_else(|| rule.id.clone())
        .unwrap_or_else(|| rule.title.clone())
}

fn resolve_refs(
    rule: &CorrelationRule,
    count: usize,
    resolve: &dyn Fn(&str) -> Option<RuleRef>,
) -> Result<Vec<RuleRef>, CorrelationErrorKind> {
    if rule.rules.is_empty() {
        return Err(CorrelationErrorKind::NoRules);
    }
    rule.rules
        .iter()
        .map(|name| match resolve(name) {
            Some(RuleRef::Correlation(c)) if c >= count => {
                Err(CorrelationErrorKind::UnknownRule(name.clone()))
            }
            Some(r) => Ok(r),
            None => Err(CorrelationErrorKind::UnknownRule(name.clone())),
        })
        .collect()
}

fn children(plan: &Plan) -> impl Iterator<Item = usize> + '_ {
    plan.refs.iter().filter_map(|r| match r {
        RuleRef::Correlation(c) => Some(*c),
        RuleRef::Base(_) => None,
    })
}

pub(crate) fn build(
    rules: &[CorrelationRule],
    resolve: &dyn Fn(&str) -> Option<RuleRef>,
    tax: &Taxonomy,
) -> Built {
    let cx = Context {
        rules,
        resolve,
        tax,
    };
    let mut plans: Vec<Result<Plan, CorrelationErrorKind>> = rules
        .iter()
        .map(|r| resolve_refs(r, rules.len(), resolve).and_then(|refs| plan::compile(r, refs, &cx)))
        .collect();
    // A correlation on a broken one is broken too.
    loop {
        let mut changed = false;
        for i in 0..plans.len() {
            let broken = match &plans[i] {
                Ok(p) => children(p).find(|&c| plans[c].is_err()),
                Err(_) => None,
            };
            if let Some(c) = broken {
                plans[i] = Err(CorrelationErrorKind::BrokenDependency(label(&rules[c])));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Correlations that never become ready (all their children ready) are
    // on, or behind, a cycle.
    let mut ready = vec![false; plans.len()];
    loop {
        let mut changed = false;
        for i in 0..plans.len() {
            if !ready[i]
                && let Ok(p) = &plans[i]
                && children(p).all(|c| ready[c])
            {
                ready[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (i, p) in plans.iter_mut().enumerate() {
        if p.is_ok() && !ready[i] {
            *p = Err(CorrelationErrorKind::Cycle);
        }
    }

    let mut errors = Vec::new();
    let mut states = Vec::with_capacity(plans.len());
    let mut routes = Routes {
        parents: vec![Vec::new(); plans.len()],
        ..Routes::default()
    };
    // Per base rule / correlation: does any referring correlation generate?
    let mut base_gen: AHashMap<usize, bool> = AHashMap::new();
    let mut corr_gen: Vec<Option<bool>> = vec![None; plans.len()];
    let generate: Vec<bool> = rules.iter().map(|r| r.generate).collect();
    for (i, p) in plans.into_iter().enumerate() {
        let plan = match p {
            Ok(plan) => plan,
            Err(reason) => {
                errors.push(CorrelationError {
                    correlation: i,
                    title: rules[i].title.clone(),
                    id: rules[i].id.clone(),
                    reason,
                });
                states.push(None);
                continue;
            }
        };
        for (slot, r) in plan.refs.iter().enumerate().rev() {
            let target = (i, slot);
            match *r {
                RuleRef::Base(b) => {
                    let list = routes.by_base.entry(b).or_default();
                    if !list.contains(&target) {
                        list.push(target);
                    }
                    *base_gen.entry(b).or_insert(false) |= plan.generate;
                }
                RuleRef::Correlation(c) => {
                    if !routes.parents[c].contains(&target) {
                        routes.parents[c].push(target);
                    }
                    let g = corr_gen[c].get_or_insert(false);
                    *g |= plan.generate;
                }
            }
        }
        states.push(Some(CorrState::new(plan)));
    }
    let mut needed: Vec<usize> = routes.by_base.keys().copied().collect();
    needed.sort_unstable();
    let corr_reported = states
        .iter()
        .zip(&corr_gen)
        .map(|(s, g)| s.is_some() && g.unwrap_or(true))
        .collect();
    Built {
        states,
        routes,
        errors,
        needed,
        generate,
        base_reported: base_gen,
        corr_reported,
    }
}
