//! One tokenizer for the three query languages the catalog reads (EQL, KQL,
//! SPL), which differ in what a bare word may hold.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Eql,
    Kql,
    Spl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A bare word: field name, keyword, unquoted value.
    Word,
    /// A quoted string, unescaped.
    Str,
    /// Punctuation or an operator.
    Punct,
    /// A Splunk macro: `` `name(args)` ``.
    Macro,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    /// Byte range in the query.
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn is(&self, kind: Kind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }

    /// A bare word equal to `kw`, ignoring case.
    pub fn is_kw(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    pub fn is_punct(&self, p: &str) -> bool {
        self.is(Kind::Punct, p)
    }
}

const EQL_PUNCT: &[&str] = &[
    "==", "!=", "<=", ">=", "<", ">", ":", "(", ")", "[", "]", ",", "|", "~", "=", "+", "-", "*",
    "/",
];
const KQL_PUNCT: &[&str] = &["<=", ">=", "<", ">", ":", "(", ")", "{", "}"];
const SPL_PUNCT: &[&str] = &[
    "!=", "<=", ">=", "==", "=", "<", ">", "(", ")", ",", "|", "[", "]",
];

/// Splits a query into tokens. An unterminated string or macro ends the
/// query: the rest becomes one token of its kind.
pub(crate) fn tokenize(src: &str, dialect: Dialect) -> Vec<Token> {
    let b = src.as_bytes();
    let puncts = match dialect {
        Dialect::Eql => EQL_PUNCT,
        Dialect::Kql => KQL_PUNCT,
        Dialect::Spl => SPL_PUNCT,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if dialect == Dialect::Eql && src[i..].starts_with("/*") {
            i = src[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            continue;
        }
        if dialect == Dialect::Eql && src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(b.len(), |p| i + p);
            continue;
        }
        let start = i;
        // Strings.
        if dialect == Dialect::Eql && src[i..].starts_with("\"\"\"") {
            let end = src[i + 3..].find("\"\"\"").map_or(b.len(), |p| i + 3 + p);
            let text = src[i + 3..end].to_owned();
            i = (end + 3).min(b.len());
            out.push(tok(Kind::Str, text, start, i));
            continue;
        }
        if dialect == Dialect::Eql && src[i..].starts_with("?\"") {
            let end = src[i + 2..].find('"').map_or(b.len(), |p| i + 2 + p);
            let text = src[i + 2..end].to_owned();
            i = (end + 1).min(b.len());
            out.push(tok(Kind::Str, text, start, i));
            continue;
        }
        if c == b'"' || (c == b'\'' && dialect == Dialect::Spl) {
            let (text, end) = quoted(src, i, c);
            i = end;
            // SPL single quotes name a field in eval expressions.
            let kind = if c == b'\'' { Kind::Word } else { Kind::Str };
            out.push(tok(kind, text, start, i));
            continue;
        }
        if c == b'`' {
            let end = src[i + 1..].find('`').map_or(b.len(), |p| i + 1 + p);
            let text = src[i + 1..end].to_owned();
            i = (end + 1).min(b.len());
            let kind = if dialect == Dialect::Spl {
                Kind::Macro
            } else {
                Kind::Word
            };
            out.push(tok(kind, text, start, i));
            continue;
        }
        if let Some(p) = puncts.iter().find(|p| src[i..].starts_with(**p)) {
            // A minus or slash inside EQL arithmetic only; a leading minus
            // of a number is part of the word.
            i += p.len();
            out.push(tok(Kind::Punct, (*p).to_owned(), start, i));
            continue;
        }
        // A bare word.
        let mut text = String::new();
        while i < b.len() {
            let ch = match src[i..].chars().next() {
                Some(ch) => ch,
                None => break,
            };
            // KQL escapes any character with a backslash; SPL only the
            // backslash itself (`\\` is one backslash).
            if ch == '\\'
                && let Some(next) = src[i + 1..].chars().next()
                && (dialect == Dialect::Kql || (dialect == Dialect::Spl && next == '\\'))
            {
                text.push(next);
                i += 1 + next.len_utf8();
                continue;
            }
            if ch.is_whitespace() || ch == '"' || ch == '`' || ends_word(&src[i..], dialect, puncts)
            {
                break;
            }
            text.push(ch);
            i += ch.len_utf8();
        }
        if i == start {
            // A character no rule above takes: keep it as punctuation.
            let ch = src[i..].chars().next().unwrap_or(' ');
            i += ch.len_utf8().max(1);
            out.push(tok(Kind::Punct, ch.to_string(), start, i));
            continue;
        }
        out.push(tok(Kind::Word, text, start, i));
    }
    out
}

fn ends_word(rest: &str, dialect: Dialect, puncts: &[&str]) -> bool {
    match dialect {
        // EQL words: identifiers, dotted names, numbers, `?optional` fields.
        Dialect::Eql => !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '?' | '$')),
        Dialect::Kql => puncts.iter().any(|p| rest.starts_with(p)),
        // `!` alone may sit inside a value; `!=` ends it.
        Dialect::Spl => puncts.iter().any(|p| rest.starts_with(p)),
    }
}

fn tok(kind: Kind, text: String, start: usize, end: usize) -> Token {
    Token {
        kind,
        text,
        start,
        end,
    }
}

/// Reads a string quoted with `q` starting at `i`; a backslash keeps the
/// next character (and itself unless it escapes the quote or a backslash).
fn quoted(src: &str, i: usize, q: u8) -> (String, usize) {
    let mut text = String::new();
    let mut j = i + 1;
    let b = src.as_bytes();
    while j < b.len() {
        if b[j] == q {
            return (text, j + 1);
        }
        let Some(ch) = src[j..].chars().next() else {
            break;
        };
        if ch == '\\'
            && let Some(next) = src[j + 1..].chars().next()
        {
            if next as u32 == q as u32 || next == '\\' {
                text.push(next);
            } else {
                text.push('\\');
                text.push(next);
            }
            j += 1 + next.len_utf8();
            continue;
        }
        text.push(ch);
        j += ch.len_utf8();
    }
    (text, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str, d: Dialect) -> Vec<String> {
        tokenize(src, d).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn eql_tokens() {
        assert_eq!(
            texts(
                r#"process where ?process.name : "a\\b.exe" /* c */ and x like~ """r\d""""#,
                Dialect::Eql
            ),
            vec![
                "process",
                "where",
                "?process.name",
                ":",
                "a\\b.exe",
                "and",
                "x",
                "like",
                "~",
                "r\\d"
            ]
        );
    }

    #[test]
    fn kql_and_spl_tokens() {
        assert_eq!(
            texts(r"process.name:cmd\ x.exe and a:(b or c*)", Dialect::Kql),
            vec![
                "process.name",
                ":",
                "cmd x.exe",
                "and",
                "a",
                ":",
                "(",
                "b",
                "or",
                "c*",
                ")"
            ]
        );
        let t = tokenize(r#"`m(x)` a!="C:\\x*" b IN ("1",2)"#, Dialect::Spl);
        assert_eq!(t[0].kind, Kind::Macro);
        let v: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            v,
            vec![
                "m(x)", "a", "!=", "C:\\x*", "b", "IN", "(", "1", ",", "2", ")"
            ]
        );
    }
}
