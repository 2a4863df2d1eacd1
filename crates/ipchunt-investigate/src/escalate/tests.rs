use super::*;

fn r(kind: ReasonKind, weight: Weight) -> Reason {
    Reason {
        kind,
        weight,
        summary: String::new(),
        evidence: Vec::new(),
    }
}

#[test]
fn one_strong_reason_escalates() {
    let reasons = [r(ReasonKind::LateralMovement, Weight::Strong)];
    assert_eq!(decide(&reasons, false), Decision::EscalateTier2);
}

#[test]
fn two_moderate_reasons_escalate_one_asks_for_review() {
    let one = [r(ReasonKind::UnsignedBinary, Weight::Moderate)];
    assert_eq!(decide(&one, false), Decision::Tier1Review);
    let two = [
        r(ReasonKind::UnsignedBinary, Weight::Moderate),
        r(ReasonKind::BaselineDeviation, Weight::Moderate),
    ];
    assert_eq!(decide(&two, false), Decision::EscalateTier2);
}

#[test]
fn info_reasons_do_not_count_and_severity_decides_the_rest() {
    let info = [
        r(ReasonKind::DcomExploitation, Weight::Info),
        r(ReasonKind::DcomExploitation, Weight::Info),
    ];
    assert_eq!(decide(&info, false), Decision::LikelyBenign);
    assert_eq!(decide(&info, true), Decision::Tier1Review);
    let common = [r(ReasonKind::BaselineCommon, Weight::Benign)];
    assert_eq!(decide(&common, true), Decision::LikelyBenign);
    assert_eq!(decide(&[], false), Decision::LikelyBenign);
}
