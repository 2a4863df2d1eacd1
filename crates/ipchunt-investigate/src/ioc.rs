//! Indicators of compromise: known-bad hashes, pipe names and domains.
//!
//! File format: UTF-8 text, one indicator per line. Blank lines and lines
//! starting with `#` are ignored; text after ` #` is a comment. A line is
//! `TYPE:VALUE` or a bare value:
//!
//! ```text
//! # type prefixes: md5, sha1, sha256, imphash, hash (any), pipe, domain
//! sha256:0f3c...e1          # a hash of a known-bad binary
//! 5d41402abc4b2a76b9719d911017c592   # bare hex of 32, 40 or 64 digits: a hash
//! pipe:\msagent_*           # a pipe name; `*` matches any run of characters
//! \postex_ssh_*             # bare value starting with `\`: a pipe
//! domain:evil.example       # matches evil.example and its subdomains
//! c2.example.net            # bare value with a dot: a domain
//! ```
//!
//! Hashes match the values in Sysmon's `Hashes` field (`SHA256=...,MD5=...`)
//! without case. Pipe names match the logged or the normalized name, without
//! case, with or without the `\\.\pipe\` prefix.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::normalize;

/// One line of an IOC file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{file}: line {line}: {reason}")]
pub struct IocLineError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read IOC file {path}: {source}")]
pub struct IocFileError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

/// What matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IocHit {
    /// `hash`, `pipe` or `domain`.
    pub kind: String,
    /// The indicator as the file wrote it.
    pub indicator: String,
    /// The value it matched.
    pub value: String,
}

/// A loaded IOC list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IocList {
    hashes: Vec<String>,
    pipes: Vec<String>,
    domains: Vec<String>,
}

impl IocList {
    /// Reads an IOC file; bad lines are returned beside the list.
    pub fn load(path: &Path) -> Result<(IocList, Vec<IocLineError>), IocFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| IocFileError {
            path: path.display().to_string(),
            source,
        })?;
        Ok(IocList::parse(&text, &path.display().to_string()))
    }

    /// Parses IOC text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> (IocList, Vec<IocLineError>) {
        let mut list = IocList::default();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: String| IocLineError {
                file: file.to_owned(),
                line: i + 1,
                reason,
            };
            let (kind, value) = match line.split_once(':') {
                Some((k, v)) if is_prefix(k) => (k.to_ascii_lowercase(), v.trim().to_owned()),
                _ => match guess(line) {
                    Some(k) => (k.to_owned(), line.to_owned()),
                    None => {
                        errors.push(bad(format!(
                            "cannot tell what {line:?} is (use md5:, sha1:, sha256:, imphash:, hash:, pipe: or domain:)"
                        )));
                        continue;
                    }
                },
            };
            if value.is_empty() {
                errors.push(bad(format!("{kind}: has no value")));
                continue;
            }
            match kind.as_str() {
                "pipe" => list.pipes.push(pipe_form(&value)),
                "domain" => list
                    .domains
                    .push(value.trim_end_matches('.').to_ascii_lowercase()),
                _ => {
                    if !value.bytes().all(|c| c.is_ascii_hexdigit()) {
                        errors.push(bad(format!("{kind} value {value:?} is not hexadecimal")));
                        continue;
                    }
                    list.hashes.push(value.to_ascii_lowercase());
                }
            }
        }
        (list, errors)
    }

    pub fn len(&self) -> usize {
        self.hashes.len() + self.pipes.len() + self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Matches a Sysmon `Hashes` value (or a single hash).
    pub fn match_hashes(&self, hashes: &str) -> Vec<IocHit> {
        let mut out = Vec::new();
        for part in hashes.split([',', ';', ' ']) {
            let v = part.split_once('=').map_or(part, |(_, v)| v).trim();
            let lower = v.to_ascii_lowercase();
            if !lower.is_empty() && self.hashes.contains(&lower) {
                out.push(IocHit {
                    kind: "hash".into(),
                    indicator: lower,
                    value: part.trim().to_owned(),
                });
            }
        }
        out
    }

    /// Matches a pipe name.
    pub fn match_pipe(&self, name: &str) -> Option<IocHit> {
        let logged = pipe_form(name);
        let normal = normalize::pipe(name);
        self.pipes
            .iter()
            .find(|p| glob(p, &logged) || glob(p, &normal))
            .map(|p| IocHit {
                kind: "pipe".into(),
                indicator: p.clone(),
                value: name.to_owned(),
            })
    }

    /// Matches a domain name (the indicator or any subdomain of it).
    pub fn match_domain(&self, name: &str) -> Option<IocHit> {
        let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
        self.domains
            .iter()
            .find(|d| n == **d || n.ends_with(&format!(".{d}")))
            .map(|d| IocHit {
                kind: "domain".into(),
                indicator: d.clone(),
                value: name.to_owned(),
            })
    }

    /// Domains that appear inside a text (a command line).
    pub fn match_text(&self, text: &str) -> Vec<IocHit> {
        let lower = text.to_ascii_lowercase();
        self.domains
            .iter()
            .filter(|d| lower.contains(d.as_str()))
            .map(|d| IocHit {
                kind: "domain".into(),
                indicator: d.clone(),
                value: text.chars().take(200).collect(),
            })
            .collect()
    }
}

fn is_prefix(k: &str) -> bool {
    matches!(
        k.to_ascii_lowercase().as_str(),
        "md5" | "sha1" | "sha256" | "imphash" | "hash" | "pipe" | "domain"
    )
}

fn guess(v: &str) -> Option<&'static str> {
    if matches!(v.len(), 32 | 40 | 64) && v.bytes().all(|c| c.is_ascii_hexdigit()) {
        Some("hash")
    } else if v.starts_with('\\') {
        Some("pipe")
    } else if v.contains('.') && !v.contains(['/', '\\', ' ']) {
        Some("domain")
    } else {
        None
    }
}

/// A pipe name lower case, without the `\\.\pipe` prefix, with one leading `\`.
fn pipe_form(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    let body = lower
        .strip_prefix("\\\\.\\pipe\\")
        .unwrap_or(&lower)
        .trim_start_matches('\\');
    format!("\\{body}")
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# test list\n\
        sha256:AABBCCDD00112233445566778899AABBCCDD00112233445566778899AABBCCDD\n\
        5d41402abc4b2a76b9719d911017c592   # md5\n\
        pipe:\\msagent_*\n\
        \\\\.\\pipe\\postex_ssh_*\n\
        domain:evil.example\n\
        what is this\n\
        sha1:nothex\n";

    #[test]
    fn parses_and_reports_bad_lines() {
        let (list, errors) = IocList::parse(FILE, "iocs.txt");
        assert_eq!(list.len(), 5);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 7);
        assert!(errors[0].to_string().starts_with("iocs.txt: line 7:"));
        assert_eq!(errors[1].line, 8);
    }

    #[test]
    fn matches_hashes_pipes_and_domains() {
        let (list, _) = IocList::parse(FILE, "iocs.txt");
        let hits = list.match_hashes(
            "SHA1=00,MD5=5D41402ABC4B2A76B9719D911017C592,SHA256=AABBCCDD00112233445566778899AABBCCDD00112233445566778899AABBCCDD",
        );
        assert_eq!(hits.len(), 2);
        assert!(list.match_pipe("\\MSAgent_4f2a").is_some());
        assert!(list.match_pipe("\\\\.\\pipe\\postex_ssh_77").is_some());
        assert!(list.match_pipe("\\lsarpc").is_none());
        assert!(list.match_domain("c2.EVIL.example.").is_some());
        assert!(list.match_domain("notevil.example").is_none());
        assert_eq!(list.match_text("curl http://evil.example/x").len(), 1);
    }
}
