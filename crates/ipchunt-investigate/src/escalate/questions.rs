//! The playbook's analysis questions, answered from the evidence found.

use super::reasons::Facts;
use super::{Answer, Reason, ReasonKind};
use crate::context::ContextKind;
use crate::ipc::IpcEvent;

pub(crate) const Q_UNUSUAL: &str =
    "Are there unusual or unfamiliar processes utilizing IPC mechanisms?";
pub(crate) const Q_BASELINE: &str =
    "Is there a pattern of IPC that deviates from the organization's baseline behavior?";
pub(crate) const Q_CHANGES: &str = "Have there been any recent changes in user permissions or application installations that could explain legitimate use?";
pub(crate) const Q_INTERACT: &str =
    "Are the communicating processes typically meant to interact with each other?";
pub(crate) const Q_USER: &str = "Does the IPC activity line up with the user's activity?";

fn evidence_of(reasons: &[Reason], kinds: &[ReasonKind]) -> Vec<String> {
    reasons
        .iter()
        .filter(|r| kinds.contains(&r.kind))
        .flat_map(|r| r.evidence.iter().cloned())
        .collect()
}

fn edge_text(e: &IpcEvent) -> String {
    let other = match &e.peer {
        Some(p) => p.label(),
        None => e
            .endpoint
            .raw
            .clone()
            .unwrap_or_else(|| e.endpoint.name.clone()),
    };
    format!("{} -{}-> {}", e.actor.label(), e.kind.as_str(), other)
}

pub(crate) fn answer(f: &Facts<'_>, reasons: &[Reason]) -> Vec<Answer> {
    let mut out = Vec::new();

    let unusual = evidence_of(
        reasons,
        &[
            ReasonKind::UnsignedBinary,
            ReasonKind::UnusualLocation,
            ReasonKind::IocMatch,
        ],
    );
    out.push(Answer {
        question: Q_UNUSUAL.into(),
        answer: if unusual.is_empty() {
            "No: no process involved is known to be unsigned, none runs from a user-writable folder, and none matches an indicator.".into()
        } else {
            "Yes: see the evidence.".into()
        },
        evidence: unusual,
    });

    let base = evidence_of(
        reasons,
        &[
            ReasonKind::BaselineDeviation,
            ReasonKind::BaselineCommon,
            ReasonKind::IpcBurst,
        ],
    );
    let deviates = reasons
        .iter()
        .any(|r| matches!(r.kind, ReasonKind::BaselineDeviation | ReasonKind::IpcBurst));
    out.push(Answer {
        question: Q_BASELINE.into(),
        answer: match (f.baseline.is_some(), deviates) {
            (_, true) => "Yes: see the evidence.".into(),
            (true, false) => "No: the baseline knows this communication and no burst was seen.".into(),
            (false, false) => {
                "No burst was seen; no baseline was given (learn one with `ipchunt baseline learn`).".into()
            }
        },
        evidence: base,
    });

    let changes: Vec<String> = f
        .context
        .iter()
        .filter_map(|c| {
            let when = c.time.map(|t| t.to_string()).unwrap_or_default();
            match &c.kind {
                ContextKind::GroupChange { user, group } => Some(format!(
                    "{when}: {} added to group {}",
                    user.as_deref().unwrap_or("(unknown member)"),
                    group.as_deref().unwrap_or("(unknown group)")
                )),
                ContextKind::Install { what } => Some(format!("{when}: installed {what}")),
                _ => None,
            }
        })
        .collect();
    out.push(Answer {
        question: Q_CHANGES.into(),
        answer: if changes.is_empty() {
            "None found in the logs read around the detection (group membership 4728/4732/4756, service installs 7045/4697, MSI installs).".into()
        } else {
            "Yes: check whether these explain the activity.".into()
        },
        evidence: changes,
    });

    let mut interact: Vec<String> = Vec::new();
    if let Some(e) = f.ipc {
        interact.push(format!("this event: {}", edge_text(e)));
    }
    interact.extend(evidence_of(
        reasons,
        &[
            ReasonKind::DcomExploitation,
            ReasonKind::DdeExploitation,
            ReasonKind::UserToPrivileged,
        ],
    ));
    let odd = reasons.iter().any(|r| {
        matches!(
            r.kind,
            ReasonKind::DcomExploitation
                | ReasonKind::DdeExploitation
                | ReasonKind::UserToPrivileged
                | ReasonKind::BaselineDeviation
        ) && r.weight >= super::Weight::Moderate
    });
    let common = reasons.iter().any(|r| r.kind == ReasonKind::BaselineCommon);
    out.push(Answer {
        question: Q_INTERACT.into(),
        answer: if odd {
            "Probably not: see the evidence.".into()
        } else if common {
            "Yes: the baseline shows these processes communicating routinely.".into()
        } else {
            "Unknown: nothing shows them as unusual, and no baseline says they are usual.".into()
        },
        evidence: interact,
    });

    let user = f.subject.user.as_deref();
    let logons: Vec<String> = f
        .context
        .iter()
        .filter_map(|c| match &c.kind {
            ContextKind::Logon {
                logon_type,
                ip,
                user: who,
            } if user.is_none()
                || who.as_deref().is_some_and(|w| {
                    user.is_some_and(|u| u.to_ascii_lowercase().ends_with(&w.to_ascii_lowercase()))
                }) =>
            {
                Some(format!(
                    "{}: logon type {} by {}{}",
                    c.time.map(|t| t.to_string()).unwrap_or_default(),
                    logon_type
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "?".into()),
                    who.as_deref().unwrap_or("(unknown)"),
                    ip.as_deref()
                        .map(|i| format!(" from {i}"))
                        .unwrap_or_default()
                ))
            }
            _ => None,
        })
        .take(10)
        .collect();
    out.push(Answer {
        question: Q_USER.into(),
        answer: match (user, logons.is_empty()) {
            (Some(u), true) => format!("No logon by {u} was found around the detection; the activity does not follow a visible user session."),
            (None, true) => "The process's user is not logged, and no logon was found around the detection.".into(),
            (_, false) => "Logons around the detection are listed; compare them with the activity.".into(),
        },
        evidence: logons,
    });
    out
}
