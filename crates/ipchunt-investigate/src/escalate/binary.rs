//! The binary behind the IPC: unsigned, run from a user-writable folder,
//! or known bad.

use super::reasons::{Facts, dedup, subject_images};
use super::{Reason, ReasonKind, Weight};
use crate::context::ContextKind;

pub(crate) fn unsigned(f: &Facts<'_>) -> Option<Reason> {
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

pub(crate) fn location(f: &Facts<'_>) -> Option<Reason> {
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

pub(crate) fn ioc(f: &Facts<'_>) -> Option<Reason> {
    let list = f.ioc?;
    let mut evidence = Vec::new();
    for (image, h) in f.hashes {
        for hit in list.match_hashes(h) {
            evidence.push(format!("{image}: known-bad hash {}", hit.value));
        }
    }
    for e in f.ipc.into_iter().chain(f.window.iter().copied()) {
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
