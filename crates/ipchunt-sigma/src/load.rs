//! Reading, parsing and compiling rule files before they are added.
//!
//! Each rule compiles on its own, into predicates numbered from zero; adding
//! it to a [`RuleSet`](crate::RuleSet) renumbers them after the predicates
//! already there. So files are read, parsed and their rules compiled in
//! parallel, then added one by one in the order of the directory walk, and
//! the result does not depend on scheduling.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ipchunt_core::Taxonomy;
use rayon::prelude::*;
use rsigma_parser::{
    CorrelationRule, FilterRule, SigmaCollection, SigmaRule, Status, parse_sigma_yaml,
};

use crate::Rejection;
use crate::compile::{CRule, PredTable, sources_of};
use crate::condition::Det;
use crate::fast;
use crate::info;
use crate::modifiers::Refusal;
use crate::modifiers::field::Placeholders;
use crate::pred::{Pred, PredId};
use crate::ruleset::reject;

/// What compiling a rule needs besides the rule.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub tax: &'a Taxonomy,
    pub placeholders: &'a HashMap<String, Vec<String>>,
    pub builtin: bool,
}

/// A detection rule compiled on its own, or why it cannot be used.
pub(crate) enum Outcome {
    Rejected(Rejection),
    Compiled {
        rule: CRule,
        /// The rule's predicates; its detections number them from zero.
        preds: Vec<Pred>,
        warnings: Vec<Rejection>,
    },
}

/// The rules of one file (or text), compiled, in the parser's order.
pub(crate) struct Compiled {
    pub rules: Vec<Outcome>,
    pub correlations: Vec<CorrelationRule>,
    pub filters: Vec<FilterRule>,
}

/// One step of a directory walk, in the order rules are added.
pub(crate) enum Entry {
    File(PathBuf),
    Unreadable(Rejection),
}

/// A rule file after reading, parsing and compiling.
pub(crate) enum Prepared {
    /// Every document parsed without any problem.
    Clean(Compiled),
    /// Something in the file is wrong: its text goes through the
    /// per-document path, which reports each problem with its rule.
    Text(String),
    Unreadable(Rejection),
}

/// Lists `path` itself, or every `.yml`/`.yaml` file under it, sorted by
/// name within each directory.
pub(crate) fn walk(path: &Path, out: &mut Vec<Entry>) {
    if path.is_dir() {
        walk_dir(path, out);
    } else {
        out.push(Entry::File(path.to_path_buf()));
    }
}

fn walk_dir(path: &Path, out: &mut Vec<Entry>) {
    let mut entries: Vec<(PathBuf, bool)> = match std::fs::read_dir(path) {
        // The entry's type comes with the listing on most file systems;
        // a link is followed, as `Path::is_dir` does.
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| {
                let p = e.path();
                let dir = match e.file_type() {
                    Ok(t) if !t.is_symlink() => t.is_dir(),
                    _ => p.is_dir(),
                };
                (p, dir)
            })
            .collect(),
        Err(e) => {
            out.push(Entry::Unreadable(unreadable(path, &e)));
            return;
        }
    };
    entries.sort();
    for (p, dir) in entries {
        if dir {
            walk_dir(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yml" || e == "yaml")
        {
            out.push(Entry::File(p));
        }
    }
}

/// Reads, parses and compiles the walked files in parallel; the result
/// keeps the walk's order and names each file as reports do.
pub(crate) fn prepare(entries: Vec<Entry>, ctx: Ctx<'_>) -> Vec<(String, Prepared)> {
    entries
        .into_par_iter()
        .map(|e| match e {
            Entry::Unreadable(r) => (r.file.clone(), Prepared::Unreadable(r)),
            Entry::File(p) => {
                let origin = p.display().to_string();
                let prepared = match std::fs::read_to_string(&p) {
                    Ok(text) => prepare_text(text, &origin, ctx),
                    Err(e) => Prepared::Unreadable(unreadable(&p, &e)),
                };
                (origin, prepared)
            }
        })
        .collect()
}

/// Rule text parsed and compiled at once, when the parser reports nothing
/// about any of its documents. Anything reported (invalid YAML, a document
/// that is not a mapping, a rule the parser refuses, a metadata problem)
/// sends the text through the per-document path instead.
///
/// Texts of the common, regular shape are read by the fast path, which
/// yields the same collection; it declines the others.
pub(crate) fn prepare_text(text: String, origin: &str, ctx: Ctx<'_>) -> Prepared {
    if let Some(col) = fast::parse(&text) {
        return Prepared::Clean(compile_collection(col, origin, ctx));
    }
    match parse_sigma_yaml(&text) {
        Ok(col) if col.errors.is_empty() => Prepared::Clean(compile_collection(col, origin, ctx)),
        _ => Prepared::Text(text),
    }
}

pub(crate) fn compile_collection(col: SigmaCollection, origin: &str, ctx: Ctx<'_>) -> Compiled {
    Compiled {
        rules: col
            .rules
            .into_iter()
            .map(|r| compile_rule(r, origin, ctx))
            .collect(),
        correlations: col.correlations,
        filters: col.filters,
    }
}

/// Compiles one detection rule into predicates of its own.
pub(crate) fn compile_rule(r: SigmaRule, origin: &str, ctx: Ctx<'_>) -> Outcome {
    let label = Some(info::label(r.id.as_deref(), &r.title));
    if r.status == Some(Status::Unsupported) {
        return Outcome::Rejected(reject(
            origin,
            label,
            Refusal::new(
                "status unsupported",
                "the rule declares it cannot be used as written",
            ),
        ));
    }
    let ph = Placeholders {
        values: ctx.placeholders,
        tax: ctx.tax,
        missing: Default::default(),
    };
    let mut preds = Vec::new();
    let mut table = PredTable {
        preds: &mut preds,
        ph: &ph,
    };
    let (dets, cond) = match table.detections(&r.detection) {
        Ok(x) => x,
        Err(e) => return Outcome::Rejected(reject(origin, label, e)),
    };
    let mut warnings = Vec::new();
    let missing = ph.missing.into_inner();
    if !missing.is_empty() {
        warnings.push(reject(
            origin,
            label.clone(),
            Refusal::new(
                "placeholder without values",
                format!(
                    "%{}% has no configured values: those values never match",
                    missing.join("%, %")
                ),
            ),
        ));
    }
    let sources = sources_of(ctx.tax, &r.logsource);
    if sources.is_empty() {
        let ls = &r.logsource;
        warnings.push(reject(
            origin,
            label,
            Refusal::new(
                "logsource maps to no source",
                format!(
                    "product={} category={} service={}: no log ipchunt reads carries it",
                    ls.product.as_deref().unwrap_or("-"),
                    ls.category.as_deref().unwrap_or("-"),
                    ls.service.as_deref().unwrap_or("-")
                ),
            ),
        ));
    }
    let info = Arc::new(info::detection(&r, origin, ctx.builtin));
    Outcome::Compiled {
        rule: CRule {
            info,
            logsource: r.logsource,
            dets,
            cond,
            sources,
        },
        preds,
        warnings,
    }
}

/// Renumbers a rule's predicates to follow `base` others.
pub(crate) fn renumber(dets: &mut [Det], base: PredId) {
    if base == 0 {
        return;
    }
    for d in dets {
        match d {
            Det::Any(ds) => renumber(ds, base),
            Det::All(items) => {
                for item in items {
                    for id in item.values.iter_mut().flatten() {
                        *id += base;
                    }
                    if let Some(id) = &mut item.neq {
                        *id += base;
                    }
                }
            }
        }
    }
}

pub(crate) fn unreadable(path: &Path, e: &std::io::Error) -> Rejection {
    Rejection {
        file: path.display().to_string(),
        rule: None,
        reason: "unreadable file".to_owned(),
        detail: e.to_string(),
    }
}
