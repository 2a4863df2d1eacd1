//! A reader of Kibana KQL queries: `field:value`, wildcards, `field:*`,
//! range comparisons, `field:(a or b)`, `not`, `and` / `or`, parentheses.

use crate::cursor::{Cursor, bool_expr};
use crate::expr::{Expr, RawPred};
use crate::lex::{Dialect, Kind, tokenize};
use crate::model::Op;

pub(crate) fn parse_kql(src: &str) -> Expr {
    let mut c = Cursor::new(src, tokenize(src, Dialect::Kql));
    let mut parts = vec![or_expr(&mut c)];
    while !c.at_end() {
        // A stray closing bracket: report it and carry on.
        let from = c.pos;
        c.pos += 1;
        parts.push(Expr::unparsed(c.text(from, c.pos), "unbalanced bracket"));
        if !c.at_end() {
            parts.push(or_expr(&mut c));
        }
    }
    Expr::and(parts)
}

/// KQL joins adjacent terms with its default operator; they are read as
/// joined by `and`, each term kept on its own.
fn or_expr(c: &mut Cursor<'_>) -> Expr {
    bool_expr(c, primary, true)
}

fn primary(c: &mut Cursor<'_>) -> Result<Expr, String> {
    if c.eat_punct("(") {
        let e = or_expr(c);
        c.expect_punct(")")?;
        return Ok(e);
    }
    let t = c.next().ok_or("expected a term, found end of query")?;
    if t.kind == Kind::Punct {
        return Err(format!("unexpected `{}`", t.text));
    }
    let op_tok = c
        .peek()
        .filter(|n| n.kind == Kind::Punct)
        .map(|n| n.text.clone());
    let field = t.text.clone();
    match op_tok.as_deref() {
        Some(":") => {
            c.pos += 1;
            if c.peek().is_some_and(|n| n.is_punct("{")) {
                return Err(format!("nested query on `{field}` is not read"));
            }
            if c.eat_punct("(") {
                let e = val_or(c, &field)?;
                c.expect_punct(")")?;
                return Ok(e);
            }
            value(c, &field)
        }
        Some(op @ ("<" | "<=" | ">" | ">=")) => {
            let op = match op {
                "<" => Op::Lt,
                "<=" => Op::Lte,
                ">" => Op::Gt,
                _ => Op::Gte,
            };
            c.pos += 1;
            let v = c
                .next()
                .filter(|v| v.kind != Kind::Punct)
                .ok_or_else(|| format!("`{field}` compared with nothing"))?;
            Ok(Expr::Pred(RawPred::new(&field, op, v.text)))
        }
        _ => {
            // A bare value: searched in every field.
            Ok(Expr::Pred(RawPred::new("", Op::Keyword, t.text)))
        }
    }
}

fn val_or(c: &mut Cursor<'_>, field: &str) -> Result<Expr, String> {
    let mut terms = vec![val_and(c, field)?];
    while c.eat_kw("or") {
        terms.push(val_and(c, field)?);
    }
    Ok(Expr::or(terms))
}

fn val_and(c: &mut Cursor<'_>, field: &str) -> Result<Expr, String> {
    let mut terms = vec![val_not(c, field)?];
    while c.eat_kw("and") {
        terms.push(val_not(c, field)?);
    }
    Ok(Expr::and(terms))
}

fn val_not(c: &mut Cursor<'_>, field: &str) -> Result<Expr, String> {
    if c.eat_kw("not") {
        return Ok(Expr::Not(Box::new(val_not(c, field)?)));
    }
    if c.eat_punct("(") {
        let e = val_or(c, field)?;
        c.expect_punct(")")?;
        return Ok(e);
    }
    value(c, field)
}

fn value(c: &mut Cursor<'_>, field: &str) -> Result<Expr, String> {
    let v = c.next().ok_or_else(|| format!("`{field}:` has no value"))?;
    let pred = match v.kind {
        Kind::Str => RawPred::new(field, Op::Eq, v.text),
        Kind::Word if v.text == "*" => RawPred::new(field, Op::Exists, ""),
        Kind::Word if v.text.contains('*') => RawPred::new(field, Op::Wildcard, v.text),
        Kind::Word => RawPred::new(field, Op::Eq, v.text),
        _ => return Err(format!("`{field}:` followed by `{}`", v.text)),
    };
    Ok(Expr::Pred(pred))
}
