//! A reader of the predicates in a Splunk SPL search: the base search,
//! `search`, `tstats ... from datamodel=X where ...`, `where` and `regex`
//! commands, and subsearches in `[...]`. Field comparisons (`=`, `!=`,
//! `<`...), wildcards, `IN (...)`, `like()`, `match()`, `isnull()`,
//! `NOT`, `AND` / `OR` and parentheses become predicates; macros are kept
//! as unparsed fragments with the reason.

use crate::cursor::Cursor;
use crate::expr::{Expr, RawPred, eq_or_wildcard};
use crate::lex::{Dialect, Kind, Token, tokenize};
use crate::model::Op;

/// The predicates of a search, and the data model datasets it reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplQuery {
    pub expr: Expr,
    pub datamodels: Vec<String>,
}

pub(crate) fn parse_spl(src: &str) -> SplQuery {
    let toks = tokenize(src, Dialect::Spl);
    let mut q = SplQuery {
        expr: Expr::And(Vec::new()),
        datamodels: Vec::new(),
    };
    let mut parts = Vec::new();
    pipeline(src, &toks, &mut q, &mut parts);
    q.expr = Expr::and(parts);
    q
}

/// Splits tokens into commands at top-level `|` and reads each command.
fn pipeline(src: &str, toks: &[Token], q: &mut SplQuery, parts: &mut Vec<Expr>) {
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.kind == Kind::Punct {
            match t.text.as_str() {
                "[" => depth += 1,
                "]" => depth = depth.saturating_sub(1),
                "|" if depth == 0 => {
                    command(src, &toks[start..i], start == 0, q, parts);
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    command(src, &toks[start..], start == 0, q, parts);
}

fn command(src: &str, toks: &[Token], first: bool, q: &mut SplQuery, parts: &mut Vec<Expr>) {
    let Some(head) = toks.first() else { return };
    // Subsearches are searches of their own.
    let (toks, subs) = split_subsearches(toks);
    for sub in subs {
        pipeline(src, &sub, q, parts);
    }
    let name = head.text.to_ascii_lowercase();
    match (head.kind, name.as_str()) {
        (Kind::Macro, _) if toks.len() == 1 => parts.extend(super::spl_expr::macro_expr(head)),
        (Kind::Word, "search") => parts.push(search_expr(src, &toks[1..], false)),
        (Kind::Word, "where") => parts.push(search_expr(src, &toks[1..], true)),
        (Kind::Word, "tstats") => tstats(src, &toks[1..], q, parts),
        (Kind::Word, "regex") => regex_cmd(src, &toks[1..], parts),
        _ if first => parts.push(search_expr(src, &toks, false)),
        // stats, eval, rename, table, lookup...: they shape results.
        _ => {}
    }
}

/// Removes `[ ... ]` groups, returning them as separate token lists.
fn split_subsearches(toks: &[Token]) -> (Vec<Token>, Vec<Vec<Token>>) {
    let mut rest = Vec::new();
    let mut subs = Vec::new();
    let mut depth = 0usize;
    let mut cur = Vec::new();
    for t in toks {
        if t.is_punct("[") {
            depth += 1;
            if depth == 1 {
                continue;
            }
        } else if t.is_punct("]") && depth > 0 {
            depth -= 1;
            if depth == 0 {
                subs.push(std::mem::take(&mut cur));
                continue;
            }
        }
        if depth > 0 {
            cur.push(t.clone())
        } else {
            rest.push(t.clone())
        }
    }
    if !cur.is_empty() {
        subs.push(cur);
    }
    (rest, subs)
}

/// `tstats <aggregations> from datamodel=X where <search> by <fields>`.
fn tstats(src: &str, toks: &[Token], q: &mut SplQuery, parts: &mut Vec<Expr>) {
    let mut i = 0;
    let mut where_at = None;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_kw("datamodel") && toks.get(i + 1).is_some_and(|n| n.is_punct("=")) {
            if let Some(dm) = toks.get(i + 2) {
                q.datamodels.push(dm.text.clone());
            }
            i += 3;
            continue;
        }
        if t.is_kw("where") {
            where_at = Some(i + 1);
            break;
        }
        i += 1;
    }
    let Some(w) = where_at else { return };
    let end = toks[w..]
        .iter()
        .position(|t| t.is_kw("by"))
        .map_or(toks.len(), |p| w + p);
    parts.push(search_expr(src, &toks[w..end], false));
}

fn regex_cmd(src: &str, toks: &[Token], parts: &mut Vec<Expr>) {
    // `regex field="re"` or `regex field!="re"`.
    match toks {
        [f, op, v] if f.kind == Kind::Word && (op.is_punct("=") || op.is_punct("!=")) => {
            let p = RawPred::new(&f.text, Op::RegexMatch, v.text.clone()).negate(op.is_punct("!="));
            parts.push(Expr::Pred(p));
        }
        _ => {
            let c = Cursor::new(src, toks.to_vec());
            parts.push(Expr::unparsed(
                c.text(0, toks.len()),
                "regex command not read",
            ));
        }
    }
}

/// A search (`eval = false`) or `where` (`eval = true`) expression.
fn search_expr(src: &str, toks: &[Token], eval: bool) -> Expr {
    let mut c = Cursor::new(src, toks.to_vec());
    let mut parts = vec![super::spl_expr::expr(&mut c, eval)];
    while !c.at_end() {
        let from = c.pos;
        c.pos += 1;
        parts.push(Expr::unparsed(c.text(from, c.pos), "unbalanced bracket"));
        if !c.at_end() {
            parts.push(super::spl_expr::expr(&mut c, eval));
        }
    }
    Expr::and(parts)
}

/// `=` with a value: equality, or a glob when it holds `*`.
pub(crate) fn eq_pred(field: &str, value: String, negated: bool) -> Expr {
    let op = if value.contains('*') {
        eq_or_wildcard(&value)
    } else {
        Op::Eq
    };
    Expr::Pred(RawPred::new(field, op, value).negate(negated))
}
