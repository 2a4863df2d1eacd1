//! Boolean expressions of SPL: the search language (`field=value`, bare
//! terms, implicit AND) and the eval language of `where` (`like()`,
//! `match()`, `isnull()`, quoted strings as values, bare words as fields).

use crate::cursor::Cursor;
use crate::expr::{Expr, RawPred};
use crate::lex::{Kind, Token};
use crate::model::Op;

use super::spl::eq_pred;

fn is_kw(c: &Cursor<'_>, kw: &str, eval: bool) -> bool {
    c.peek().is_some_and(|t| {
        t.kind == Kind::Word
            && if eval {
                t.text.eq_ignore_ascii_case(kw)
            } else {
                t.text == kw
            }
    })
}

/// An expression. The search language binds `OR` tighter than the
/// (implicit) `AND`; the eval language of `where` binds `AND` tighter.
pub(crate) fn expr(c: &mut Cursor<'_>, eval: bool) -> Expr {
    if eval {
        let mut terms = vec![and_seq(c, eval, &|c| not_expr(c, true))];
        while is_kw(c, "OR", eval) {
            c.pos += 1;
            terms.push(and_seq(c, eval, &|c| not_expr(c, true)));
        }
        Expr::or(terms)
    } else {
        and_seq(c, eval, &|c| {
            let mut terms = vec![not_expr(c, false)];
            while is_kw(c, "OR", false) {
                c.pos += 1;
                terms.push(not_expr(c, false));
            }
            Expr::or(terms)
        })
    }
}

/// Terms joined by `AND` or by nothing, up to a closing bracket, an `OR`
/// (eval) or the end.
fn and_seq(c: &mut Cursor<'_>, eval: bool, term: &dyn Fn(&mut Cursor<'_>) -> Expr) -> Expr {
    let mut terms = Vec::new();
    loop {
        if is_kw(c, "AND", eval) {
            c.pos += 1;
        }
        match c.peek() {
            None => break,
            Some(t) if t.is_punct(")") || t.is_punct("]") => break,
            Some(_) if eval && is_kw(c, "OR", eval) => break,
            Some(_) => terms.push(term(c)),
        }
    }
    Expr::and(terms)
}

fn not_expr(c: &mut Cursor<'_>, eval: bool) -> Expr {
    if is_kw(c, "NOT", eval) {
        c.pos += 1;
        return Expr::Not(Box::new(not_expr(c, eval)));
    }
    let from = c.pos;
    match primary(c, eval) {
        Ok(e) => e,
        Err(reason) => {
            skip_term(c, from);
            Expr::unparsed(c.text(from, c.pos), reason)
        }
    }
}

/// Skips one term: a token, a bracketed group after it, and a comparison
/// with a value after that.
fn skip_term(c: &mut Cursor<'_>, from: usize) {
    c.pos = from + 1;
    skip_group(c);
    if c.peek().is_some_and(is_cmp) {
        c.pos += 1;
        if !c.peek().is_some_and(|t| t.is_punct("(")) {
            c.pos = (c.pos + 1).min(c.toks.len());
        }
        skip_group(c);
    }
}

/// Skips a bracketed group at the cursor, if any.
fn skip_group(c: &mut Cursor<'_>) {
    if !c.peek().is_some_and(|t| t.is_punct("(")) {
        return;
    }
    let mut depth = 0usize;
    while let Some(t) = c.next() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                break;
            }
        }
    }
}

fn is_cmp(t: &Token) -> bool {
    t.kind == Kind::Punct && matches!(t.text.as_str(), "=" | "==" | "!=" | "<" | "<=" | ">" | ">=")
}

fn primary(c: &mut Cursor<'_>, eval: bool) -> Result<Expr, String> {
    if c.eat_punct("(") {
        let e = expr(c, eval);
        c.expect_punct(")")?;
        return Ok(e);
    }
    let t = c.next().ok_or("expected a term, found end of search")?;
    match t.kind {
        Kind::Macro => return Ok(macro_expr(&t).unwrap_or(Expr::And(Vec::new()))),
        Kind::Punct => return Err(format!("unexpected `{}`", t.text)),
        Kind::Str if !c.peek().is_some_and(is_cmp) => {
            return if eval {
                Err("a string alone is not a condition".into())
            } else {
                Ok(Expr::Pred(RawPred::new("", Op::Keyword, t.text)))
            };
        }
        _ => {}
    }
    let field = t.text.clone();
    if c.peek().is_some_and(|n| n.is_punct("(")) && t.kind == Kind::Word {
        return function(c, &field);
    }
    if c.peek().is_some_and(|n| n.is_kw("IN")) {
        c.pos += 1;
        c.expect_punct("(")?;
        let mut out = Vec::new();
        while !c.eat_punct(")") {
            let v = c
                .next()
                .ok_or_else(|| format!("`{field} IN (` is not closed"))?;
            match v.kind {
                Kind::Str | Kind::Word => {
                    let mut p = RawPred::new(&field, Op::In, v.text);
                    if p.value.contains('*') {
                        p.modifiers.push("wildcard".into());
                    }
                    out.push(Expr::Pred(p));
                }
                _ if v.is_punct(",") => {}
                _ => return Err(format!("unexpected `{}` in `{field} IN (...)`", v.text)),
            }
        }
        return Ok(Expr::or(out));
    }
    if let Some(op) = c.peek().filter(|n| is_cmp(n)).map(|n| n.text.clone()) {
        c.pos += 1;
        let v = c
            .next()
            .ok_or_else(|| format!("`{field}{op}` has no value"))?;
        if v.kind == Kind::Punct || (eval && c.peek().is_some_and(|n| n.is_punct("("))) {
            return Err(format!("`{field}` {op} a computed value"));
        }
        let numeric = v.text.parse::<f64>().is_ok();
        if eval && v.kind == Kind::Word && !numeric {
            let p = RawPred::new(&field, Op::FieldRef, v.text).negate(op == "!=");
            return Ok(Expr::Pred(p));
        }
        return Ok(match op.as_str() {
            "=" | "==" => eq_pred(&field, v.text, false),
            "!=" => eq_pred(&field, v.text, true),
            "<" => Expr::Pred(RawPred::new(&field, Op::Lt, v.text)),
            "<=" => Expr::Pred(RawPred::new(&field, Op::Lte, v.text)),
            ">" => Expr::Pred(RawPred::new(&field, Op::Gt, v.text)),
            _ => Expr::Pred(RawPred::new(&field, Op::Gte, v.text)),
        });
    }
    if eval {
        return Err(format!("`{field}` alone is not a condition"));
    }
    Ok(Expr::Pred(RawPred::new("", Op::Keyword, t.text)))
}

/// Macros that only shape output or tstats options; they select nothing.
const FORMATTING_MACROS: &[&str] = &[
    "security_content_ctime",
    "drop_dm_object_name",
    "security_content_summariesonly",
    "summariesonly",
];

/// A macro as an unparsed fragment with the reason; `None` for macros
/// that only format output.
pub(crate) fn macro_expr(t: &Token) -> Option<Expr> {
    let name = t.text.split('(').next().unwrap_or("").trim();
    if FORMATTING_MACROS.contains(&name) {
        return None;
    }
    let reason = if name.ends_with("_filter") {
        "tuning macro: its definition lives outside the rule (empty by default)".to_owned()
    } else {
        format!("macro `{name}`: its definition lives outside the rule")
    };
    Some(Expr::unparsed(&format!("`{}`", t.text), reason))
}

/// `like(f, "%x%")`, `match(f, "re")`, `isnull(f)`, `isnotnull(f)`,
/// `cidrmatch("10.0.0.0/8", f)`.
fn function(c: &mut Cursor<'_>, name: &str) -> Result<Expr, String> {
    c.expect_punct("(")?;
    let mut args = Vec::new();
    while !c.eat_punct(")") {
        let a = c.next().ok_or_else(|| format!("`{name}(` is not closed"))?;
        if a.is_punct(",") {
            continue;
        }
        if a.kind == Kind::Punct || c.peek().is_some_and(|n| n.is_punct("(")) {
            return Err(format!("`{name}` with a computed argument"));
        }
        args.push(a);
    }
    if c.peek().is_some_and(is_cmp) {
        return Err(format!("`{name}(...)` compared with a value"));
    }
    let lname = name.to_ascii_lowercase();
    let pred = match (lname.as_str(), args.as_slice()) {
        ("like", [f, v]) => RawPred::new(&f.text, Op::Like, v.text.clone()),
        ("match", [f, v]) => RawPred::new(&f.text, Op::Match, v.text.clone()),
        ("isnull", [f]) => RawPred::new(&f.text, Op::Exists, "").negate(true),
        ("isnotnull", [f]) => RawPred::new(&f.text, Op::Exists, ""),
        ("cidrmatch", [v, f]) => RawPred::new(&f.text, Op::Cidr, v.text.clone()),
        _ => {
            return Err(format!(
                "function `{name}` is not a field comparison the catalog reads"
            ));
        }
    };
    Ok(Expr::Pred(pred))
}
