//! Turning a group of audit records into one normalized event.

use std::collections::BTreeMap;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Raw, Value};
use jiff::Timestamp;

use super::Group;
use super::record::{RawVal, Record, parse_line, untrusted};
use super::sockaddr::{self, SockAddr};
use super::syscalls::{arch_name, syscall_name};
use crate::formats::pidmap::PidImages;
use crate::names::FieldNames;

/// Fields whose unquoted values are hex-encoded strings.
const UNTRUSTED: &[&str] = &[
    "comm",
    "exe",
    "cwd",
    "name",
    "proctitle",
    "key",
    "path",
    "cmd",
    "acct",
    "ocomm",
    "data",
];
/// EXECVE arguments kept as `a0`, `a1`... fields.
const MAX_ARG_FIELDS: usize = 64;

/// Builds events from record groups, remembering each pid's image.
pub struct Builder<'t> {
    names: FieldNames<'t>,
    file: Arc<str>,
    keep_raw: bool,
    channel: Arc<str>,
    images: PidImages,
    nodes: Vec<Arc<str>>,
}

/// The event being filled, with the reader's name resolution.
struct Fill<'a, 't> {
    inner: crate::formats::fill::Fill,
    names: &'a mut FieldNames<'t>,
}

impl Fill<'_, '_> {
    fn put(&mut self, name: &str, v: Value) {
        let key = self.names.key(name);
        self.inner.put(key, v);
    }

    fn put_str(&mut self, name: &str, s: impl Into<Box<str>>) {
        self.put(name, Value::Str(s.into()));
    }
}

/// A bare decimal number becomes an integer; anything else a string.
fn plain(v: &RawVal<'_>) -> Value {
    match *v {
        RawVal::Bare(s) if !s.is_empty() && (s == "0" || !s.starts_with('0')) => match s.parse() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::str(s),
        },
        _ => Value::str(v.as_str()),
    }
}

fn value_of(name: &str, v: &RawVal<'_>) -> Option<Value> {
    if UNTRUSTED.contains(&name) {
        untrusted(v).map(|s| Value::Str(s.into()))
    } else {
        Some(plain(v))
    }
}

/// The EXECVE arguments of a group, in order: `aN="..."` or hex, and long
/// arguments split as `aN_len=... aN[0]=... aN[1]=...`, possibly over
/// several EXECVE records.
fn execve_args(recs: &[Record<'_>]) -> Option<Vec<String>> {
    let mut args: BTreeMap<usize, BTreeMap<usize, String>> = BTreeMap::new();
    let mut any = false;
    for r in recs.iter().filter(|r| r.rtype == "EXECVE") {
        any = true;
        for (k, v) in &r.fields {
            let Some(rest) = k.strip_prefix('a') else {
                continue;
            };
            let (idx, part) = match rest.split_once('[') {
                Some((i, p)) => (i, p.strip_suffix(']').and_then(|p| p.parse().ok())),
                None => (rest, Some(0)),
            };
            let (Ok(idx), Some(part)) = (idx.parse::<usize>(), part) else {
                continue;
            };
            if let Some(text) = untrusted(v) {
                args.entry(idx).or_default().insert(part, text);
            }
        }
    }
    any.then(|| {
        args.into_values()
            .map(|parts| parts.into_values().collect())
            .collect()
    })
}

impl<'t> Builder<'t> {
    /// A builder resolving names through `names` (of the `auditd` scope).
    pub fn new(names: FieldNames<'t>, file: Arc<str>, keep_raw: bool) -> Self {
        Builder {
            names,
            file,
            keep_raw,
            channel: "auditd".into(),
            images: PidImages::new(),
            nodes: Vec::new(),
        }
    }

    fn node(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.nodes.iter().find(|n| &***n == name) {
            return n.clone();
        }
        let n: Arc<str> = name.into();
        if self.nodes.len() < 64 {
            self.nodes.push(n.clone());
        }
        n
    }

    /// Builds the event of a complete group.
    pub fn build(&mut self, g: &Group) -> Event {
        let recs: Vec<Record<'_>> = g.lines.iter().filter_map(|l| parse_line(l).ok()).collect();
        let primary = recs.iter().position(|r| r.rtype == "SYSCALL").unwrap_or(0);
        let mut prov = Provenance::new(self.file.clone(), Locator::Line(g.first_line), "auditd");
        prov.channel = Some(self.channel.clone());
        prov.provider = Some(self.channel.clone());
        if let Some(p) = recs.get(primary) {
            prov.timestamp = Timestamp::new(p.secs, p.millis as i32 * 1_000_000).ok();
            if let Some(n) = p.node {
                prov.computer = Some(self.node(n));
            }
        }
        let mut ev = Event::new(prov);
        if self.keep_raw {
            ev.raw = Some(Raw::Text(g.lines.join("\n").into()));
        }
        let mut f = Fill {
            inner: crate::formats::fill::Fill::new(ev),
            names: &mut self.names,
        };
        let mut types: Vec<Value> = Vec::new();
        for r in recs.iter().skip(primary).chain(recs.iter().take(primary)) {
            if !types
                .iter()
                .any(|t| matches!(t, Value::Str(s) if &**s == r.rtype))
            {
                types.push(Value::str(r.rtype));
            }
        }
        f.put("type", Value::List(types));

        // The command line: EXECVE arguments, else the PROCTITLE.
        let args = execve_args(&recs);
        let cmdline = match &args {
            Some(args) => Some(args.join(" ")),
            None => recs
                .iter()
                .filter(|r| r.rtype == "PROCTITLE")
                .find_map(|r| r.fields.iter().find(|(k, _)| *k == "proctitle"))
                .and_then(|(_, v)| untrusted(v)),
        };
        if let Some(c) = &cmdline {
            f.put_str("CommandLine", c.as_str());
        }

        let mut syscall: Option<&'static str> = None;
        let mut pid = None;
        let mut ppid = None;
        let mut exe = None;
        if let Some(sc) = recs.get(primary).filter(|r| r.rtype == "SYSCALL") {
            let arch = sc
                .fields
                .iter()
                .find(|(k, _)| *k == "arch")
                .and_then(|(_, v)| arch_name(v.as_str()));
            for (k, v) in &sc.fields {
                match *k {
                    "arch" => f.put_str("arch", arch.unwrap_or(v.as_str())),
                    "syscall" => {
                        let name = v.as_str().parse().ok().and_then(|n| syscall_name(arch, n));
                        syscall = name;
                        f.put_str("syscall", name.unwrap_or(v.as_str()));
                        f.put("SyscallNumber", plain(v));
                    }
                    // Register arguments give way to EXECVE's a0, a1...
                    "a0" | "a1" | "a2" | "a3" if args.is_some() => {}
                    _ => {
                        let Some(val) = value_of(k, v) else { continue };
                        match (*k, &val) {
                            ("pid", Value::Int(i)) => pid = Some(*i),
                            ("ppid", Value::Int(i)) => ppid = Some(*i),
                            ("exe", Value::Str(s)) => exe = Some(s.clone()),
                            _ => {}
                        }
                        f.put(k, val);
                    }
                }
            }
        }
        if let Some(args) = &args {
            f.put("argc", Value::Int(args.len() as i64));
            for (i, a) in args.iter().take(MAX_ARG_FIELDS).enumerate() {
                f.put_str(&format!("a{i}"), a.as_str());
            }
        }
        let mut path_names = Vec::new();
        for r in &recs {
            match r.rtype {
                "SYSCALL" | "EXECVE" | "PROCTITLE" => {}
                "CWD" => {
                    if let Some(cwd) = r
                        .fields
                        .iter()
                        .find(|(k, _)| *k == "cwd")
                        .and_then(|(_, v)| untrusted(v))
                    {
                        f.put_str("cwd", cwd);
                    }
                }
                "PATH" => {
                    let get = |n: &str| r.fields.iter().find(|(k, _)| *k == n).map(|(_, v)| v);
                    if let Some(name) = get("name").and_then(untrusted) {
                        if get("nametype").is_some_and(|t| t.as_str() == "CREATE") {
                            f.put_str("TargetFilename", name.as_str());
                        }
                        path_names.push(Value::Str(name.into()));
                    }
                }
                "SOCKADDR" => {
                    if let Some((_, v)) = r.fields.iter().find(|(k, _)| *k == "saddr") {
                        f.put_str("saddr", v.as_str());
                        sockaddr_fields(&mut f, syscall, v.as_str());
                    }
                }
                _ => {
                    for (k, v) in &r.fields {
                        if let Some(val) = value_of(k, v) {
                            f.put(k, val);
                        }
                    }
                }
            }
        }
        match path_names.len() {
            0 => {}
            1 => f.put("name", path_names.remove(0)),
            _ => f.put("name", Value::List(path_names)),
        }
        for r in &recs {
            for (k, v) in &r.enriched {
                if *k == "UID" {
                    f.put_str("User", *v);
                }
                f.put_str(k, *v);
            }
        }
        if let Some(pp) = ppid {
            if let Some(img) = self.images.get(pp) {
                f.put_str("ParentImage", img);
            }
            if let Some(cmd) = self.images.cmdline(pp) {
                f.put_str("ParentCommandLine", cmd);
            }
        }
        if let (Some(p), Some(e)) = (pid, exe) {
            self.images.set(p, &e, cmdline.as_deref());
        }
        f.inner.into_event()
    }
}

/// The fields of a decoded socket address, by the call's direction.
fn sockaddr_fields(f: &mut Fill<'_, '_>, syscall: Option<&str>, saddr: &str) {
    let addr = match sockaddr::decode(saddr) {
        Ok(a) => a,
        Err(why) => {
            f.put_str("SockaddrError", why);
            return;
        }
    };
    f.put_str("SocketFamily", addr.family_name());
    let inbound = matches!(
        syscall,
        Some("bind" | "accept" | "accept4" | "recvfrom" | "recvmsg" | "recvmmsg" | "getpeername")
    );
    let (ip, v6, port) = match addr {
        SockAddr::Unix(path) => {
            f.put_str("SocketPath", path);
            return;
        }
        SockAddr::Inet(ip, port) => (ip.to_string(), false, port),
        SockAddr::Inet6(ip, port) => (ip.to_string(), true, port),
        SockAddr::Other(_) => return,
    };
    let v6 = Value::str(if v6 { "true" } else { "false" });
    if inbound {
        f.put_str("SourceIp", ip);
        f.put("SourcePort", Value::Int(port as i64));
        f.put("SourceIsIpv6", v6);
    } else {
        f.put_str("DestinationIp", ip);
        f.put("DestinationPort", Value::Int(port as i64));
        f.put("DestinationIsIpv6", v6);
    }
    if matches!(syscall, Some("connect" | "sendto" | "sendmsg" | "sendmmsg")) {
        f.put_str("Initiated", "true");
    } else if matches!(syscall, Some("accept" | "accept4")) {
        f.put_str("Initiated", "false");
    }
}
