//! One line of a raw audit log: `[node=N ]type=T msg=audit(SECS.MS:SERIAL): k=v ...`,
//! optionally followed (in auditd's `log_format = ENRICHED`) by a `0x1d`
//! byte and the interpreted values in upper-case names.

/// A value as the line wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawVal<'a> {
    /// Inside double quotes: the text as is (auditd quotes only strings
    /// free of spaces, quotes and control characters).
    Quoted(&'a str),
    /// Unquoted: a number, a word, `?`, `(null)`, or hex-encoded bytes.
    Bare(&'a str),
}

impl<'a> RawVal<'a> {
    pub fn as_str(&self) -> &'a str {
        match *self {
            RawVal::Quoted(s) | RawVal::Bare(s) => s,
        }
    }
}

/// A parsed audit record (one line).
#[derive(Debug)]
pub struct Record<'a> {
    pub node: Option<&'a str>,
    pub rtype: &'a str,
    pub secs: i64,
    pub millis: u32,
    pub serial: u64,
    pub fields: Vec<(&'a str, RawVal<'a>)>,
    /// The enriched part's `NAME=value` pairs (quotes removed).
    pub enriched: Vec<(&'a str, &'a str)>,
}

/// Splits `k=v` pairs; values may be double-quoted, single-quoted (a nested
/// `msg='...'`, whose pairs are returned in its place) or brace-enclosed
/// (`SADDR={ ... }` in the enriched part).
fn pairs<'a>(s: &'a str, out: &mut Vec<(&'a str, RawVal<'a>)>, depth: u8) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let kstart = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] == b' ' {
            continue; // a word without a value: skipped
        }
        let key = &s[kstart..i];
        i += 1;
        let (val, next) = match b.get(i) {
            Some(b'"') => match memchr::memchr(b'"', &b[i + 1..]) {
                Some(e) => (RawVal::Quoted(&s[i + 1..i + 1 + e]), i + e + 2),
                None => (RawVal::Quoted(&s[i + 1..]), b.len()),
            },
            Some(b'\'') => {
                let (inner, next) = match memchr::memchr(b'\'', &b[i + 1..]) {
                    Some(e) => (&s[i + 1..i + 1 + e], i + e + 2),
                    None => (&s[i + 1..], b.len()),
                };
                if depth == 0 {
                    pairs(inner, out, depth + 1);
                } else {
                    out.push((key, RawVal::Quoted(inner)));
                }
                i = next;
                continue;
            }
            Some(b'{') => match memchr::memchr(b'}', &b[i..]) {
                Some(e) => (RawVal::Quoted(s[i + 1..i + e].trim()), i + e + 1),
                None => (RawVal::Quoted(&s[i + 1..]), b.len()),
            },
            _ => {
                let e = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |e| i + e);
                (RawVal::Bare(&s[i..e]), e)
            }
        };
        if !key.is_empty() {
            out.push((key, val));
        }
        i = next;
    }
}

/// Parses `audit(1700000000.123:4567):` into seconds, milliseconds, serial.
fn parse_stamp(v: &str) -> Option<(i64, u32, u64)> {
    let inner = v.strip_prefix("audit(")?;
    let inner = inner
        .strip_suffix("):")
        .or_else(|| inner.strip_suffix(')'))?;
    let (time, serial) = inner.split_once(':')?;
    let (secs, frac) = time.split_once('.').unwrap_or((time, "0"));
    let secs: i64 = secs.parse().ok()?;
    let mut millis: u32 = 0;
    let mut digits = 0;
    for c in frac.chars() {
        let d = c.to_digit(10)?;
        if digits < 3 {
            millis = millis * 10 + d;
            digits += 1;
        }
    }
    while digits < 3 {
        millis *= 10;
        digits += 1;
    }
    Some((secs, millis, serial.parse().ok()?))
}

/// Where the record starts: at the line's start, or after a syslog
/// prefix (`... audisp-syslog: node=h type=SYSCALL msg=audit(...)`, or the
/// kernel's `... kernel: audit: type=1300 audit(...)`).
fn record_start(line: &str) -> &str {
    if line.starts_with("type=") || line.starts_with("node=") {
        return line;
    }
    for pat in [" node=", " type="] {
        if let Some(i) = line.find(pat) {
            return &line[i + 1..];
        }
    }
    line
}

/// Record type names for the numbers the kernel log writes
/// (`linux/audit.h`).
fn type_name(t: &str) -> &str {
    match t {
        "1300" => "SYSCALL",
        "1302" => "PATH",
        "1306" => "SOCKADDR",
        "1307" => "CWD",
        "1309" => "EXECVE",
        "1320" => "EOE",
        "1327" => "PROCTITLE",
        other => other,
    }
}

/// Parses one line, or says why it is no audit record.
pub fn parse_line(line: &str) -> Result<Record<'_>, String> {
    let (raw, enriched_part) = match line.split_once('\u{1d}') {
        Some((r, e)) => (r, Some(e)),
        None => (line, None),
    };
    let raw = record_start(raw);
    let mut all = Vec::with_capacity(32);
    pairs(raw, &mut all, 0);
    let mut it = all.into_iter().peekable();
    let mut node = None;
    if let Some(("node", v)) = it.peek() {
        node = Some(v.as_str());
        it.next();
    }
    let rtype = match it.next() {
        Some(("type", v)) => type_name(v.as_str()),
        _ => return Err("no `type=` at the start of the line: not an audit record".into()),
    };
    // `msg=audit(...)`, or the kernel log's bare `audit(...)` (a word
    // without `=`, which the pair splitter passes over).
    let stamp = match it.peek() {
        Some(("msg", RawVal::Bare(v))) if v.starts_with("audit(") => {
            let v = *v;
            it.next();
            Some(v)
        }
        _ => raw
            .split(' ')
            .nth(if node.is_some() { 2 } else { 1 })
            .filter(|w| w.starts_with("audit(")),
    };
    let Some(stamp) = stamp else {
        return Err("no `msg=audit(...)` after the record type".into());
    };
    let (secs, millis, serial) = parse_stamp(stamp)
        .ok_or_else(|| format!("bad audit stamp {stamp:?} (want audit(SECONDS.MILLIS:SERIAL):)"))?;
    let fields: Vec<_> = it.collect();
    let mut enriched = Vec::new();
    if let Some(e) = enriched_part {
        let mut tmp = Vec::new();
        pairs(e, &mut tmp, 1);
        enriched = tmp.into_iter().map(|(k, v)| (k, v.as_str())).collect();
    }
    Ok(Record {
        node,
        rtype,
        secs,
        millis,
        serial,
        fields,
        enriched,
    })
}

/// Decodes a hex string into bytes (`None` unless it is an even number of
/// hex digits).
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// The text of an "untrusted string" field (`exe`, `comm`, `cwd`, `name`,
/// `proctitle`, EXECVE arguments...): auditd writes it quoted when it is
/// plain, as hex when it holds spaces, quotes or control characters, and
/// `(null)` when absent. NUL bytes (argument separators in `proctitle`)
/// become spaces; a trailing NUL is dropped.
pub fn untrusted(v: &RawVal<'_>) -> Option<String> {
    match *v {
        RawVal::Quoted(s) => Some(s.to_owned()),
        RawVal::Bare("(null)") => None,
        RawVal::Bare(s) => match unhex(s) {
            Some(mut bytes) => {
                while bytes.last() == Some(&0) {
                    bytes.pop();
                }
                for c in bytes.iter_mut() {
                    if *c == 0 {
                        *c = b' ';
                    }
                }
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            None => Some(s.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_syscall_line() {
        let r = parse_line(
            "node=web1 type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=42 \
             success=yes comm=\"curl\" exe=2F746D702F6D7920746F6F6C key=(null)",
        )
        .unwrap();
        assert_eq!(r.node, Some("web1"));
        assert_eq!(r.rtype, "SYSCALL");
        assert_eq!((r.secs, r.millis, r.serial), (1_700_000_000, 123, 4567));
        assert_eq!(r.fields[0], ("arch", RawVal::Bare("c000003e")));
        assert_eq!(r.fields[3], ("comm", RawVal::Quoted("curl")));
        assert_eq!(untrusted(&r.fields[4].1).as_deref(), Some("/tmp/my tool"));
        assert_eq!(untrusted(&r.fields[5].1), None);
    }

    #[test]
    fn nested_msg_and_enriched_part() {
        let r = parse_line(
            "type=USER_START msg=audit(1700000001.5:12): pid=9 uid=0 \
             msg='op=PAM:session_open acct=\"root\" exe=\"/usr/sbin/sshd\" res=success'\u{1d}UID=\"root\" AUID=\"alice\"",
        )
        .unwrap();
        assert_eq!(r.millis, 500);
        let keys: Vec<_> = r.fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["pid", "uid", "op", "acct", "exe", "res"]);
        assert_eq!(r.enriched, vec![("UID", "root"), ("AUID", "alice")]);
    }

    #[test]
    fn syslog_prefixes_and_kernel_log_form() {
        let r = parse_line(
            "Nov 20 09:14:00 web1 audisp-syslog: node=web1 type=EOE msg=audit(1700000000.123:4567): ",
        )
        .unwrap();
        assert_eq!((r.node, r.rtype, r.serial), (Some("web1"), "EOE", 4567));
        let r = parse_line(
            "Nov 20 09:14:00 web1 kernel: audit: type=1300 audit(1700000000.123:4567): arch=c000003e syscall=42 success=yes pid=7",
        )
        .unwrap();
        assert_eq!(
            (r.rtype, r.secs, r.serial),
            ("SYSCALL", 1_700_000_000, 4567)
        );
        assert_eq!(r.fields[0], ("arch", RawVal::Bare("c000003e")));
        assert_eq!(r.fields.len(), 4);
    }

    #[test]
    fn rejects_non_records() {
        assert!(parse_line("hello world").is_err());
        assert!(parse_line("type=SYSCALL msg=audit(abc): x=1").is_err());
        assert!(parse_line("type=SYSCALL").is_err());
    }

    #[test]
    fn hex_rules() {
        assert_eq!(unhex("41ff"), Some(vec![0x41, 0xff]));
        assert_eq!(unhex("4"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(
            untrusted(&RawVal::Bare("2F62696E2F7368002D6300696400")).as_deref(),
            Some("/bin/sh -c id")
        );
        assert_eq!(untrusted(&RawVal::Bare("?")).as_deref(), Some("?"));
    }
}
