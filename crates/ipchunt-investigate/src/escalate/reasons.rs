//! The checks behind an escalation decision.

use ipchunt_core::Level;

use super::{Reason, ReasonKind, Weight};
use crate::baseline::{BaselineStatus, DeviationKind};
use crate::com;
use crate::context::{ContextEvent, ContextKind, SignatureInfo};
use crate::fields::base_name;
use crate::ioc::IocList;
use crate::ipc::{IpcEvent, IpcKind, ProcessRef};
use crate::timeline::Burst;
use crate::tree::ProcessChain;

/// What enrichment found around a detection.
pub(crate) struct Facts<'a> {
    pub level: Level,
    pub techniques: &'a [String],
    pub host: &'a str,
    pub ipc: Option<&'a IpcEvent>,
    /// The detection's process.
    pub subject: &'a ProcessRef,
    pub chain: &'a ProcessChain,
    /// IPC on the host around the detection.
    pub window: &'a [IpcEvent],
    /// Logons, network, DNS, changes on the host around the detection.
    pub context: &'a [&'a ContextEvent],
    /// Signatures known for the chain's images.
    pub signatures: &'a [(String, SignatureInfo)],
    /// What the detection event itself says of an unsigned image (Sysmon
    /// `Signed: false`; macOS: neither a platform binary nor a Team ID).
    pub event_unsigned: Option<String>,
    /// Hashes known for the chain's images: (image, Sysmon `Hashes`).
    pub hashes: &'a [(String, String)],
    pub ioc: Option<&'a IocList>,
    /// `None` when no baseline was given.
    pub baseline: Option<&'a [BaselineStatus]>,
    pub bursts: &'a [Burst],
    /// A remote address the detection event names (`IpAddress`, `SourceIp`).
    pub event_remote: Option<&'a str>,
}

pub(crate) fn all(f: &Facts<'_>) -> Vec<Reason> {
    let mut out = Vec::new();
    out.extend(privileged(f));
    out.extend(user_to_privileged(f));
    out.extend(dcom(f));
    out.extend(dde(f));
    out.extend(unsigned(f));
    out.extend(location(f));
    out.extend(ioc(f));
    out.extend(lateral(f));
    out.extend(baseline(f));
    out.extend(burst(f));
    out
}

fn describe(p: &ProcessRef) -> String {
    let mut s = p.image.clone().unwrap_or_else(|| "(unknown image)".into());
    if let Some(pid) = p.pid {
        s.push_str(&format!(" (pid {pid})"));
    }
    if let Some(u) = &p.user {
        s.push_str(&format!(" as {u}"));
    }
    if let Some(i) = &p.integrity {
        s.push_str(&format!(", integrity {i}"));
    }
    s
}

/// Whether a user name is SYSTEM, an administrator or root.
pub(crate) fn privileged_user(u: &str) -> bool {
    let l = u.trim().to_ascii_lowercase();
    let name = l.rsplit('\\').next().unwrap_or(&l);
    matches!(name, "system" | "localsystem" | "s-1-5-18" | "root" | "0")
        || name.starts_with("admin")
        || name.ends_with("admin")
        || l.contains("administrator")
}

pub(crate) fn high_integrity(i: &str) -> bool {
    matches!(i.trim().to_ascii_lowercase().as_str(), "high" | "system")
}

fn privilege_of(p: &ProcessRef) -> Option<String> {
    let user = p.user.as_deref().filter(|u| privileged_user(u));
    let integ = p.integrity.as_deref().filter(|i| high_integrity(i));
    (user.is_some() || integ.is_some()).then(|| describe(p))
}

fn privileged(f: &Facts<'_>) -> Option<Reason> {
    let mut evidence: Vec<String> = Vec::new();
    let mut push = |p: &ProcessRef| {
        if let Some(d) = privilege_of(p)
            && !evidence.contains(&d)
        {
            evidence.push(d);
        }
    };
    push(f.subject);
    if let Some(e) = f.ipc {
        push(&e.actor);
    }
    if let Some(p) = &f.chain.process {
        push(&p.process);
    }
    if evidence.is_empty() {
        return None;
    }
    let high = f.level >= Level::High;
    Some(Reason {
        kind: ReasonKind::PrivilegedProcess,
        weight: if high {
            Weight::Strong
        } else {
            Weight::Moderate
        },
        summary: if high {
            format!(
                "a {} IPC detection on a process with administrative privileges",
                f.level
            )
        } else {
            "the process has administrative privileges (SYSTEM, admin, root or high integrity)"
                .into()
        },
        evidence,
    })
}

const SYSTEM_PROCESSES: &[&str] = &[
    "lsass.exe",
    "winlogon.exe",
    "csrss.exe",
    "services.exe",
    "smss.exe",
    "wininit.exe",
];

fn user_to_privileged(f: &Facts<'_>) -> Option<Reason> {
    let e = f.ipc?;
    if e.kind != IpcKind::ProcessAccess {
        return None;
    }
    let peer = e.peer.as_ref()?;
    let target_system = peer
        .image
        .as_deref()
        .is_some_and(|i| SYSTEM_PROCESSES.contains(&base_name(i).as_str()))
        || peer.user.as_deref().is_some_and(privileged_user);
    let actor_low =
        privilege_of(&e.actor).is_none() && (e.actor.user.is_some() || e.actor.integrity.is_some());
    (target_system && actor_low).then(|| Reason {
        kind: ReasonKind::UserToPrivileged,
        weight: Weight::Strong,
        summary: "a user process opened a high-privilege system process".into(),
        evidence: vec![format!(
            "{} opened {}{}",
            describe(&e.actor),
            describe(peer),
            e.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )],
    })
}

fn dcom(f: &Facts<'_>) -> Vec<Reason> {
    let mut strong: Vec<String> = Vec::new();
    let mut moderate: Vec<String> = Vec::new();
    let mut info: Vec<String> = Vec::new();
    // A COM server in the chain starting an interpreter.
    let entries: Vec<&ProcessRef> = f.chain.all().map(|c| &c.process).collect();
    for pair in entries.windows(2) {
        let (parent, child) = (pair[0], pair[1]);
        let child_base = child.image.as_deref().map(base_name).unwrap_or_default();
        let server = parent
            .command_line
            .as_deref()
            .is_some_and(com::is_com_server_cmdline)
            || parent
                .image
                .as_deref()
                .is_some_and(|i| base_name(i) == "dllhost.exe");
        if server && com::EXEC_CHILDREN.contains(&child_base.as_str()) {
            strong.push(format!(
                "COM server {} started {}",
                describe(parent),
                describe(child)
            ));
        }
    }
    let mut seen_child = false;
    for e in f.ipc.into_iter().chain(f.window.iter()) {
        match e.kind {
            IpcKind::ComChild if !seen_child => {
                seen_child = true;
                let class = e.endpoint.label.as_deref().unwrap_or(&e.endpoint.name);
                let child = e.peer.as_ref().map(describe).unwrap_or_default();
                let line = format!("{} ({class}) started {child}", describe(&e.actor));
                if !strong.iter().any(|s| s.contains(&child)) {
                    strong.push(line);
                }
            }
            IpcKind::DcomError
                if e.source.event_id == Some(10028)
                    || e.remote.as_deref().is_some_and(remote_address) =>
            {
                moderate.push(e.detail.clone().unwrap_or_default())
            }
            IpcKind::DcomError => info.push(e.detail.clone().unwrap_or_default()),
            _ => {}
        }
    }
    if f.techniques.iter().any(|t| t.starts_with("T1021.003")) && !strong.is_empty() {
        strong.push("the rule is tagged T1021.003 (Distributed Component Object Model)".into());
    }
    let mut out = Vec::new();
    for (weight, evidence, summary) in [
        (
            Weight::Strong,
            strong,
            "signs of DCOM exploitation: a COM server started an interpreter",
        ),
        (
            Weight::Moderate,
            moderate,
            "remote DCOM nearby: a refused remote activation (10016) or an unreachable remote computer (10028)",
        ),
        (
            Weight::Info,
            info,
            "DCOM activation errors nearby (event 10016, often routine)",
        ),
    ] {
        if !evidence.is_empty() {
            out.push(Reason {
                kind: ReasonKind::DcomExploitation,
                weight,
                summary: summary.into(),
                evidence: dedup(evidence),
            });
        }
    }
    out
}

/// An Office application in the process chain (or the detection's own
/// process creation) starting an interpreter: the DDE and OLE execution
/// path that attack surface reduction rules block.
fn dde(f: &Facts<'_>) -> Option<Reason> {
    let mut evidence = Vec::new();
    let entries: Vec<&ProcessRef> = f.chain.all().map(|c| &c.process).collect();
    let mut pairs: Vec<(&ProcessRef, &ProcessRef)> =
        entries.windows(2).map(|w| (w[0], w[1])).collect();
    if let Some(e) = f.ipc
        && let Some(peer) = &e.peer
        && e.kind.is_process_creation()
    {
        pairs.push((&e.actor, peer));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (parent, child) in pairs {
        let pb = parent.image.as_deref().map(base_name).unwrap_or_default();
        let cb = child.image.as_deref().map(base_name).unwrap_or_default();
        let office_shell =
            com::OFFICE.contains(&pb.as_str()) && com::EXEC_CHILDREN.contains(&cb.as_str());
        // The chain and the event itself may name the same pair.
        if office_shell && seen.insert((pb.clone(), parent.pid, cb.clone(), child.pid)) {
            let cmd = child
                .command_line
                .as_deref()
                .map(|c| format!(": {}", crate::context::truncate(c, 300)))
                .unwrap_or_default();
            evidence.push(format!(
                "Office application {} started {}{cmd}",
                describe(parent),
                describe(child)
            ));
        }
    }
    (!evidence.is_empty()).then(|| Reason {
        kind: ReasonKind::DdeExploitation,
        weight: Weight::Strong,
        summary: "signs of DDE/OLE exploitation: an Office application started an interpreter"
            .into(),
        evidence: dedup(evidence),
    })
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v.truncate(20);
    v
}

fn subject_images<'a>(f: &'a Facts<'_>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for p in [Some(f.subject), f.ipc.map(|e| &e.actor)]
        .into_iter()
        .flatten()
    {
        if let Some(i) = p.image.as_deref()
            && !out.iter().any(|o| o.eq_ignore_ascii_case(i))
        {
            out.push(i);
        }
    }
    out
}

fn unsigned(f: &Facts<'_>) -> Option<Reason> {
    let mut evidence = Vec::new();
    if let Some(note) = &f.event_unsigned {
        evidence.push(note.clone());
    }
    for image in subject_images(f) {
        let lower = image.to_ascii_lowercase();
        if let Some((_, s)) = f.signatures.iter().find(|(i, _)| *i == lower)
            && !s.signed
        {
            evidence.push(format!(
                "{image} is unsigned (image load: Signed false{})",
                s.status
                    .as_deref()
                    .map(|x| format!(", status {x}"))
                    .unwrap_or_default()
            ));
        }
    }
    (!evidence.is_empty()).then(|| Reason {
        kind: ReasonKind::UnsignedBinary,
        weight: Weight::Moderate,
        summary: "an unsigned binary uses IPC".into(),
        evidence,
    })
}

const WRITABLE: &[&str] = &[
    "\\users\\",
    "\\appdata\\",
    "\\temp\\",
    "\\programdata\\",
    "\\perflogs\\",
    "\\$recycle.bin\\",
    "\\downloads\\",
    "/tmp/",
    "/var/tmp/",
    "/dev/shm/",
    "/home/",
    "/users/shared/",
];

fn location(f: &Facts<'_>) -> Option<Reason> {
    let evidence: Vec<String> = subject_images(f)
        .into_iter()
        .filter(|i| {
            let l = i.to_ascii_lowercase();
            WRITABLE.iter().any(|w| l.contains(w))
        })
        .map(|i| format!("{i} runs from a user-writable folder"))
        .collect();
    (!evidence.is_empty()).then(|| Reason {
        kind: ReasonKind::UnusualLocation,
        weight: Weight::Moderate,
        summary: "an unfamiliar binary (run from a user-writable folder) uses IPC".into(),
        evidence,
    })
}

fn ioc(f: &Facts<'_>) -> Option<Reason> {
    let list = f.ioc?;
    let mut evidence = Vec::new();
    for (image, h) in f.hashes {
        for hit in list.match_hashes(h) {
            evidence.push(format!("{image}: known-bad hash {}", hit.value));
        }
    }
    for e in f.ipc.into_iter().chain(f.window.iter()) {
        if e.endpoint.kind != crate::ipc::EndpointKind::Pipe {
            continue;
        }
        let name = e.endpoint.raw.as_deref().unwrap_or(&e.endpoint.name);
        if let Some(hit) = list.match_pipe(name) {
            evidence.push(format!(
                "pipe {name} matches indicator {} ({} on {})",
                hit.indicator,
                e.kind.as_str(),
                e.actor.label()
            ));
        }
    }
    for c in f.context {
        let name = match &c.kind {
            ContextKind::Dns { query, .. } => Some(query.as_str()),
            ContextKind::Network { hostname, .. } => hostname.as_deref(),
            _ => None,
        };
        if let Some(hit) = name.and_then(|n| list.match_domain(n)) {
            evidence.push(format!(
                "domain {} matches indicator {}",
                hit.value, hit.indicator
            ));
        }
    }
    for p in f.chain.all() {
        if let Some(cmd) = &p.process.command_line {
            for hit in list.match_text(cmd) {
                evidence.push(format!(
                    "command line of {} names indicator {}",
                    p.process.label(),
                    hit.indicator
                ));
            }
        }
    }
    (!evidence.is_empty()).then(|| Reason {
        kind: ReasonKind::IocMatch,
        weight: Weight::Strong,
        summary: "a known-bad binary, pipe or domain is involved".into(),
        evidence: dedup(evidence),
    })
}

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

fn lateral(f: &Facts<'_>) -> Option<Reason> {
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
    for e in f.ipc.into_iter().chain(f.window.iter()) {
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

fn baseline(f: &Facts<'_>) -> Option<Reason> {
    let statuses = f.baseline?;
    if statuses.is_empty() {
        return None;
    }
    let deviations: Vec<String> = statuses
        .iter()
        .filter_map(|s| match (s.deviation?, s.known) {
            (DeviationKind::NeverSeen, _) => {
                Some(format!("{} was never seen in the baseline", s.key))
            }
            (DeviationKind::RareHosts, Some(k)) => Some(format!(
                "{} was seen on only {} of {} baseline hosts",
                s.key, k.hosts, s.total_hosts
            )),
            (DeviationKind::RareHosts, None) => None,
        })
        .collect();
    if !deviations.is_empty() {
        return Some(Reason {
            kind: ReasonKind::BaselineDeviation,
            weight: Weight::Moderate,
            summary: "processes communicating that do not typically interact (baseline deviation)"
                .into(),
            evidence: deviations,
        });
    }
    Some(Reason {
        kind: ReasonKind::BaselineCommon,
        weight: Weight::Benign,
        summary: "the baseline shows this communication as usual".into(),
        evidence: statuses
            .iter()
            .filter_map(|s| {
                s.known.map(|k| {
                    format!(
                        "{} seen {} times on {} of {} hosts",
                        s.key, k.count, k.hosts, s.total_hosts
                    )
                })
            })
            .collect(),
    })
}

fn burst(f: &Facts<'_>) -> Option<Reason> {
    if f.bursts.is_empty() {
        return None;
    }
    Some(Reason {
        kind: ReasonKind::IpcBurst,
        weight: Weight::Moderate,
        summary: format!("the detection falls in a burst of IPC on {}", f.host),
        evidence: f
            .bursts
            .iter()
            .take(5)
            .map(|b| {
                format!(
                    "{} IPC events from {} to {} (peak {} a minute)",
                    b.events, b.start, b.end, b.peak_per_minute
                )
            })
            .collect(),
    })
}
