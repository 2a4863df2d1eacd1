//! Recognizing the logs that carry IPC evidence, and reading their
//! source-specific shapes (Defender's initiating process, DCOM's numbered
//! parameters, auditd's socket addresses).

use ipchunt_core::Event;
use serde::{Deserialize, Serialize};

use crate::fields::{Fields, channel_is};
use crate::ipc::{Endpoint, EndpointKind, ProcessRef};

/// Where an event came from, for the analyst to find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub locator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u32>,
}

pub(crate) fn source_of(ev: &Event) -> Source {
    Source {
        file: ev.prov.file.to_string(),
        locator: ev.prov.locator.to_string(),
        channel: ev.prov.channel.as_deref().map(str::to_owned),
        event_id: ev.prov.event_id,
    }
}

/// The families of events the investigation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    ProcessCreation,
    Pipe { connected: bool },
    ProcessAccess,
    Share,
    Dcom,
    UnixConnect,
    Xpc,
}

/// Whether the event's provider contains `part` (given in lower case),
/// compared without case.
fn provider_has(ev: &Event, part: &str) -> bool {
    ev.prov.provider.as_deref().is_some_and(|p| {
        p.as_bytes()
            .windows(part.len())
            .any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
    })
}

pub(crate) fn family(ev: &Event, f: &Fields) -> Option<Family> {
    let eid = ev.prov.event_id;
    if channel_is(ev, "Microsoft-Windows-Sysmon/Operational")
        || (ev.prov.channel.is_none() && provider_has(ev, "microsoft-windows-sysmon"))
    {
        return match eid? {
            1 => Some(Family::ProcessCreation),
            17 => Some(Family::Pipe { connected: false }),
            18 => Some(Family::Pipe { connected: true }),
            10 => Some(Family::ProcessAccess),
            _ => None,
        };
    }
    if channel_is(ev, "Linux-Sysmon/Operational") {
        return (eid? == 1).then_some(Family::ProcessCreation);
    }
    if channel_is(ev, "Security") {
        return match eid? {
            4688 => Some(Family::ProcessCreation),
            5140 | 5145 => Some(Family::Share),
            _ => None,
        };
    }
    if channel_is(ev, "System") {
        let dcom = provider_has(ev, "distributedcom") || ev.prov.provider.is_none();
        return (dcom && matches!(eid?, 10016 | 10028)).then_some(Family::Dcom);
    }
    if channel_is(ev, "Defender:DeviceProcessEvents") {
        return Some(Family::ProcessCreation);
    }
    if channel_is(ev, "Defender:DeviceEvents") {
        let action = f.action_type.text(ev)?;
        if !action.eq_ignore_ascii_case("NamedPipeEvent") {
            return None;
        }
        // The reader writes Sysmon's EventType from `FileOperation`; else
        // the raw `AdditionalFields` tells which end of the pipe this is.
        let connected = match f.event_type.text(ev) {
            Some(t) if t.eq_ignore_ascii_case("ConnectPipe") => true,
            Some(t) if t.eq_ignore_ascii_case("CreatePipe") => false,
            _ => {
                let extra = f.additional_fields.string(ev).unwrap_or_default();
                let squashed: String = extra
                    .to_ascii_lowercase()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                squashed.contains("\"namedpipeend\":\"client\"")
                    || squashed.contains("\"fileoperation\":\"fileopened\"")
            }
        };
        return Some(Family::Pipe { connected });
    }
    if channel_is(ev, "auditd") {
        let syscall = f.syscall.text(ev)?;
        let is = |name: &str| syscall.eq_ignore_ascii_case(name);
        return if is("execve") || is("59") {
            Some(Family::ProcessCreation)
        } else if is("connect") || is("42") {
            Some(Family::UnixConnect)
        } else {
            None
        };
    }
    if channel_is(ev, "macos:endpointsecurity") {
        let t = f.event_type.text(ev)?;
        let is = |name: &str| t.eq_ignore_ascii_case(name);
        return if is("exec") {
            Some(Family::ProcessCreation)
        } else if is("xpc_connect") {
            Some(Family::Xpc)
        } else if is("uipc_connect") {
            Some(Family::UnixConnect)
        } else {
            None
        };
    }
    None
}

/// The acting process of an event that names one process.
pub(crate) fn actor(ev: &Event, f: &Fields) -> ProcessRef {
    let mut p = ProcessRef {
        image: f.image.string(ev),
        pid: f.pid.int(ev),
        guid: f.guid.string(ev),
        user: f.user.string(ev),
        integrity: f.integrity.string(ev),
        command_line: f.cmdline.string(ev),
    };
    if p.image.is_none() {
        // Defender names the initiating process apart.
        let folder = f.initiating_folder.string(ev);
        let file = f.initiating_file.string(ev);
        p.image = match (folder, file) {
            (Some(d), Some(n)) if !d.to_ascii_lowercase().ends_with(&n.to_ascii_lowercase()) => {
                Some(format!("{}\\{n}", d.trim_end_matches('\\')))
            }
            (Some(d), _) => Some(d),
            (None, n) => n,
        };
        p.pid = p.pid.or_else(|| f.initiating_pid.int(ev));
        p.user = p.user.or_else(|| f.initiating_user.string(ev));
        p.integrity = p.integrity.or_else(|| f.initiating_integrity.string(ev));
        p.command_line = p.command_line.or_else(|| f.initiating_cmdline.string(ev));
    }
    p
}

/// The pipe name of a Defender `NamedPipeEvent`, from its `AdditionalFields`.
pub(crate) fn defender_pipe(ev: &Event, f: &Fields) -> Option<String> {
    let extra = f.additional_fields.string(ev)?;
    let v: serde_json::Value = serde_json::from_str(&extra).ok()?;
    v.get("PipeName")?.as_str().map(str::to_owned)
}

/// The source process of a Sysmon process access.
pub(crate) fn access_source(ev: &Event, f: &Fields) -> ProcessRef {
    ProcessRef {
        image: f.source_image.string(ev),
        pid: f.source_pid.int(ev),
        guid: f.source_guid.string(ev),
        user: f.source_user.string(ev),
        ..ProcessRef::default()
    }
}

/// The target process of a Sysmon process access.
pub(crate) fn access_target(ev: &Event, f: &Fields) -> ProcessRef {
    ProcessRef {
        image: f.target_image.string(ev),
        pid: f.target_pid.int(ev),
        guid: f.target_guid.string(ev),
        user: f.target_user.string(ev),
        ..ProcessRef::default()
    }
}

/// What a DCOM error says.
pub(crate) struct DcomError {
    pub actor: ProcessRef,
    pub endpoint: Endpoint,
    pub detail: String,
    /// The remote computer (10028) or remote caller's address (10016).
    pub remote: Option<String>,
}

/// The requesting process, class and description of a DCOM error.
/// 10016 carries the class in `param4`, the AppID in `param5`, `Local` or
/// `Remote` in `param2` and the caller's address in `param9`; 10028 names
/// the remote computer in `param1` and the requesting process's id and
/// image in `param2` and `param3`.
pub(crate) fn dcom(ev: &Event, f: &Fields) -> DcomError {
    if ev.prov.event_id == Some(10028) {
        let computer = f
            .dcom_remote
            .string(ev)
            .unwrap_or_else(|| "(unknown)".into());
        let actor = ProcessRef {
            pid: f.param2.int(ev),
            image: f.param3.string(ev),
            ..ProcessRef::default()
        };
        let ep = Endpoint::new(
            EndpointKind::RemoteHost,
            computer.to_ascii_lowercase(),
            &computer,
        );
        let detail = format!("DCOM could not reach computer {computer}");
        return DcomError {
            actor,
            endpoint: ep,
            detail,
            remote: Some(computer),
        };
    }
    let clsid = f
        .dcom_clsid
        .text(ev)
        .and_then(|c| crate::normalize::clsid(&c))
        .or_else(|| any_guid(ev));
    let appid = f
        .dcom_appid
        .text(ev)
        .and_then(|c| crate::normalize::clsid(&c));
    let who = match (f.param6.string(ev), f.param7.string(ev)) {
        (Some(d), Some(u)) => format!("{d}\\{u}"),
        (None, Some(u)) => u,
        _ => "(unknown user)".into(),
    };
    let name = clsid.clone().unwrap_or_else(|| "(unknown class)".into());
    let mut ep = Endpoint::new(EndpointKind::ComClass, name.clone(), &name);
    ep.label = clsid
        .as_deref()
        .and_then(crate::com::class_by_clsid)
        .map(|c| c.name.to_owned());
    let actor = ProcessRef {
        user: Some(who.clone()),
        ..ProcessRef::default()
    };
    let place = f.param2.string(ev);
    let remote = place
        .as_deref()
        .filter(|p| p.eq_ignore_ascii_case("Remote"))
        .and_then(|_| f.param9.string(ev));
    let what = match (place, f.param3.string(ev)) {
        (Some(place), Some(op)) => format!("{place} {op}").to_ascii_lowercase(),
        _ => "activation".into(),
    };
    let detail = format!(
        "DCOM {what} denied: class {}{}, AppID {}, user {who}{}",
        name,
        ep.label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default(),
        appid.as_deref().unwrap_or("(none)"),
        remote
            .as_deref()
            .map(|r| format!(", caller {r}"))
            .unwrap_or_default()
    );
    DcomError {
        actor,
        endpoint: ep,
        detail,
        remote,
    }
}

fn any_guid(ev: &Event) -> Option<String> {
    ev.fields()
        .find_map(|(_, v)| v.as_ref().as_str().and_then(crate::normalize::find_guid))
}

/// The Unix socket path of a connect: a path field, auditd's interpreted
/// `saddr` (`{ saddr_fam=local path=/run/... }`), or its raw hex
/// `sockaddr_un` (family 1, then the path; a leading NUL marks an abstract
/// socket, written `@name`).
pub(crate) fn socket_path(ev: &Event, f: &Fields) -> Option<String> {
    let v = f.socket_path.string(ev)?;
    parse_socket(&v)
}

pub(crate) fn parse_socket(v: &str) -> Option<String> {
    let t = v.trim();
    if t.starts_with('/') || t.starts_with('@') {
        return Some(t.to_owned());
    }
    if let Some(i) = t.find("path=") {
        let rest = &t[i + 5..];
        let end = rest.find([' ', '}']).unwrap_or(rest.len());
        return (end > 0).then(|| rest[..end].to_owned());
    }
    if t.len() >= 6 && t.len().is_multiple_of(2) && t.bytes().all(|c| c.is_ascii_hexdigit()) {
        let bytes: Vec<u8> = (0..t.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok())
            .collect();
        if bytes.len() < 3 || u16::from_le_bytes([bytes[0], bytes[1]]) != 1 {
            return None;
        }
        let body = &bytes[2..];
        let (prefix, body) = match body.first() {
            Some(0) => ("@", &body[1..]),
            _ => ("", body),
        };
        let end = body.iter().position(|b| *b == 0).unwrap_or(body.len());
        let path = String::from_utf8_lossy(&body[..end]);
        return (!path.is_empty()).then(|| format!("{prefix}{path}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditd_socket_addresses() {
        assert_eq!(
            parse_socket("{ saddr_fam=local path=/run/dbus/system_bus_socket }").as_deref(),
            Some("/run/dbus/system_bus_socket")
        );
        // AF_UNIX (01 00) then "/tmp/x" and a NUL.
        assert_eq!(
            parse_socket("01002F746D702F7800").as_deref(),
            Some("/tmp/x")
        );
        assert_eq!(parse_socket("0100006162").as_deref(), Some("@ab"));
        // AF_INET is not a Unix socket.
        assert_eq!(parse_socket("020000357F000001"), None);
    }
}
