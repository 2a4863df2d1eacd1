//! The escalation decision for a detection, following the T1559 playbook:
//! escalate to Tier 2 on anomalous IPC by privileged processes, signs of
//! DCOM exploitation, an unknown or malicious binary using IPC, lateral
//! movement, or IPC that deviates from the baseline.
//!
//! Each check gives a [`Reason`] with a [`Weight`]:
//! - `strong`: escalates on its own (an IOC match, lateral movement, a COM
//!   server or an Office application in the process chain starting an
//!   interpreter, a user process opening a system
//!   process, a privileged process behind a high or critical detection);
//! - `moderate`: two of them escalate, one asks for Tier 1 review (a
//!   privileged process behind a lower detection, an unsigned binary, a
//!   binary in a user-writable folder, a baseline deviation, a burst, a
//!   DCOM 10028 error nearby);
//! - `info`: recorded for the analyst, not counted (DCOM 10016 errors,
//!   which Windows logs routinely);
//! - `benign`: evidence of normal activity (the edge is common in the
//!   baseline).
//!
//! Decision: any strong reason, or two moderate ones: escalate to Tier 2.
//! One moderate reason: Tier 1 review. None: Tier 1 review when the rule is
//! high or critical and the baseline does not show the activity as common,
//! else likely benign.

mod binary;
mod exploit;
mod lateral;
mod mitigations;
mod questions;
mod reasons;

use serde::{Deserialize, Serialize};

pub(crate) use reasons::Facts;

/// What to do with a detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    LikelyBenign,
    Tier1Review,
    EscalateTier2,
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::EscalateTier2 => "escalate_tier2",
            Decision::Tier1Review => "tier1_review",
            Decision::LikelyBenign => "likely_benign",
        }
    }

    /// Words for a person.
    pub fn title(&self) -> &'static str {
        match self {
            Decision::EscalateTier2 => "Escalate to Tier 2",
            Decision::Tier1Review => "Tier 1 review",
            Decision::LikelyBenign => "Likely benign",
        }
    }
}

/// The check a reason comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// The process runs as SYSTEM, an administrator, root, or at high or
    /// system integrity.
    PrivilegedProcess,
    /// A lower-privileged process opened a system process.
    UserToPrivileged,
    DcomExploitation,
    /// An Office application started an interpreter (DDE or OLE execution).
    DdeExploitation,
    UnsignedBinary,
    /// A binary run from a user-writable folder.
    UnusualLocation,
    IocMatch,
    LateralMovement,
    BaselineDeviation,
    BaselineCommon,
    IpcBurst,
    RuleSeverity,
}

/// How much a reason weighs in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    Benign,
    Info,
    Moderate,
    Strong,
}

/// One reason behind a decision, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub kind: ReasonKind,
    pub weight: Weight,
    pub summary: String,
    pub evidence: Vec<String>,
}

/// A playbook question and what the logs say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub answer: String,
    pub evidence: Vec<String>,
}

/// A registry value (or command) that applies a mitigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// A registry key, or `command` for a command line.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub note: String,
}

/// An ATT&CK mitigation that applies to the detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mitigation {
    pub id: String,
    pub name: String,
    pub action: String,
    pub settings: Vec<Setting>,
}

/// The full assessment of one detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub questions: Vec<Answer>,
    pub containment: Vec<String>,
    pub mitigations: Vec<Mitigation>,
}

/// Decides from the reasons found (see the module documentation).
pub fn decide(reasons: &[Reason], high_severity: bool) -> Decision {
    let strong = reasons.iter().any(|r| r.weight == Weight::Strong);
    let moderate = reasons
        .iter()
        .filter(|r| r.weight == Weight::Moderate)
        .count();
    let common = reasons.iter().any(|r| r.weight == Weight::Benign);
    if strong || moderate >= 2 {
        Decision::EscalateTier2
    } else if moderate == 1 || (high_severity && !common) {
        Decision::Tier1Review
    } else {
        Decision::LikelyBenign
    }
}

/// Assesses a detection from the facts gathered around it.
pub(crate) fn assess(f: &Facts<'_>) -> Escalation {
    let mut reasons = reasons::all(f);
    let high = f.level >= ipchunt_core::Level::High;
    let decision = decide(&reasons, high);
    if reasons.iter().all(|r| r.weight < Weight::Moderate) && decision == Decision::Tier1Review {
        reasons.push(Reason {
            kind: ReasonKind::RuleSeverity,
            weight: Weight::Info,
            summary: format!(
                "the rule is {} and nothing in the logs shows the activity is normal",
                f.level
            ),
            evidence: Vec::new(),
        });
    }
    Escalation {
        decision,
        questions: questions::answer(f, &reasons),
        containment: mitigations::containment(
            f,
            decision,
            reasons.iter().any(|r| r.kind == ReasonKind::IocMatch),
        ),
        mitigations: mitigations::applicable(f),
        reasons,
    }
}

#[cfg(test)]
mod tests;
