//! Endpoint names with their per-instance parts replaced by placeholders,
//! so that `\msagent_4f2a` and `\msagent_91c0` are one endpoint.
//!
//! A name is cut into tokens at every character that is not a letter or a
//! digit. A token is replaced when it is:
//! - a GUID (`8-4-4-4-12` hex digits, with or without braces): `<guid>`;
//! - all digits: `<n>`;
//! - three or more hex digits holding at least one digit and one letter
//!   `a`-`f`: `<hex>` (so words such as `cafe` or `deadbeef`-free names like
//!   `lsarpc` stay as they are).
//!
//! Pipe names are also lower-cased (Windows compares them without case) and
//! given their leading backslash, and the `\\.\pipe\` prefix is removed.

/// Normalizes a named pipe name.
pub fn pipe(name: &str) -> String {
    let mut n = name.trim();
    for prefix in ["\\\\.\\pipe\\", "\\??\\pipe\\", "\\device\\namedpipe\\"] {
        if n.get(..prefix.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        {
            n = &n[prefix.len() - 1..];
        }
    }
    let lower = n.to_ascii_lowercase();
    let body = tokens(&lower);
    if body.starts_with('\\') {
        body
    } else {
        format!("\\{body}")
    }
}

/// Normalizes a Unix socket path or an XPC service name (case kept).
pub fn path(name: &str) -> String {
    tokens(name.trim())
}

/// Normalizes a COM class id: upper case, with braces.
pub fn clsid(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    is_guid(t).then(|| format!("{{{}}}", t.to_ascii_uppercase()))
}

/// Finds the first GUID in a text (for `/Processid:{...}` command lines).
pub fn find_guid(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 36 <= b.len() {
        if let Some(s) = text.get(i..i + 36)
            && is_guid(s)
        {
            return clsid(s);
        }
        i += 1;
    }
    None
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn tokens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // A GUID spans separators, so look for one first.
        let braced = rest.strip_prefix('{');
        let cand = braced.unwrap_or(rest);
        if cand.get(..36).is_some_and(is_guid) {
            out.push_str("<guid>");
            let mut used = 36 + usize::from(braced.is_some());
            if braced.is_some() && cand[36..].starts_with('}') {
                used += 1;
            }
            rest = &rest[used..];
            continue;
        }
        let end = rest
            .char_indices()
            .find(|(_, c)| !c.is_alphanumeric())
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().map(char::len_utf8).unwrap_or(1);
            out.push_str(&rest[..c]);
            rest = &rest[c..];
            continue;
        }
        out.push_str(&replace_token(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

fn replace_token(tok: &str) -> String {
    if tok.bytes().all(|c| c.is_ascii_digit()) {
        return "<n>".into();
    }
    let hex = tok.len() >= 3
        && tok.bytes().all(|c| c.is_ascii_hexdigit())
        && tok.bytes().any(|c| c.is_ascii_digit())
        && tok.bytes().any(|c| c.is_ascii_alphabetic());
    if hex {
        return "<hex>".into();
    }
    // A word with a numeric tail of three digits or more (`session123`)
    // keeps the word; short tails (`X11`, `winsock2`) are part of the name.
    let digits = tok.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits >= 3 {
        return format!("{}<n>", &tok[..tok.len() - digits]);
    }
    tok.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_lose_their_random_parts() {
        assert_eq!(pipe("\\msagent_4f2a"), "\\msagent_<hex>");
        assert_eq!(pipe("\\MSSE-1234-server"), "\\msse-<n>-server");
        assert_eq!(pipe("\\\\.\\pipe\\postex_ssh_1a2b3c"), "\\postex_ssh_<hex>");
        assert_eq!(pipe("lsarpc"), "\\lsarpc");
        assert_eq!(
            pipe("\\PSHost.133515116584471285.4120.DefaultAppDomain.powershell"),
            "\\pshost.<n>.<n>.defaultappdomain.powershell"
        );
        assert_eq!(
            pipe("\\Winsock2\\CatalogChangeListener-2c0-0"),
            "\\winsock2\\catalogchangelistener-<hex>-<n>"
        );
        assert_eq!(
            pipe("\\{8A5D2C41-6F3B-4A1E-9C77-1D2E3F405162}x"),
            "\\<guid>x"
        );
        assert_eq!(pipe("\\mojo.1234.5678.9012345678"), "\\mojo.<n>.<n>.<n>");
        assert_eq!(pipe("\\cafe"), "\\cafe");
    }

    #[test]
    fn socket_paths_and_guids() {
        assert_eq!(path("/run/user/1000/bus"), "/run/user/<n>/bus");
        assert_eq!(path("/tmp/.X11-unix/X0"), "/tmp/.X11-unix/X0");
        assert_eq!(path("/tmp/tmux-1000/default"), "/tmp/tmux-<n>/default");
        assert_eq!(
            find_guid(
                "C:\\Windows\\system32\\DllHost.exe /Processid:{49b2791a-b1ae-4c90-9b8e-e860ba07f889}"
            ),
            Some("{49B2791A-B1AE-4C90-9B8E-E860BA07F889}".into())
        );
        assert_eq!(find_guid("no guid here"), None);
        assert_eq!(clsid("not-a-guid"), None);
    }
}
