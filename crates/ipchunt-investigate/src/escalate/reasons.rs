//! The checks behind an escalation decision: the facts enrichment
//! gathers, privilege, baseline and bursts here; the others in
//! [`super::exploit`], [`super::binary`] and [`super::lateral`].

use ipchunt_core::Level;

use super::{Reason, ReasonKind, Weight};
use crate::baseline::{BaselineStatus, DeviationKind};
use crate::context::{ContextEvent, SignatureInfo};
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
    pub window: &'a [&'a IpcEvent],
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
    out.extend(super::exploit::dcom(f));
    out.extend(super::exploit::dde(f));
    out.extend(super::binary::unsigned(f));
    out.extend(super::binary::location(f));
    out.extend(super::binary::ioc(f));
    out.extend(super::lateral::lateral(f));
    out.extend(baseline(f));
    out.extend(burst(f));
    out
}

pub(crate) fn describe(p: &ProcessRef) -> String {
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

pub(crate) fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v.truncate(20);
    v
}

pub(crate) fn subject_images<'a>(f: &'a Facts<'_>) -> Vec<&'a str> {
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
