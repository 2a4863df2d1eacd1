//! The events around IPC that escalation reads: logons (lateral movement,
//! user activity), network connections and DNS queries (remote peers, IOC
//! domains), group changes and installations (the playbook's "recent
//! changes"), and code signatures of images.

use ipchunt_core::Event;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::fields::{Fields, channel_is, host_of};
use crate::ipc::ProcessRef;

/// What a context event is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContextKind {
    /// A successful logon (Security 4624) or explicit-credential logon (4648).
    Logon {
        logon_type: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ip: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<String>,
    },
    /// A network connection (Sysmon 3): outbound to `destination`, or
    /// inbound from `source` when `inbound`.
    Network {
        process: ProcessRef,
        inbound: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        destination: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        port: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hostname: Option<String>,
    },
    /// A DNS query (Sysmon 22).
    Dns { process: ProcessRef, query: String },
    /// A user added to a group (Security 4728, 4732, 4756).
    GroupChange {
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// A service or package installed (System 7045, Security 4697,
    /// Application MsiInstaller 11707 and 1033).
    Install { what: String },
}

/// A context event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextEvent {
    pub host: String,
    pub time: Option<Timestamp>,
    #[serde(flatten)]
    pub kind: ContextKind,
}

/// A code signature seen for an image (Sysmon 7 of the image itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureInfo {
    pub signed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn process(ev: &Event, f: &Fields) -> ProcessRef {
    ProcessRef {
        image: f.image.string(ev),
        pid: f.pid.int(ev),
        guid: f.guid.string(ev),
        user: f.user.string(ev),
        ..ProcessRef::default()
    }
}

pub(crate) fn classify(ev: &Event, f: &Fields) -> Option<ContextEvent> {
    let eid = ev.prov.event_id?;
    let kind = if channel_is(ev, "Security") {
        match eid {
            4624 | 4648 => ContextKind::Logon {
                logon_type: f.logon_type.int(ev),
                ip: f.ip_address.string(ev),
                user: f.target_user_name.string(ev),
            },
            4728 | 4732 | 4756 => ContextKind::GroupChange {
                user: f.member.string(ev),
                group: f.target_user_name.string(ev),
            },
            4697 => ContextKind::Install {
                what: describe_service(ev, f),
            },
            _ => return None,
        }
    } else if channel_is(ev, "Microsoft-Windows-Sysmon/Operational") {
        match eid {
            3 => ContextKind::Network {
                process: process(ev, f),
                inbound: f
                    .initiated
                    .text(ev)
                    .is_some_and(|t| t.eq_ignore_ascii_case("false")),
                source: f
                    .source_ip
                    .string(ev)
                    .map(|ip| match f.source_port.int(ev) {
                        Some(p) => format!("{ip}:{p}"),
                        None => ip,
                    }),
                destination: f.dest_ip.string(ev),
                port: f.dest_port.int(ev),
                hostname: f.dest_host.string(ev),
            },
            22 => ContextKind::Dns {
                process: process(ev, f),
                query: f.query_name.string(ev)?,
            },
            _ => return None,
        }
    } else if channel_is(ev, "System") && eid == 7045 {
        ContextKind::Install {
            what: describe_service(ev, f),
        }
    } else if channel_is(ev, "Application") && matches!(eid, 11707 | 1033) {
        let what = ev
            .fields()
            .find_map(|(_, v)| v.as_ref().as_str().map(str::to_owned))
            .unwrap_or_else(|| "a Windows Installer package".into());
        ContextKind::Install {
            what: format!("installer event {eid}: {}", truncate(&what, 200)),
        }
    } else {
        return None;
    };
    Some(ContextEvent {
        host: host_of(ev),
        time: ev.prov.timestamp,
        kind,
    })
}

fn describe_service(ev: &Event, f: &Fields) -> String {
    let name = f
        .service_name
        .string(ev)
        .unwrap_or_else(|| "(unnamed)".into());
    match f.service_file.string(ev) {
        Some(p) => format!("service {name} ({})", truncate(&p, 200)),
        None => format!("service {name}"),
    }
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// The signature an image-load event reports for the image itself (the
/// process's own executable), keyed by the image path in lower case.
pub(crate) fn signature(ev: &Event, f: &Fields) -> Option<(String, SignatureInfo)> {
    if !channel_is(ev, "Microsoft-Windows-Sysmon/Operational") || ev.prov.event_id != Some(7) {
        return None;
    }
    let loaded = f.image_loaded.string(ev)?;
    let image = f.image.string(ev)?;
    if !loaded.eq_ignore_ascii_case(&image) {
        return None;
    }
    let signed = f.signed.text(ev)?.eq_ignore_ascii_case("true");
    Some((
        image.to_ascii_lowercase(),
        SignatureInfo {
            signed,
            signature: f.signature.string(ev),
            status: f.signature_status.string(ev),
        },
    ))
}
