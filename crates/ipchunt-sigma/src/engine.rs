//! The compiled engine: per distinct event source, a [`Program`] holding
//! the rules its gate lets in and scanners over the fields they test; per
//! event, the scanners run once, and only rules with a needed hit (or
//! whose condition needs no literal) have their condition evaluated.

use std::sync::{Arc, Mutex, RwLock};

use ahash::AHashMap;
use ipchunt_core::{Event, RuleInfo, Taxonomy};

use crate::compile::CRule;
use crate::condition::Oracle;
use crate::flat::Flat;
use crate::gate::{GateIndex, GateKey};
use crate::plan::Plan;
use crate::pred::{Pred, PredId, Target, Test};
use crate::program::{EventOracle, LastProgram, Program, ScanSink, Scratch, Source, Tables};
use crate::{LoadedCorrelation, Match, Rejection};

/// Compiled Sigma rules, ready to run over events. `Send + Sync`: share it
/// between threads.
#[derive(Debug)]
pub struct Engine {
    pub(crate) tax: Arc<Taxonomy>,
    pub(crate) preds: Vec<Pred>,
    pub(crate) pred_rule: Vec<u32>,
    /// How each predicate runs: scanned or not, its literal, its rule's
    /// trigger groups.
    pub(crate) plan: Plan,
    pub(crate) rules: Vec<CRule>,
    /// The rules' conditions, flattened for evaluation.
    flat: Flat,
    pub(crate) infos: Vec<Arc<RuleInfo>>,
    /// Per rule: predicates to report when it matches.
    pub(crate) report: Vec<Vec<Report>>,
    pub(crate) gate: GateIndex,
    pub(crate) rejections: Vec<Rejection>,
    pub(crate) warnings: Vec<Rejection>,
    pub(crate) correlations: Vec<LoadedCorrelation>,
    pub(crate) correlation_only: Vec<bool>,
    programs: RwLock<AHashMap<GateKey, Arc<Program>>>,
    /// Identifies the engine to the [`Scratch`]es that remember one of
    /// its programs.
    token: Arc<()>,
    pool: Mutex<Vec<Scratch>>,
}

/// A predicate a match may report, with what deciding that needs (kept
/// apart from the predicate, which is read only when it matched).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    pred: PredId,
    /// The predicate's target id, for a field (keyword predicates each
    /// report their own value).
    field: Option<u32>,
}

/// Event sources whose per-source programs [`Engine::prepare`] builds.
#[derive(Debug, Default)]
pub struct Sources(Vec<GateKey>);

impl Sources {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
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
    pub(crate) fn build(mut p: Parts) -> Engine {
        let plan = Plan::new(&p.preds, &p.rules);
        for r in &mut p.rules {
            r.dets.iter_mut().for_each(|d| d.set_spans(&plan.spannable));
        }
        let mut flat = Flat::default();
        for r in &p.rules {
            flat.push(&r.cond, &r.dets);
        }
        let mut gate = GateIndex::default();
        let mut report = Vec::with_capacity(p.rules.len());
        for (i, r) in p.rules.iter().enumerate() {
            for s in &r.sources {
                gate.add(i as u32, s);
            }
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
            let reports = preds
                .into_iter()
                .filter_map(|id| {
                    let pred = p.preds.get(id as usize)?;
                    let field = matches!(pred.target, Target::Field(_));
                    (!matches!(pred.test, Test::Exists(_))).then(|| Report {
                        pred: id,
                        field: field.then(|| plan.pred_target[id as usize]),
                    })
                })
                .collect();
            report.push(reports);
        }
        Engine {
            infos: p.rules.iter().map(|r| r.info.clone()).collect(),
            tax: p.tax,
            preds: p.preds,
            pred_rule: p.pred_rule,
            plan,
            rules: p.rules,
            flat,
            report,
            gate,
            rejections: p.rejections,
            warnings: p.warnings,
            correlations: p.correlations,
            correlation_only: p.correlation_only,
            programs: RwLock::new(AHashMap::new()),
            token: Arc::new(()),
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

    /// The event sources among `events` whose programs are not built yet
    /// (cheap: call it while holding the events).
    pub fn sources_of<'e>(&self, events: impl IntoIterator<Item = &'e Event>) -> Sources {
        let mut keys: Vec<GateKey> = events.into_iter().map(|e| self.gate.key(e)).collect();
        keys.sort_unstable();
        keys.dedup();
        if let Ok(map) = self.programs.read() {
            keys.retain(|k| !map.contains_key(k));
        }
        Sources(keys)
    }

    /// Builds the programs of `sources` on all cores, each once. Without
    /// it, threads meeting a new source at the same time each build its
    /// program (the first to finish keeps it).
    pub fn prepare(&self, sources: &Sources) {
        use rayon::prelude::*;
        let built: Vec<(GateKey, Arc<Program>)> = sources
            .0
            .par_iter()
            .map(|k| (*k, Arc::new(self.build_program(k))))
            .collect();
        if let Ok(mut map) = self.programs.write() {
            for (k, p) in built {
                map.entry(k).or_insert(p);
            }
        }
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

    fn tables(&self) -> Tables<'_> {
        Tables {
            preds: &self.preds,
            pred_rule: &self.pred_rule,
            plan: &self.plan,
        }
    }

    fn build_program(&self, key: &GateKey) -> Program {
        Program::build(self.gate.admit(key), &self.tables())
    }

    /// Appends the matches of all detection rules on `ev` to `out`.
    pub fn eval(&self, ev: &Event, out: &mut Vec<Match>) {
        let mut s = self.scratch();
        self.eval_with(ev, &mut s, out);
        self.recycle(s);
    }

    /// Working memory for [`Engine::eval_with`], reused from earlier calls
    /// when one was handed back with [`Engine::recycle`].
    pub fn scratch(&self) -> Scratch {
        self.pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }

    /// Hands working memory back for later calls.
    pub fn recycle(&self, s: Scratch) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }

    /// [`Engine::eval`] with caller-held working memory.
    pub fn eval_with(&self, ev: &Event, s: &mut Scratch, out: &mut Vec<Match>) {
        // The last event's program, when this engine built it for an
        // event of the same channel, provider and id (events come in runs
        // from one log), else the map's.
        let last = match s.last.take() {
            Some(l)
                if std::ptr::eq(l.engine.as_ptr(), Arc::as_ptr(&self.token))
                    && l.source.is(&ev.prov) =>
            {
                l
            }
            _ => LastProgram {
                source: Source::of(&ev.prov),
                engine: Arc::downgrade(&self.token),
                program: self.program(self.gate.key(ev)),
            },
        };
        self.run(&last.program, ev, s, out);
        s.last = Some(last);
    }

    fn run(&self, prog: &Program, ev: &Event, s: &mut Scratch, out: &mut Vec<Match>) {
        if prog.empty {
            return;
        }
        s.fit(self.plan.n_lits, self.rules.len());
        {
            let mut sink = ScanSink { s };
            let mut bufs = std::mem::take(&mut sink.s.bufs);
            prog.scan(ev, &self.preds, &mut sink, &mut bufs);
            sink.s.bufs = bufs;
        }
        s.candidates.extend(&prog.always);
        let mut cands = std::mem::take(&mut s.candidates);
        cands.sort_unstable();
        let t = self.tables();
        for r in &cands {
            self.eval_rule(*r, ev, prog, &t, s, out);
        }
        s.candidates = cands;
        s.clear();
    }

    fn eval_rule(
        &self,
        r: u32,
        ev: &Event,
        prog: &Program,
        t: &Tables<'_>,
        s: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        if let Some(specs) = prog.checks.get(&r)
            && !specs.iter().any(|sp| sp.matches(ev, &self.tax))
        {
            return;
        }
        let mut o = EventOracle { ev, t, s };
        if !self.flat.eval(r as usize, &mut o) {
            return;
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        // Fields already reported (a field's text is the same whichever of
        // its predicates matched; keyword predicates each find their own).
        o.s.reported.clear();
        for rep in &self.report[r as usize] {
            if rep.field.is_some_and(|t| o.s.reported.contains(&t)) || !o.pred(rep.pred) {
                continue;
            }
            o.s.reported.extend(rep.field);
            if let Some((name, value)) =
                self.preds[rep.pred as usize].reported(ev, &self.tax, &o.s.bufs.index)
                && !fields.iter().any(|(n, _)| n == name)
            {
                fields.push((name.to_owned(), crate::pred::report_text(value)));
            }
        }
        out.push(Match {
            rule: r as usize,
            fields,
        });
    }
}
