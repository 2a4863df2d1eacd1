//! Loading rules for a hunt, `ipchunt rules check` and `ipchunt rules list`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use ipchunt_core::{Detection, Level, RuleInfo, Taxonomy};
use ipchunt_correlate::{Correlator, RuleRef};
use ipchunt_sigma::{Engine, RuleSet};

use crate::cli::{ListArgs, ListFormat};
use crate::exit::Exit;
use crate::progress::Progress;
use crate::sink::CorrelationInput;

/// A compiled engine and what loading it found.
pub struct Loaded {
    pub engine: Engine,
    pub loaded: usize,
    pub rejected: usize,
    /// Loaded rules whose logsource no supported log carries.
    pub inert: usize,
}

fn build(extra: &[PathBuf], builtin: bool, tax: Arc<Taxonomy>) -> Result<Loaded> {
    let mut set = RuleSet::new(tax);
    if builtin {
        for r in ipchunt_rules::builtin() {
            set.add_str(r.text, &format!("builtin:{}", r.path), true);
        }
    }
    check_paths(extra)?;
    for p in extra {
        set.add_path(p, false);
    }
    let parsed = set.loaded();
    let rejected_before = set.rejections().len();
    let engine = set.compile();
    let rejected = engine.rejections().len();
    // Compiling may reject rules that parsed (a correlation naming a rule
    // that is not loaded, a filter without targets): they leave `loaded`.
    let loaded = parsed.saturating_sub(rejected.saturating_sub(rejected_before));
    let inert = engine.warnings().len();
    Ok(Loaded {
        engine,
        loaded,
        rejected,
        inert,
    })
}

/// What a hunt runs: the compiled rules and their correlations.
pub struct Ready {
    pub loaded: Loaded,
    pub correlations: Correlations,
    /// For each detection rule: whether a correlation needs its matches.
    pub for_correlation: Vec<bool>,
}

/// Fails when a rules path does not exist: checked before a hunt starts
/// reading, so that a typo stops it at once.
pub fn check_paths(extra: &[PathBuf]) -> Result<()> {
    for p in extra {
        if !p.exists() {
            bail!("rules path {} does not exist", p.display());
        }
    }
    Ok(())
}

/// Loads the rules of a hunt and prepares their correlations.
pub fn prepare(
    extra: &[PathBuf],
    builtin: bool,
    tax: Arc<Taxonomy>,
    progress: &Progress,
) -> Result<Ready> {
    let loaded = load_engine(extra, builtin, tax.clone(), progress)?;
    let correlations = Correlations::new(&loaded.engine, &tax, progress);
    let for_correlation = correlations.needed(loaded.engine.rules().len());
    Ok(Ready {
        loaded,
        correlations,
        for_correlation,
    })
}

/// Loads the built-in pack (unless told not to) and the given rules,
/// reporting every rejected rule on standard error.
pub fn load_engine(
    extra: &[PathBuf],
    builtin: bool,
    tax: Arc<Taxonomy>,
    progress: &Progress,
) -> Result<Loaded> {
    let loaded = build(extra, builtin, tax)?;
    for r in loaded.engine.rejections() {
        progress.println(&format!("ipchunt: rule rejected: {r}"));
    }
    if loaded.inert > 0 {
        progress.println(&format!(
            "ipchunt: {} rules have a logsource that no log ipchunt reads carries; they cannot fire \
(`ipchunt rules check` lists them)",
            loaded.inert
        ));
    }
    Ok(loaded)
}

/// `ipchunt rules check`.
pub fn check(paths: &[PathBuf]) -> Result<Exit> {
    let loaded = build(paths, false, Taxonomy::builtin())?;
    let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in loaded.engine.rejections() {
        by_reason.entry(&r.reason).or_default().push(r.to_string());
    }
    for (reason, rules) in &by_reason {
        println!("rejected: {reason} ({} rules)", rules.len());
        for r in rules {
            println!("  {r}");
        }
    }
    let mut inert: BTreeMap<&str, usize> = BTreeMap::new();
    for w in loaded.engine.warnings() {
        *inert.entry(&w.reason).or_default() += 1;
    }
    for (reason, n) in &inert {
        println!("loaded but cannot fire on supported logs: {reason} ({n} rules)");
    }
    println!("{} loaded, {} rejected", loaded.loaded, loaded.rejected);
    Ok(if loaded.rejected > 0 {
        Exit::Found
    } else {
        Exit::Clean
    })
}

fn technique_matches(have: &[String], want: &str) -> bool {
    let want = want.to_ascii_uppercase();
    have.iter()
        .any(|t| *t == want || t.starts_with(&format!("{want}.")))
}

/// `ipchunt rules list`.
pub fn list(args: &ListArgs) -> Result<Exit> {
    let min: Option<Level> = match args.level.as_deref().map(str::parse).transpose() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ipchunt: usage error: --level: {e}");
            return Ok(Exit::Usage);
        }
    };
    let loaded = build(&args.rules, true, Taxonomy::builtin())?;
    let e = &loaded.engine;
    let mut infos: Vec<&Arc<RuleInfo>> = e.rules().iter().collect();
    infos.extend(e.correlations().iter().map(|c| &c.info));
    infos.retain(|r| {
        (!args.builtin || r.builtin)
            && min.is_none_or(|m| r.level >= m)
            && args
                .technique
                .as_deref()
                .is_none_or(|t| technique_matches(&r.techniques, t))
    });
    infos.sort_by(|a, b| a.file.cmp(&b.file));
    for r in &infos {
        match args.format {
            ListFormat::Jsonl => println!("{}", serde_json::to_string(r.as_ref())?),
            ListFormat::Table => println!(
                "{:<36}  {:<8}  {:<28}  {:<32}  {}",
                r.id,
                r.level.as_str(),
                r.techniques.join(","),
                logsource(r),
                r.title
            ),
        }
    }
    if args.format == ListFormat::Table {
        eprintln!("{} rules", infos.len());
    }
    Ok(Exit::Clean)
}

fn logsource(r: &RuleInfo) -> String {
    [&r.product, &r.category, &r.service]
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join("/")
}

/// The correlation rules of an engine, ready to run after the hunt.
pub struct Correlations {
    correlator: Correlator,
    infos: Vec<Arc<RuleInfo>>,
}

impl Correlations {
    pub fn new(engine: &Engine, tax: &Taxonomy, progress: &Progress) -> Correlations {
        let loaded = engine.correlations();
        let rules: Vec<_> = loaded.iter().map(|c| c.rule.clone()).collect();
        let resolve = |r: &str| -> Option<RuleRef> {
            if let Some(i) = engine.find_rule(r) {
                return Some(RuleRef::Base(i));
            }
            loaded
                .iter()
                .position(|c| c.info.id == r || c.info.name.as_deref() == Some(r))
                .map(RuleRef::Correlation)
        };
        let (correlator, errors) = Correlator::new(&rules, &resolve, tax);
        for e in errors {
            progress.println(&format!("ipchunt: correlation rule rejected: {e}"));
        }
        Correlations {
            correlator,
            infos: loaded.iter().map(|c| c.info.clone()).collect(),
        }
    }

    /// For each detection rule: whether a correlation needs its matches.
    pub fn needed(&self, rules: usize) -> Vec<bool> {
        let mut v = vec![false; rules];
        for r in self.correlator.needed_rules() {
            if let Some(slot) = v.get_mut(r) {
                *slot = true;
            }
        }
        v
    }

    /// Runs the correlations over their inputs, sorted by time.
    pub fn run(&mut self, mut inputs: Vec<CorrelationInput>) -> Vec<Detection> {
        inputs.sort_by_key(|i| i.time);
        let mut hits = Vec::new();
        for i in &inputs {
            hits.extend(self.correlator.observe(i.rule, &i.event));
        }
        hits.extend(self.correlator.finish());
        hits.into_iter()
            // A correlation that only feeds another one is not reported.
            .filter(|h| self.correlator.reports_correlation(h.correlation))
            .filter_map(|h| {
                let rule = self.infos.get(h.correlation)?.clone();
                let event = h.info.events.last()?.clone();
                Some(Detection {
                    rule,
                    event,
                    matched: h.info.group.clone(),
                    correlation: Some(h.info),
                })
            })
            .collect()
    }
}
