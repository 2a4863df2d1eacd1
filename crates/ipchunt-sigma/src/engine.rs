//! The compiled engine: per distinct event source, a program holding the
//! rules its gate lets in and one scanner per field they test; per event,
//! the scanners run, and only rules with a hit (or whose condition needs
//! no literal) have their condition evaluated.

use std::sync::{Arc, Mutex, RwLock};

use ahash::AHashMap;
use ipchunt_core::{Event, RuleInfo, SourceSpec, Taxonomy};

use crate::compile::CRule;
use crate::condition::Oracle;
use crate::gate::{GateIndex, GateKey};
use crate::literal::{FieldScanner, Sink};
use crate::pred::{Pred, PredId, Target};
use crate::{LoadedCorrelation, Match, Rejection};

/// What runs for one event source.
#[derive(Debug, Default)]
struct Program {
    scanners: Vec<FieldScanner>,
    /// Rules to evaluate on every event of the source.
    always: Vec<u32>,
    /// Rules admitted only when the event also meets a source's `where`.
    checks: AHashMap<u32, Vec<SourceSpec>>,
    /// Whether any rule is admitted at all.
    empty: bool,
}

/// Per-event working memory; reused between events.
#[derive(Debug, Default)]
pub struct Scratch {
    bits: Vec<u64>,
    set: Vec<PredId>,
    marked: Vec<u64>,
    candidates: Vec<u32>,
}

impl Scratch {
    fn fit(&mut self, preds: usize, rules: usize) {
        self.bits.resize(preds.div_ceil(64), 0);
        self.marked.resize(rules.div_ceil(64), 0);
    }

    fn clear(&mut self) {
        for p in self.set.drain(..) {
            self.bits[(p / 64) as usize] = 0;
        }
        for r in self.candidates.drain(..) {
            self.marked[(r / 64) as usize] = 0;
        }
    }

    fn mark(&mut self, rule: u32) {
        let (w, b) = ((rule / 64) as usize, rule % 64);
        if self.marked[w] & (1 << b) == 0 {
            self.marked[w] |= 1 << b;
            self.candidates.push(rule);
        }
    }
}

/// The scan's sink: sets predicate bits and marks the rules whose
/// condition needs one of them.
struct ScanSink<'a> {
    s: &'a mut Scratch,
    pred_rule: &'a [u32],
    trigger: &'a [bool],
}

impl Sink for ScanSink<'_> {
    #[inline]
    fn is_set(&self, p: PredId) -> bool {
        self.s.bits[(p / 64) as usize] & (1 << (p % 64)) != 0
    }
    #[inline]
    fn set(&mut self, p: PredId) {
        self.s.bits[(p / 64) as usize] |= 1 << (p % 64);
        self.s.set.push(p);
        if self.trigger[p as usize] {
            self.s.mark(self.pred_rule[p as usize]);
        }
    }
}

/// Answers predicates during condition evaluation.
struct EventOracle<'a> {
    ev: &'a Event,
    preds: &'a [Pred],
    scanned: &'a [bool],
    bits: &'a [u64],
}

impl Oracle for EventOracle<'_> {
    #[inline]
    fn pred(&mut self, p: PredId) -> bool {
        let i = p as usize;
        if self.scanned[i] {
            self.bits[i / 64] & (1 << (i % 64)) != 0
        } else {
            self.preds[i].eval(self.ev)
        }
    }
}

/// Compiled Sigma rules, ready to run over events. `Send + Sync`: share it
/// between threads.
#[derive(Debug)]
pub struct Engine {
    pub(crate) tax: Arc<Taxonomy>,
    pub(crate) preds: Vec<Pred>,
    pub(crate) pred_rule: Vec<u32>,
    pub(crate) scanned: Vec<bool>,
    pub(crate) rules: Vec<CRule>,
    pub(crate) infos: Vec<Arc<RuleInfo>>,
    /// Per rule: whether a literal hit is needed before it can match.
    pub(crate) needs_hit: Vec<bool>,
    /// Per predicate: whether its hit makes its rule worth evaluating (it
    /// is in the set one of which the rule's condition needs).
    pub(crate) trigger: Vec<bool>,
    /// Per rule: predicates to report when it matches.
    pub(crate) report: Vec<Vec<PredId>>,
    pub(crate) gate: GateIndex,
    pub(crate) rejections: Vec<Rejection>,
    pub(crate) warnings: Vec<Rejection>,
    pub(crate) correlations: Vec<LoadedCorrelation>,
    pub(crate) correlation_only: Vec<bool>,
    programs: RwLock<AHashMap<GateKey, Arc<Program>>>,
    pool: Mutex<Vec<Scratch>>,
}

/// What [`crate::RuleSet::compile`] hands over.
pub(crate) struct Parts {
    pub tax: Arc<Taxonomy>,
    pub preds: Vec<Pred>,
    pub pred_rule: Vec<u32>,
    pub rules: Vec<CRule>,
    pub rejections: Vec<Rejection>,
    pub warnings: Vec<Rejection>,
    pub correlations: Vec<LoadedCorrelation>,
    pub correlation_only: Vec<bool>,
}

impl Engine {
    pub(crate) fn build(p: Parts) -> Engine {
        let scanned: Vec<bool> = p.preds.iter().map(Pred::scanned).collect();
        let mut gate = GateIndex::default();
        let mut needs_hit = Vec::with_capacity(p.rules.len());
        let mut trigger = vec![false; p.preds.len()];
        let mut report = Vec::with_capacity(p.rules.len());
        for (i, r) in p.rules.iter().enumerate() {
            for s in &r.sources {
                gate.add(i as u32, s);
            }
            let cost = |x: PredId| scanned[x as usize].then(|| p.preds[x as usize].hit_cost());
            let need = r.cond.need(&r.dets, &cost);
            for x in need.iter().flatten() {
                trigger[*x as usize] = true;
            }
            needs_hit.push(need.is_some());
            let mut pos = Vec::new();
            r.cond.positive(&mut pos);
            pos.sort_unstable();
            pos.dedup();
            let mut preds = Vec::new();
            for d in pos {
                if let Some(det) = r.dets.get(d as usize) {
                    det.preds(&mut preds);
                }
            }
            report.push(preds);
        }
        Engine {
            infos: p.rules.iter().map(|r| r.info.clone()).collect(),
            tax: p.tax,
            preds: p.preds,
            pred_rule: p.pred_rule,
            scanned,
            rules: p.rules,
            needs_hit,
            trigger,
            report,
            gate,
            rejections: p.rejections,
            warnings: p.warnings,
            correlations: p.correlations,
            correlation_only: p.correlation_only,
            programs: RwLock::new(AHashMap::new()),
            pool: Mutex::new(Vec::new()),
        }
    }

    /// Detection rules; [`Match::rule`] indexes this.
    pub fn rules(&self) -> &[Arc<RuleInfo>] {
        &self.infos
    }

    pub fn rejections(&self) -> &[Rejection] {
        &self.rejections
    }

    /// Rules loaded but reported: logsources no source carries, placeholders
    /// without values, filters whose targets are not loaded.
    pub fn warnings(&self) -> &[Rejection] {
        &self.warnings
    }

    pub fn correlations(&self) -> &[LoadedCorrelation] {
        &self.correlations
    }

    /// Whether a rule serves only correlations (referenced by correlation
    /// rules, none of which sets `generate: true`): its matches feed the
    /// correlator and are not detections by themselves.
    pub fn is_correlation_only(&self, rule: usize) -> bool {
        self.correlation_only.get(rule).copied().unwrap_or(false)
    }

    /// A detection rule by id or `name`.
    pub fn find_rule(&self, id_or_name: &str) -> Option<usize> {
        self.infos
            .iter()
            .position(|r| r.id == id_or_name)
            .or_else(|| {
                self.infos
                    .iter()
                    .position(|r| r.name.as_deref() == Some(id_or_name))
            })
    }

    /// Whether a rule's logsource lets it run on an event (its gate).
    pub fn applies(&self, rule: usize, ev: &Event) -> bool {
        self.rules
            .get(rule)
            .is_some_and(|r| r.sources.iter().any(|s| s.matches(ev, &self.tax)))
    }

    pub fn taxonomy(&self) -> &Arc<Taxonomy> {
        &self.tax
    }

    fn program(&self, key: GateKey) -> Arc<Program> {
        if let Ok(map) = self.programs.read()
            && let Some(p) = map.get(&key)
        {
            return p.clone();
        }
        let built = Arc::new(self.build_program(&key));
        match self.programs.write() {
            Ok(mut map) => map.entry(key).or_insert(built).clone(),
            Err(_) => built,
        }
    }

    fn build_program(&self, key: &GateKey) -> Program {
        let admitted = self.gate.admit(key);
        let mut by_field: AHashMap<Target, Vec<(PredId, &Pred)>> = AHashMap::new();
        let mut always = Vec::new();
        let mut rule_set = vec![false; self.rules.len()];
        for r in &admitted.rules {
            rule_set[*r as usize] = true;
            if !self.needs_hit[*r as usize] {
                always.push(*r);
            }
        }
        for (i, p) in self.preds.iter().enumerate() {
            if !self.scanned[i] || !rule_set[self.pred_rule[i] as usize] {
                continue;
            }
            by_field
                .entry(p.target.clone())
                .or_default()
                .push((i as PredId, p));
        }
        let mut scanners: Vec<FieldScanner> = by_field
            .into_iter()
            .map(|(k, ps)| FieldScanner::build(k, &ps))
            .collect();
        scanners.sort_by_key(|s| format!("{:?}", s.field));
        Program {
            scanners,
            always,
            checks: admitted.checks,
            empty: admitted.rules.is_empty(),
        }
    }

    /// Appends the matches of all detection rules on `ev` to `out`.
    pub fn eval(&self, ev: &Event, out: &mut Vec<Match>) {
        let mut s = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default();
        self.eval_with(ev, &mut s, out);
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }

    /// [`Engine::eval`] with caller-held working memory.
    pub fn eval_with(&self, ev: &Event, s: &mut Scratch, out: &mut Vec<Match>) {
        let prog = self.program(self.gate.key(ev));
        if prog.empty {
            return;
        }
        s.fit(self.preds.len(), self.rules.len());
        {
            let mut sink = ScanSink {
                s,
                pred_rule: &self.pred_rule,
                trigger: &self.trigger,
            };
            for sc in &prog.scanners {
                match &sc.field {
                    Target::Field(f) => {
                        if let Some(v) = f.get(ev) {
                            sc.scan(v, &self.preds, &mut sink);
                        }
                    }
                    Target::Keywords => {
                        for (_, v) in ev.fields() {
                            sc.scan(v.as_ref(), &self.preds, &mut sink);
                        }
                    }
                }
            }
        }
        for r in &prog.always {
            s.mark(*r);
        }
        let mut cands = std::mem::take(&mut s.candidates);
        cands.sort_unstable();
        for r in &cands {
            self.eval_rule(*r, ev, &prog, &s.bits, out);
        }
        s.candidates = cands;
        s.clear();
    }

    fn eval_rule(&self, r: u32, ev: &Event, prog: &Program, bits: &[u64], out: &mut Vec<Match>) {
        if let Some(specs) = prog.checks.get(&r)
            && !specs.iter().any(|sp| sp.matches(ev, &self.tax))
        {
            return;
        }
        let rule = &self.rules[r as usize];
        let mut o = EventOracle {
            ev,
            preds: &self.preds,
            scanned: &self.scanned,
            bits,
        };
        if !rule.cond.eval(&rule.dets, &mut o) {
            return;
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        for p in &self.report[r as usize] {
            if matches!(self.preds[*p as usize].test, crate::pred::Test::Exists(_)) || !o.pred(*p) {
                continue;
            }
            if let Some((name, value)) = self.preds[*p as usize].value_text(ev, &self.tax)
                && !fields.iter().any(|(n, _)| *n == name)
            {
                fields.push((name, value));
            }
        }
        out.push(Match {
            rule: r as usize,
            fields,
        });
    }
}
