//! macOS Endpoint Security events as `eslogger` writes them: one JSON
//! object per line modelled on `es_message_t`: `event_type` (a number),
//! `time`, `process` (the acting `es_process_t`: `audit_token` with `pid`,
//! `euid`, `ruid`..., `ppid`, `original_ppid`, `parent_audit_token`,
//! `executable.path`, `signing_id`, `team_id`, `is_platform_binary`) and
//! `event`, an object with one key naming the event (`exec`, `fork`,
//! `exit`, `xpc_connect`, ...).
//!
//! Mapping (see `docs/inputs.md`): channel `macos:endpointsecurity`,
//! provider `EndpointSecurity`, `EventID` is `event_type`, `EventType` the
//! event's name. `exec`: the target process is `Image` (with `args` joined
//! as `CommandLine`, `cwd.path` as `CurrentDirectory`), the image that
//! called exec is `ParentImage`. `fork`: the child is the process, the
//! forking process its parent. Other events: the acting process, with
//! `ParentImage` from the last image seen for its parent pid.
//! `xpc_connect`: `ServiceName`/`XpcServiceName` and `XpcServiceDomain`.

use std::io::Read;
use std::str::FromStr;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Raw, Taxonomy, Value};
use jiff::Timestamp;
use serde_json::Value as J;

use super::jsonrecs::{each_object, head_has_keys};
use super::pidmap::PidImages;
use super::{InputFile, ReadCtx, ReadError};
use crate::sink::{Counts, EventSink};

/// An eslogger line has an `event` object and `audit_token`s (in its
/// process objects), and one of the message's own keys. Keys are looked
/// for anywhere in the head: a large first event may push some past it.
pub fn sniff(head: &[u8]) -> bool {
    head_has_keys(head, &["event", "audit_token"])
        && [
            "event_type",
            "action_type",
            "mach_time",
            "global_seq_num",
            "schema_version",
        ]
        .iter()
        .any(|k| head_has_keys(head, &[k]))
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    Ok(read_from(f, &input.name, ctx, sink))
}

/// `es_xpc_domain_type_t` names.
fn domain_name(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "system",
        2 => "user",
        3 => "user_login",
        4 => "session",
        5 => "pid",
        6 => "manager",
        7 => "port",
        8 => "gui",
        _ => return None,
    })
}

/// The parts of an `es_process_t` that events use.
#[derive(Default)]
struct Proc<'a> {
    path: Option<&'a str>,
    pid: Option<i64>,
    ppid: Option<i64>,
    euid: Option<i64>,
    ruid: Option<i64>,
    signing_id: Option<&'a str>,
    team_id: Option<&'a str>,
    platform: Option<bool>,
}

fn nonempty(v: &J) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

fn proc_of(p: Option<&J>) -> Proc<'_> {
    let Some(p) = p.filter(|p| p.is_object()) else {
        return Proc::default();
    };
    let tok = &p["audit_token"];
    Proc {
        path: nonempty(&p["executable"]["path"]),
        pid: tok["pid"].as_i64().or_else(|| p["pid"].as_i64()),
        ppid: p["ppid"]
            .as_i64()
            .or_else(|| p["parent_audit_token"]["pid"].as_i64()),
        euid: tok["euid"].as_i64(),
        ruid: tok["ruid"].as_i64(),
        signing_id: nonempty(&p["signing_id"]),
        team_id: nonempty(&p["team_id"]),
        platform: p["is_platform_binary"].as_bool(),
    }
}

struct Reader<'t> {
    tax: &'t Taxonomy,
    file: Arc<str>,
    keep_raw: bool,
    channel: Arc<str>,
    provider: Arc<str>,
    images: PidImages,
}

impl Reader<'_> {
    fn put(&self, ev: &mut Event, name: &str, v: Value) {
        ev.push(self.tax.resolve(name), v);
    }

    fn put_str(&self, ev: &mut Event, name: &str, s: Option<&str>) {
        if let Some(s) = s {
            self.put(ev, name, Value::str(s));
        }
    }

    fn put_int(&self, ev: &mut Event, name: &str, i: Option<i64>) {
        if let Some(i) = i {
            self.put(ev, name, Value::Int(i));
        }
    }

    /// The process fields of the event's subject.
    fn subject(&self, ev: &mut Event, p: &Proc<'_>) {
        self.put_str(ev, "Image", p.path);
        self.put_int(ev, "ProcessId", p.pid);
        self.put_int(ev, "ParentProcessId", p.ppid);
        if let Some(u) = p.euid {
            self.put(ev, "User", Value::str(u.to_string()));
        }
        self.put_int(ev, "euid", p.euid);
        self.put_int(ev, "ruid", p.ruid);
        self.put_str(ev, "SigningId", p.signing_id);
        self.put_str(ev, "TeamId", p.team_id);
        if let Some(b) = p.platform {
            self.put(ev, "PlatformBinary", Value::Bool(b));
        }
    }

    fn build(&mut self, bytes: &[u8], line: u64) -> Result<Event, String> {
        let msg: J = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let (kind, body) = match msg["event"].as_object() {
            Some(o) if o.len() == 1 => o
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or(("", &J::Null)),
            _ => {
                return Err(
                    "no `event` object with one event in it: not an eslogger message".into(),
                );
            }
        };
        let mut prov = Provenance::new(self.file.clone(), Locator::Line(line), "eslogger");
        prov.channel = Some(self.channel.clone());
        prov.provider = Some(self.provider.clone());
        prov.event_id = msg["event_type"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok());
        prov.timestamp = msg["time"]
            .as_str()
            .and_then(|t| Timestamp::from_str(t).ok());
        // eslogger writes no host name; collectors that add one use `hostname`.
        prov.computer = nonempty(&msg["hostname"]).map(Arc::from);
        let mut ev = Event::new(prov);
        if self.keep_raw {
            ev.raw = Some(Raw::Json(String::from_utf8_lossy(bytes).into()));
        }
        self.put(&mut ev, "EventType", Value::str(kind));
        let actor = proc_of(msg.get("process"));
        match kind {
            "exec" => {
                let target = proc_of(body.get("target"));
                let cmdline = body["args"].as_array().map(|args| {
                    let args: Vec<&str> = args.iter().filter_map(J::as_str).collect();
                    args.join(" ")
                });
                self.put_str(&mut ev, "CommandLine", cmdline.as_deref());
                self.put_str(&mut ev, "CurrentDirectory", body["cwd"]["path"].as_str());
                self.subject(&mut ev, &target);
                let parent = actor
                    .path
                    .or_else(|| target.ppid.and_then(|pp| self.images.get(pp)))
                    .map(str::to_owned);
                self.put_str(&mut ev, "ParentImage", parent.as_deref());
                // The parent's command line when the image seen for the
                // parent pid is the one that called exec (fork, then exec).
                if let Some(pp) = target.ppid
                    && parent.is_some()
                    && self.images.get(pp) == parent.as_deref()
                {
                    let cmd = self.images.cmdline(pp).map(str::to_owned);
                    self.put_str(&mut ev, "ParentCommandLine", cmd.as_deref());
                }
                self.put_str(&mut ev, "ParentSigningId", actor.signing_id);
                if let (Some(pid), Some(path)) = (target.pid, target.path) {
                    self.images.set(pid, path, cmdline.as_deref());
                }
            }
            "fork" => {
                let child = proc_of(body.get("child"));
                self.put_str(&mut ev, "Image", child.path);
                self.put_int(&mut ev, "ProcessId", child.pid);
                self.put_int(&mut ev, "ParentProcessId", actor.pid);
                self.put_str(&mut ev, "ParentImage", actor.path);
                self.subject(&mut ev, &child);
                // A forked child runs its parent's image with its arguments.
                let inherited = actor
                    .pid
                    .filter(|_| actor.path.is_some() && actor.path == child.path)
                    .and_then(|p| self.images.cmdline(p))
                    .map(str::to_owned);
                if let (Some(pid), Some(path)) = (child.pid, child.path) {
                    self.images.set(pid, path, inherited.as_deref());
                }
            }
            _ => {
                self.subject(&mut ev, &actor);
                let parent = actor.ppid.and_then(|pp| {
                    let img = self.images.get(pp)?.to_owned();
                    Some((img, self.images.cmdline(pp).map(str::to_owned)))
                });
                if let Some((img, cmd)) = parent {
                    self.put_str(&mut ev, "ParentImage", Some(&img));
                    self.put_str(&mut ev, "ParentCommandLine", cmd.as_deref());
                }
                self.event_fields(&mut ev, kind, body);
            }
        }
        if kind != "exec"
            && let (Some(pid), Some(path)) = (actor.pid, actor.path)
        {
            self.images.set(pid, path, None);
        }
        Ok(ev)
    }

    /// Fields of the events other than exec and fork.
    fn event_fields(&self, ev: &mut Event, kind: &str, body: &J) {
        match kind {
            "exit" => self.put_int(ev, "ExitStatus", body["stat"].as_i64()),
            "xpc_connect" => {
                let name = body["service_name"].as_str();
                self.put_str(ev, "ServiceName", name);
                self.put_str(ev, "XpcServiceName", name);
                let domain = &body["service_domain_type"];
                match domain.as_i64() {
                    Some(n) => {
                        self.put_int(ev, "ServiceDomainType", Some(n));
                        let text = domain_name(n).map_or_else(|| n.to_string(), str::to_owned);
                        self.put(ev, "XpcServiceDomain", Value::str(text));
                    }
                    None => self.put_str(ev, "XpcServiceDomain", domain.as_str()),
                }
            }
            "uipc_connect" => {
                self.put_str(ev, "SocketPath", body["file"]["path"].as_str());
                self.put(ev, "SocketFamily", Value::str("AF_UNIX"));
            }
            "uipc_bind" => {
                if let (Some(dir), Some(name)) =
                    (body["dir"]["path"].as_str(), body["filename"].as_str())
                {
                    let path = format!("{}/{}", dir.trim_end_matches('/'), name);
                    self.put(ev, "SocketPath", Value::str(path));
                    self.put(ev, "SocketFamily", Value::str("AF_UNIX"));
                }
            }
            _ => {}
        }
    }
}

/// Reads eslogger JSON lines from any byte source.
pub fn read_from<R: Read>(
    src: R,
    name: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut r = Reader {
        tax: ctx.tax,
        file: name.clone(),
        keep_raw: ctx.keep_raw,
        channel: "macos:endpointsecurity".into(),
        provider: "EndpointSecurity".into(),
        images: PidImages::new(),
    };
    each_object(src, name, ctx.batch_size, sink, |bytes, line| {
        r.build(bytes, line).map(Some)
    })
}

#[cfg(test)]
#[path = "eslogger_tests.rs"]
mod tests;
