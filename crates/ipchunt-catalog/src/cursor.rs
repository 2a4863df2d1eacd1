//! A cursor over tokens, shared by the query parsers, with the recovery
//! they use when a term cannot be read: skip to the next `and` / `or` or
//! closing bracket at the same depth and keep the skipped text.

use crate::expr::Expr;
use crate::lex::{Kind, Token};

pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    pub toks: Vec<Token>,
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str, toks: Vec<Token>) -> Self {
        Cursor { src, toks, pos: 0 }
    }

    pub fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    pub fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_kw(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_punct(&mut self, p: &str) -> Result<(), String> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(format!("expected `{p}`, found {}", self.describe()))
        }
    }

    /// The next token, for error messages.
    pub fn describe(&self) -> String {
        match self.peek() {
            Some(t) if t.kind == Kind::Str => format!("string \"{}\"", t.text),
            Some(t) => format!("`{}`", t.text),
            None => "end of query".to_owned(),
        }
    }

    /// Byte offset where the token at `pos` starts (the query end if none).
    pub fn offset(&self, pos: usize) -> usize {
        self.toks.get(pos).map_or(self.src.len(), |t| t.start)
    }

    /// The query text of tokens `from..to`.
    pub fn text(&self, from: usize, to: usize) -> &'a str {
        let start = self.offset(from);
        let end = if to == 0 {
            start
        } else {
            self.toks
                .get(to - 1)
                .map_or(self.src.len(), |t| t.end)
                .max(start)
        };
        self.src.get(start..end).unwrap_or("")
    }

    /// After a failed term that started at `from`: skips to the next
    /// boolean operator or closing bracket at the term's depth and returns
    /// the skipped text as an unparsed fragment.
    pub fn recover(
        &mut self,
        from: usize,
        reason: String,
        is_bool: &dyn Fn(&Token) -> bool,
    ) -> Expr {
        self.pos = from;
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if t.kind == Kind::Punct {
                match t.text.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    }
                    "|" if depth == 0 => break,
                    _ => {}
                }
            } else if depth == 0 && is_bool(t) && self.pos > from {
                break;
            }
            self.pos += 1;
        }
        if self.pos == from && !self.at_end() {
            // Never stay in place: give up the token at hand.
            self.pos += 1;
        }
        Expr::unparsed(self.text(from, self.pos), reason)
    }
}

/// `and` / `or` as a bare word, any case.
pub(crate) fn is_and_or(t: &Token) -> bool {
    t.is_kw("and") || t.is_kw("or")
}

/// `a or b`, `a and b`, `not a` over the terms `term` reads (keywords in
/// any case; `and` binds tighter). With `implicit_and`, adjacent terms are
/// joined as if by `and`. A term that fails is kept as an unparsed
/// fragment, up to the next `and` / `or`.
pub(crate) fn bool_expr(c: &mut Cursor<'_>, term: Term, implicit_and: bool) -> Expr {
    let mut terms = vec![and_expr(c, term, implicit_and)];
    while c.eat_kw("or") {
        terms.push(and_expr(c, term, implicit_and));
    }
    Expr::or(terms)
}

pub(crate) type Term = fn(&mut Cursor<'_>) -> Result<Expr, String>;

fn and_expr(c: &mut Cursor<'_>, term: Term, implicit_and: bool) -> Expr {
    let mut terms = vec![not_expr(c, term)];
    loop {
        let implicit = implicit_and
            && c.peek().is_some_and(|t| {
                !t.is_punct(")")
                    && !t.is_punct("]")
                    && !t.is_punct("}")
                    && !t.is_punct("|")
                    && !t.is_kw("or")
            });
        if c.eat_kw("and") || implicit {
            terms.push(not_expr(c, term));
        } else {
            break;
        }
    }
    Expr::and(terms)
}

fn not_expr(c: &mut Cursor<'_>, term: Term) -> Expr {
    if c.eat_kw("not") {
        return Expr::Not(Box::new(not_expr(c, term)));
    }
    let from = c.pos;
    match term(c) {
        Ok(e) => e,
        Err(reason) => c.recover(from, reason, &is_and_or),
    }
}
