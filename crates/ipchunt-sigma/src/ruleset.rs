//! Loading: files, directories and text into compiled rules, with every
//! unusable rule reported.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ipchunt_core::Taxonomy;
use rsigma_parser::{CorrelationRule, FilterRule, SigmaCollection, parse_sigma_yaml};
use yaml_serde::Value;

use crate::Rejection;
use crate::compile::CRule;
use crate::engine::{Engine, Parts};
use crate::load::{self, Compiled, Ctx, Outcome, Prepared};
use crate::modifiers::Refusal;
use crate::pred::{Pred, PredId};

/// Files read, parsed and compiled together by [`RuleSet::add_path`].
const LOAD_CHUNK: usize = 256;

/// Rules being loaded. Add files, directories or text, then
/// [`RuleSet::compile`].
pub struct RuleSet {
    pub(crate) tax: Arc<Taxonomy>,
    placeholders: HashMap<String, Vec<String>>,
    pub(crate) preds: Vec<Pred>,
    pub(crate) pred_rule: Vec<u32>,
    pub(crate) rules: Vec<CRule>,
    pub(crate) filters: Vec<(FilterRule, String, bool)>,
    pub(crate) correlations: Vec<(CorrelationRule, String, bool)>,
    pub(crate) rejections: Vec<Rejection>,
    pub(crate) warnings: Vec<Rejection>,
}

pub(crate) fn reject(file: &str, rule: Option<String>, r: Refusal) -> Rejection {
    Rejection {
        file: file.to_owned(),
        rule,
        reason: r.reason,
        detail: r.detail,
    }
}

impl RuleSet {
    pub fn new(tax: Arc<Taxonomy>) -> Self {
        RuleSet {
            tax,
            placeholders: HashMap::new(),
            preds: Vec::new(),
            pred_rule: Vec::new(),
            rules: Vec::new(),
            filters: Vec::new(),
            correlations: Vec::new(),
            rejections: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Values for an `expand` placeholder (`%name%`), for rules added after.
    /// Without values, a placeholder never matches and the rule is listed
    /// among the warnings.
    pub fn set_placeholder(&mut self, name: &str, values: Vec<String>) {
        self.placeholders.insert(name.to_owned(), values);
    }

    /// Loads a rule file, or every `.yml`/`.yaml` file under a directory
    /// (sorted by name). Files are read and parsed in parallel, a chunk at
    /// a time (so that only one chunk's parsed rules wait at once), then
    /// added in that order.
    pub fn add_path(&mut self, path: &Path, builtin: bool) {
        let mut entries = Vec::new();
        load::walk(path, &mut entries);
        let mut entries = entries.into_iter();
        loop {
            let chunk: Vec<_> = entries.by_ref().take(LOAD_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            for (origin, p) in load::prepare(chunk, self.ctx(builtin)) {
                self.add_prepared(p, &origin, builtin);
            }
        }
    }

    /// Loads rules from YAML text (one or more documents); `origin` names
    /// it in reports.
    pub fn add_str(&mut self, text: &str, origin: &str, builtin: bool) {
        let p = load::prepare_text(text.to_owned(), origin, self.ctx(builtin));
        self.add_prepared(p, origin, builtin);
    }

    fn add_prepared(&mut self, p: Prepared, origin: &str, builtin: bool) {
        match p {
            Prepared::Clean(c) => self.add_compiled(c, origin, builtin),
            Prepared::Text(text) => self.add_docs(&text, origin, builtin),
            Prepared::Unreadable(r) => self.rejections.push(r),
        }
    }

    fn ctx(&self, builtin: bool) -> Ctx<'_> {
        Ctx {
            tax: &self.tax,
            placeholders: &self.placeholders,
            builtin,
        }
    }

    /// Compiles and adds parsed rules in the parser's order.
    fn add_collection(&mut self, col: SigmaCollection, origin: &str, builtin: bool) {
        let compiled = load::compile_collection(col, origin, self.ctx(builtin));
        self.add_compiled(compiled, origin, builtin);
    }

    fn add_compiled(&mut self, c: Compiled, origin: &str, builtin: bool) {
        for o in c.rules {
            self.add_outcome(o);
        }
        for c in c.correlations {
            self.correlations.push((c, origin.to_owned(), builtin));
        }
        for f in c.filters {
            self.filters.push((f, origin.to_owned(), builtin));
        }
    }

    /// Text with a problem somewhere, taken one document at a time so that
    /// each problem is reported with its rule.
    fn add_docs(&mut self, text: &str, origin: &str, builtin: bool) {
        let mut docs = Vec::new();
        for d in yaml_serde::Deserializer::from_str(text) {
            match <Value as serde::Deserialize>::deserialize(d) {
                Ok(v) => docs.push(v),
                Err(e) => {
                    self.rejections.push(reject(
                        origin,
                        None,
                        Refusal::new("invalid YAML", e.to_string()),
                    ));
                    break;
                }
            }
        }
        let key = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let has_action = docs.iter().any(|d| d.get("action").is_some());
        if has_action {
            // Collections (`action: global/repeat/reset`) are merged by the
            // parser as a whole.
            let expected = docs.iter().filter(|d| d.get("action").is_none()).count();
            self.add_parsed(text, origin, builtin, expected, None);
            return;
        }
        for d in &docs {
            if d.is_null() {
                continue;
            }
            let label = key(d, "id").or_else(|| key(d, "title"));
            match yaml_serde::to_string(d) {
                Ok(one) => self.add_parsed(&one, origin, builtin, 1, label),
                Err(e) => self.rejections.push(reject(
                    origin,
                    label,
                    Refusal::new("invalid YAML", e.to_string()),
                )),
            }
        }
    }

    fn add_parsed(
        &mut self,
        text: &str,
        origin: &str,
        builtin: bool,
        expected: usize,
        label: Option<String>,
    ) {
        let col = match parse_sigma_yaml(text) {
            Ok(c) => c,
            Err(e) => {
                let r = reject(origin, label, classify(&e.to_string(), text));
                self.rejections.push(r);
                return;
            }
        };
        let missing = expected.saturating_sub(col.len());
        let errors = col.errors.clone();
        // A level or status outside the specification's values is an
        // invalid rule, not a detail to guess around.
        if let Some(bad) = errors
            .iter()
            .find(|e| e.starts_with("invalid level") || e.starts_with("invalid status"))
        {
            let what = if bad.starts_with("invalid level") {
                "invalid level"
            } else {
                "invalid status"
            };
            self.rejections
                .push(reject(origin, label, Refusal::new(what, bad.clone())));
            return;
        }
        if missing > 0 {
            let detail = errors.join("; ");
            let mut r = classify(&detail, text);
            if missing > 1 {
                r.detail = format!("{missing} documents: {}", r.detail);
            }
            self.rejections.push(reject(origin, label.clone(), r));
        } else {
            for e in errors {
                self.warnings.push(reject(
                    origin,
                    label.clone(),
                    Refusal::new("rule metadata problem", e),
                ));
            }
        }
        self.add_collection(col, origin, builtin);
    }

    /// Adds a compiled rule, its predicates numbered after those already
    /// in the table.
    fn add_outcome(&mut self, o: Outcome) {
        let (mut rule, preds, warnings) = match o {
            Outcome::Rejected(r) => {
                self.rejections.push(r);
                return;
            }
            Outcome::Compiled {
                rule,
                preds,
                warnings,
            } => (rule, preds, warnings),
        };
        self.warnings.extend(warnings);
        load::renumber(&mut rule.dets, self.preds.len() as PredId);
        self.preds.extend(preds);
        let idx = self.rules.len() as u32;
        self.pred_rule.resize(self.preds.len(), idx);
        self.rules.push(rule);
    }

    pub fn rejections(&self) -> &[Rejection] {
        &self.rejections
    }

    /// Rules loaded so far: detection rules compiled, correlation and filter
    /// rules parsed (their references are checked by [`RuleSet::compile`]).
    pub fn loaded(&self) -> usize {
        self.rules.len() + self.correlations.len() + self.filters.len()
    }

    /// Compiles the rules into an engine: filters applied to the rules they
    /// name, correlations checked.
    pub fn compile(mut self) -> Engine {
        crate::filter::apply_filters(&mut self);
        let (correlations, only) = crate::filter::resolve_correlations(&mut self);
        Engine::build(Parts {
            tax: self.tax,
            preds: self.preds,
            pred_rule: self.pred_rule,
            rules: self.rules,
            rejections: self.rejections,
            warnings: self.warnings,
            correlations,
            correlation_only: only,
        })
    }

    pub(crate) fn placeholders(&self) -> &HashMap<String, Vec<String>> {
        &self.placeholders
    }
}

/// A short, stable reason for a parser error.
fn classify(msg: &str, text: &str) -> Refusal {
    let detail = msg.to_owned();
    if let Some(rest) = msg.split("Unknown modifier '").nth(1) {
        let m = rest.split('\'').next().unwrap_or("");
        return Refusal::new(format!("unsupported modifier '{m}'"), detail);
    }
    if msg.contains("not a value modifier") {
        return Refusal::new("'not' used as a modifier", detail);
    }
    if msg.contains("Condition parse error") || msg.contains("Condition string") {
        let cond = text
            .lines()
            .find(|l| l.trim_start().starts_with("condition:"))
            .unwrap_or("");
        let reason = if cond.contains(" near ") || cond.contains("|near") {
            "unsupported 'near' aggregation"
        } else if cond.contains('|') {
            "aggregation in condition (use a correlation rule)"
        } else if cond.contains(" then ") || cond.contains("write ") {
            "condition is not Sigma syntax"
        } else {
            "invalid condition"
        };
        return Refusal::new(reason, detail);
    }
    if let Some(rest) = msg.split("Missing required field '").nth(1) {
        let f = rest.split('\'').next().unwrap_or("");
        return Refusal::new(format!("missing field '{f}'"), detail);
    }
    for (needle, reason) in [
        ("YAML", "invalid YAML"),
        ("not a YAML mapping", "document is not a mapping"),
        ("Invalid correlation", "invalid correlation rule"),
        ("Invalid field specification", "invalid field specification"),
        ("Invalid detection", "invalid detection"),
        ("Invalid timespan", "invalid timespan"),
        ("collection action", "invalid collection action"),
        ("repeat", "invalid collection action"),
    ] {
        if msg.contains(needle) {
            return Refusal::new(reason, detail);
        }
    }
    Refusal::new("invalid rule", detail)
}
