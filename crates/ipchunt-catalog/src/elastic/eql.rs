//! A reader of Elastic EQL queries: `category where expr`, `sequence` with
//! `by` keys and `[category where expr]` steps, the comparison operators
//! (`:`, `==`, `!=`, `<`..., `like~`, `regex~`, `in`, `in~`, `not in`),
//! the string functions that compare a field with a value, `not`,
//! `and` / `or` and parentheses.

use crate::cursor::{Cursor, bool_expr};
use crate::expr::{Expr, RawPred, eq_or_wildcard};
use crate::lex::{Dialect, Kind, tokenize};
use crate::model::Op;

/// A parsed EQL query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EqlQuery {
    pub expr: Expr,
    /// The event category of each step (`process`, `network`, `any`...).
    pub categories: Vec<String>,
    /// The `by` fields of a sequence, in order of appearance.
    pub join_keys: Vec<String>,
}

pub(crate) fn parse_eql(src: &str) -> EqlQuery {
    let mut c = Cursor::new(src, tokenize(src, Dialect::Eql));
    let mut q = EqlQuery {
        expr: Expr::And(Vec::new()),
        categories: Vec::new(),
        join_keys: Vec::new(),
    };
    let mut parts = Vec::new();
    if c.eat_kw("sequence") || c.eat_kw("sample") {
        seq_header(&mut c, &mut q);
        while !c.at_end() {
            let negated_step = c.peek().is_some_and(|t| t.is_punct("!"));
            let until = c.eat_kw("until");
            if negated_step {
                c.pos += 1;
            }
            if !c.eat_punct("[") {
                if c.peek().is_some_and(|t| t.is_punct("|")) {
                    break;
                }
                let from = c.pos;
                c.pos += 1;
                while c
                    .peek()
                    .is_some_and(|t| !t.is_punct("[") && !t.is_punct("|"))
                {
                    c.pos += 1;
                }
                parts.push(Expr::unparsed(c.text(from, c.pos), "not a sequence step"));
                continue;
            }
            let step = single(&mut c, &mut q);
            if let Err(e) = c.expect_punct("]") {
                let from = c.pos;
                parts.push(c.recover(from, e, &|_| false));
                c.eat_punct("]");
            }
            parts.push(if until || negated_step {
                Expr::Not(Box::new(step))
            } else {
                step
            });
            seq_header(&mut c, &mut q);
        }
    } else {
        parts.push(single(&mut c, &mut q));
    }
    pipes(&mut c, &mut parts);
    q.expr = Expr::and(parts);
    q
}

/// `by keys`, `with maxspan=...`, `with runs=...` in any order.
fn seq_header(c: &mut Cursor<'_>, q: &mut EqlQuery) {
    loop {
        if c.eat_kw("by") {
            loop {
                match c.peek() {
                    Some(t) if t.kind == Kind::Word => {
                        let k = t.text.trim_start_matches('?').to_owned();
                        if !q.join_keys.contains(&k) {
                            q.join_keys.push(k);
                        }
                        c.pos += 1;
                    }
                    _ => break,
                }
                if !c.eat_punct(",") {
                    break;
                }
            }
        } else if c.eat_kw("with") {
            // `maxspan=1m`, `runs=2`: a word, `=`, a value.
            c.pos += 1;
            c.eat_punct("=");
            c.pos += 1;
        } else {
            return;
        }
    }
}

/// `category where expr`.
fn single(c: &mut Cursor<'_>, q: &mut EqlQuery) -> Expr {
    let cat = match (c.peek(), c.peek_at(1)) {
        (Some(t), Some(w)) if t.kind == Kind::Word && w.is_kw("where") => t.text.clone(),
        _ => {
            let from = c.pos;
            return c.recover(
                from,
                format!("expected `<category> where`, found {}", c.describe()),
                &|_| false,
            );
        }
    };
    c.pos += 2;
    q.categories.push(cat.to_ascii_lowercase());
    or_expr(c)
}

fn pipes(c: &mut Cursor<'_>, parts: &mut Vec<Expr>) {
    while c.eat_punct("|") {
        let from = c.pos;
        if c.eat_kw("filter") {
            parts.push(or_expr(c));
        } else {
            let name = c.peek().map(|t| t.text.clone()).unwrap_or_default();
            while c.peek().is_some_and(|t| !t.is_punct("|")) {
                c.pos += 1;
            }
            parts.push(Expr::unparsed(
                c.text(from, c.pos),
                format!("pipe `{name}` is not a field comparison"),
            ));
        }
    }
    if !c.at_end() {
        let from = c.pos;
        c.pos = c.toks.len();
        parts.push(Expr::unparsed(
            c.text(from, c.pos),
            "text after the end of the query",
        ));
    }
}

fn or_expr(c: &mut Cursor<'_>) -> Expr {
    bool_expr(c, term, false)
}

fn term(c: &mut Cursor<'_>) -> Result<Expr, String> {
    if c.eat_punct("(") {
        let e = or_expr(c);
        c.expect_punct(")")?;
        return Ok(e);
    }
    let t = c
        .peek()
        .cloned()
        .ok_or("expected a comparison, found end of query")?;
    if t.kind != Kind::Word {
        return Err(format!("expected a field, found {}", c.describe()));
    }
    // `descendant of [process where ...]`, `child of [...]`.
    if matches!(t.text.as_str(), "descendant" | "child" | "event")
        && c.peek_at(1).is_some_and(|n| n.is_kw("of"))
    {
        c.pos += 2;
        c.expect_punct("[")?;
        let mut inner = EqlQuery {
            expr: Expr::And(Vec::new()),
            categories: Vec::new(),
            join_keys: Vec::new(),
        };
        let e = single(c, &mut inner);
        c.expect_punct("]")?;
        return Ok(e);
    }
    c.pos += 1;
    let insensitive_call =
        c.peek().is_some_and(|n| n.is_punct("~")) && c.peek_at(1).is_some_and(|n| n.is_punct("("));
    if insensitive_call {
        c.pos += 1;
    }
    if c.peek().is_some_and(|n| n.is_punct("(")) {
        return function(c, &t.text, insensitive_call);
    }
    let field = t.text.trim_start_matches('?').to_owned();
    comparison(c, &field)
}

/// `field <op> value(s)`.
fn comparison(c: &mut Cursor<'_>, field: &str) -> Result<Expr, String> {
    let op_tok = c
        .next()
        .ok_or_else(|| format!("`{field}` has no comparison"))?;
    let mut negated = false;
    let mut word = op_tok.text.to_ascii_lowercase();
    if op_tok.kind == Kind::Word && word == "not" {
        negated = true;
        word = c
            .next()
            .map(|t| t.text.to_ascii_lowercase())
            .unwrap_or_default();
    }
    let tilde = op_tok.kind == Kind::Word && c.eat_punct("~");
    let mods = if tilde {
        vec!["~".to_owned()]
    } else {
        Vec::new()
    };
    let (op, listy) = match word.as_str() {
        ":" => (None, true),
        "==" => (Some(Op::Eq), false),
        "!=" => {
            negated = true;
            (Some(Op::Eq), false)
        }
        "<" => (Some(Op::Lt), false),
        "<=" => (Some(Op::Lte), false),
        ">" => (Some(Op::Gt), false),
        ">=" => (Some(Op::Gte), false),
        "like" => (Some(Op::Like), true),
        "regex" => (Some(Op::RegexMatch), true),
        "in" => (Some(Op::In), true),
        _ => {
            return Err(format!(
                "unknown operator `{}` after `{field}`",
                op_tok.text
            ));
        }
    };
    let values = values(c, listy)?;
    let mut out = Vec::new();
    for v in values {
        let pred = match v {
            Val::Null => RawPred::new(field, Op::Exists, "").negate(!negated),
            Val::Field(f) => RawPred::new(field, Op::FieldRef, f).negate(negated),
            Val::Lit(s) => {
                let op = op.unwrap_or_else(|| eq_or_wildcard(&s));
                let mut p = RawPred::new(field, op, s).negate(negated);
                p.modifiers = mods.clone();
                p
            }
        };
        out.push(Expr::Pred(pred));
    }
    // `f != (a, b)` and `f not in (a, b)` hold when no member matches.
    Ok(if negated {
        Expr::and(out)
    } else {
        Expr::or(out)
    })
}

enum Val {
    Lit(String),
    Null,
    Field(String),
}

fn values(c: &mut Cursor<'_>, listy: bool) -> Result<Vec<Val>, String> {
    if listy && c.eat_punct("(") {
        let mut out = Vec::new();
        loop {
            out.push(value(c)?);
            if c.eat_punct(")") {
                return Ok(out);
            }
            c.expect_punct(",")?;
        }
    }
    Ok(vec![value(c)?])
}

fn value(c: &mut Cursor<'_>) -> Result<Val, String> {
    let negative = c.eat_punct("-");
    let t = c.next().ok_or("expected a value, found end of query")?;
    match t.kind {
        Kind::Str => Ok(Val::Lit(t.text)),
        Kind::Word if t.text == "null" => Ok(Val::Null),
        Kind::Word if t.text.chars().next().is_some_and(|ch| ch.is_ascii_digit()) => {
            Ok(Val::Lit(if negative {
                format!("-{}", t.text)
            } else {
                t.text
            }))
        }
        Kind::Word if t.text == "true" || t.text == "false" => Ok(Val::Lit(t.text)),
        Kind::Word if !c.peek().is_some_and(|n| n.is_punct("(")) => {
            Ok(Val::Field(t.text.trim_start_matches('?').to_owned()))
        }
        _ => Err(format!("unsupported value `{}`", t.text)),
    }
}

/// String functions with a field first and literal values after:
/// `startsWith`, `endsWith`, `stringContains`, `cidrMatch`. Others are
/// reported unparsed.
fn function(c: &mut Cursor<'_>, name: &str, insensitive: bool) -> Result<Expr, String> {
    let lname = name.to_ascii_lowercase();
    let op = match lname.as_str() {
        "startswith" => Op::StartsWith,
        "endswith" => Op::EndsWith,
        "stringcontains" => Op::Contains,
        "cidrmatch" => Op::Cidr,
        _ => {
            return Err(format!(
                "function `{name}` is not a field comparison the catalog reads"
            ));
        }
    };
    c.expect_punct("(")?;
    let field = match c.next() {
        Some(t) if t.kind == Kind::Word => t.text.trim_start_matches('?').to_owned(),
        _ => return Err(format!("`{name}` does not start with a field")),
    };
    let mut out = Vec::new();
    while c.eat_punct(",") {
        match value(c)? {
            Val::Lit(s) => {
                let mut p = RawPred::new(&field, op, s);
                if insensitive {
                    p.modifiers.push("~".into());
                }
                out.push(Expr::Pred(p));
            }
            _ => return Err(format!("`{name}` compares with a non-literal")),
        }
    }
    c.expect_punct(")")?;
    if c.peek()
        .is_some_and(|t| t.kind == Kind::Punct && matches!(t.text.as_str(), "==" | "!=" | ":"))
    {
        return Err(format!("`{name}(...)` compared with a value"));
    }
    Ok(Expr::or(out))
}
