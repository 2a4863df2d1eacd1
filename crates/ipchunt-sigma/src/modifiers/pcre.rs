//! Sigma names PCRE as its regex flavour. In PCRE (without Unicode
//! properties turned on) `\d`, `\s` and `\w` and their negations are ASCII
//! classes; the `regex` crate reads them as Unicode classes, which match
//! more (Arabic-Indic digits, no-break spaces, letters of every script) and
//! compile far larger (`\w{1,64}` builds to megabytes in tens of
//! milliseconds). [`ascii_classes`] rewrites them into the ASCII classes
//! `[[:digit:]]`, `[[:space:]]` and `[[:word:]]`, which mean what PCRE
//! means.

use std::borrow::Cow;

use regex_syntax::ast::{Ast, ClassPerl, ClassPerlKind, ClassSet, ClassSetItem, Span, parse};

/// The pattern with its Perl classes spelled as ASCII classes; unchanged
/// when it has none (or does not parse: the regex build reports that).
pub(crate) fn ascii_classes(pattern: &str) -> Cow<'_, str> {
    let Ok(ast) = parse::Parser::new().parse(pattern) else {
        return Cow::Borrowed(pattern);
    };
    let mut edits = Vec::new();
    walk(&ast, &mut edits);
    if edits.is_empty() {
        return Cow::Borrowed(pattern);
    }
    edits.sort_by_key(|(span, _)| span.start.offset);
    let mut out = String::with_capacity(pattern.len() + 10 * edits.len());
    let mut at = 0;
    for (span, with) in edits {
        let (start, end) = (span.start.offset, span.end.offset);
        if start < at || end > pattern.len() {
            return Cow::Borrowed(pattern);
        }
        out.push_str(&pattern[at..start]);
        out.push_str(&with);
        at = end;
    }
    out.push_str(&pattern[at..]);
    Cow::Owned(out)
}

fn posix(p: &ClassPerl) -> &'static str {
    match p.kind {
        ClassPerlKind::Digit => "digit",
        ClassPerlKind::Space => "space",
        ClassPerlKind::Word => "word",
    }
}

fn walk(ast: &Ast, edits: &mut Vec<(Span, String)>) {
    match ast {
        Ast::ClassPerl(p) => {
            let not = if p.negated { "^" } else { "" };
            edits.push((p.span, format!("[{not}[:{}:]]", posix(p))));
        }
        Ast::ClassBracketed(b) => set(&b.kind, edits),
        Ast::Repetition(r) => walk(&r.ast, edits),
        Ast::Group(g) => walk(&g.ast, edits),
        Ast::Alternation(a) => a.asts.iter().for_each(|x| walk(x, edits)),
        Ast::Concat(c) => c.asts.iter().for_each(|x| walk(x, edits)),
        _ => {}
    }
}

fn set(s: &ClassSet, edits: &mut Vec<(Span, String)>) {
    match s {
        ClassSet::Item(i) => item(i, edits),
        ClassSet::BinaryOp(op) => {
            set(&op.lhs, edits);
            set(&op.rhs, edits);
        }
    }
}

fn item(i: &ClassSetItem, edits: &mut Vec<(Span, String)>) {
    match i {
        ClassSetItem::Perl(p) => {
            let not = if p.negated { "^" } else { "" };
            edits.push((p.span, format!("[:{not}{}:]", posix(p))));
        }
        ClassSetItem::Bracketed(b) => set(&b.kind, edits),
        ClassSetItem::Union(u) => u.items.iter().for_each(|x| item(x, edits)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::ascii_classes;
    use regex::Regex;

    #[test]
    fn perl_classes_become_ascii_classes() {
        assert_eq!(
            ascii_classes(r"-k\s\w{1,64}"),
            r"-k[[:space:]][[:word:]]{1,64}"
        );
        assert_eq!(ascii_classes(r"[\w.\-]+\D"), r"[[:word:].\-]+[^[:digit:]]");
        assert_eq!(ascii_classes(r"[^\S\d]"), r"[^[:^space:][:digit:]]");
        assert_eq!(ascii_classes(r"a\\w\.b"), r"a\\w\.b");
        assert_eq!(ascii_classes(r"(?i)(a|\d)"), r"(?i)(a|[[:digit:]])");
        assert_eq!(ascii_classes("(unclosed"), "(unclosed");
    }

    #[test]
    fn the_rewritten_classes_match_as_pcre_does() {
        let re = |p: &str| Regex::new(&ascii_classes(p)).expect("valid");
        assert!(re(r"^\d+$").is_match("2024"));
        assert!(
            !re(r"^\d+$").is_match("٢٠٢٤"),
            "Arabic-Indic digits are not \\d in PCRE"
        );
        assert!(!re(r"^\w+$").is_match("café"));
        assert!(re(r"^\W$").is_match("é"));
        assert!(re(r"^\s$").is_match("\u{b}"));
        assert!(!re(r"^\s$").is_match("\u{a0}"));
        assert!(re(r"^[\w-]+\S$").is_match("a-b_c!"));
    }
}
