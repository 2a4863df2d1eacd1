//! Signs of lateral movement around the IPC: remote logons and sources,
//! remote-execution pipes over `IPC$`.

use super::reasons::{Facts, dedup};
use super::{Reason, ReasonKind, Weight};
use crate::context::ContextKind;
use crate::ipc::{IpcKind, ProcessRef};
use crate::tree::ProcessChain;

pub(crate) fn remote_address(ip: &str) -> bool {
    let t = ip.trim().trim_start_matches("::ffff:");
    !(t.is_empty()
        || t == "-"
        || t == "::1"
        || t.starts_with("127.")
        || t.eq_ignore_ascii_case("localhost")
        || t == "0.0.0.0"
        || t == "::")
}

/// Named pipes over `IPC$` that remote execution and reconnaissance use:
/// service control (PsExec-style services), task scheduler, remote
/// registry, the RPC endpoint mapper (DCOM), SAM and LSA.
const SENSITIVE_PIPES: &[&str] = &[
    "\\svcctl",
    "\\atsvc",
    "\\winreg",
    "\\epmapper",
    "\\samr",
    "\\lsarpc",
    "\\psexesvc",
    "\\remcom_communicaton",
];

/// Computer accounts (`WS01$`) talk to each other all day.
fn machine_account(user: Option<&str>) -> bool {
    user.is_some_and(|u| u.trim_end().ends_with('$'))
}

pub(crate) fn lateral(f: &Facts<'_>) -> Option<Reason> {
    let mut strong = Vec::new();
    let mut routine = Vec::new();
    if let Some(ip) = f.event_remote.filter(|ip| remote_address(ip)) {
        strong.push(format!("the detection event names remote address {ip}"));
    }
    for c in f.context {
        let when = c.time.map(|t| t.to_string()).unwrap_or_default();
        match &c.kind {
            ContextKind::Logon {
                logon_type: Some(t @ (3 | 10)),
                ip: Some(ip),
                user,
            } if remote_address(ip) && !machine_account(user.as_deref()) => strong.push(format!(
                "{} logon (type {t}) from {ip}{} at {when}",
                if *t == 3 {
                    "network"
                } else {
                    "remote interactive"
                },
                user.as_deref()
                    .map(|u| format!(" as {u}"))
                    .unwrap_or_default(),
            )),
            ContextKind::Network {
                process,
                inbound: false,
                destination: Some(d),
                port: Some(p @ (135 | 445 | 5985 | 5986)),
                ..
            } if remote_address(d) && chain_has(f.chain, process) => strong.push(format!(
                "{} connected to {d}:{p} at {when}",
                process.label()
            )),
            ContextKind::Network {
                process,
                inbound: true,
                source: Some(s),
                ..
            } if remote_address(s.rsplit_once(':').map_or(s, |(ip, _)| ip))
                && chain_has(f.chain, process) =>
            {
                strong.push(format!(
                    "{} accepted a connection from {s} at {when}",
                    process.label()
                ))
            }
            _ => {}
        }
    }
    for e in f.ipc.into_iter().chain(f.window.iter().copied()) {
        if e.kind != IpcKind::IpcShare || machine_account(e.actor.user.as_deref()) {
            continue;
        }
        let line = format!(
            "IPC$ access to {} by {}{}",
            e.endpoint.raw.as_deref().unwrap_or(&e.endpoint.name),
            e.actor.user.as_deref().unwrap_or("(unknown user)"),
            e.remote
                .as_deref()
                .map(|r| format!(" from {r}"))
                .unwrap_or_default()
        );
        if SENSITIVE_PIPES.contains(&e.endpoint.name.as_str()) {
            strong.push(line);
        } else {
            routine.push(line);
        }
    }
    // IPC$ for other pipes (srvsvc, wkssvc: share and workstation
    // browsing) is everyday traffic: recorded, not counted.
    let weight = if strong.is_empty() {
        Weight::Info
    } else {
        Weight::Strong
    };
    strong.extend(routine);
    (!strong.is_empty()).then(|| Reason {
        kind: ReasonKind::LateralMovement,
        weight,
        summary: if weight == Weight::Strong {
            "signs of lateral movement around the IPC (remote logon or source, remote execution pipes over IPC$)".into()
        } else {
            "remote IPC$ access around the IPC (share browsing pipes, usually routine)".into()
        },
        evidence: dedup(strong),
    })
}

fn chain_has(chain: &ProcessChain, p: &ProcessRef) -> bool {
    chain.all().any(|c| {
        (c.process.guid.is_some() && c.process.guid == p.guid)
            || (c.process.pid.is_some()
                && c.process.pid == p.pid
                && c.process.image.as_deref().map(str::to_ascii_lowercase)
                    == p.image.as_deref().map(str::to_ascii_lowercase))
    })
}
