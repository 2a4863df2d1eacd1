use ipchunt_core::Taxonomy;

use crate::load_sigma;
use crate::model::Op;

const RULE: &str = r#"
title: Pipe And COM Things
id: 11111111-2222-3333-4444-555555555555
status: test
logsource:
    product: windows
    category: pipe_created
detection:
    selection_pipe:
        PipeName|startswith: '\msagent_'
        Image|endswith:
            - '\rundll32.exe'
            - '\dllhost.exe'
    selection_cmd:
        CommandLine|contains|all:
            - ' -Embedding'
            - 'xwizard'
        CommandLine|re: '\\pipe\\[a-f0-9]{8}'
        ParentImage: '*\svc?ost.exe'
        OriginalFileName: 'XWizard.exe'
        IntegrityLevel|exists: true
        DestinationIp|cidr: '10.0.0.0/8'
        DestinationPort|gt: 1024
        Hashes|base64offset|contains: 'MZ'
        User|neq: 'SYSTEM'
        TargetFilename|fieldref: Image
        Description: null
    keywords:
        - 'evil'
    filter_main:
        Image|startswith: 'C:\Program Files\'
    filter_optional:
        - ParentImage: 'C:\Windows\explorer.exe'
        - CommandLine|contains: 'safe'
    condition: (selection_pipe or selection_cmd or keywords) and not filter_main and not 1 of filter_optional*
tags:
    - attack.execution
    - attack.t1559.001
    - attack.t1021.003
"#;

#[test]
fn sigma_modifiers_and_exclusions() {
    let tax = Taxonomy::builtin();
    let (rules, errs) = load_sigma("r.yml", RULE, &tax);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rules[0];
    assert_eq!(r.techniques, vec!["T1559.001", "T1021.003"]);
    assert!(r.has_technique("T1559", true));
    assert!(!r.has_technique("T1559", false));
    assert_eq!(r.logsource, "product: windows; category: pipe_created");
    let ids: Vec<Option<u32>> = r.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, vec![Some(17), Some(18), None]);
    let got: Vec<(&str, Op, &str, bool, bool)> = r
        .predicates
        .iter()
        .map(crate::model::Predicate::summary)
        .collect();
    let want = [
        ("PipeName", Op::StartsWith, "\\msagent_", false, false),
        ("Image", Op::EndsWith, "\\rundll32.exe", false, false),
        ("Image", Op::EndsWith, "\\dllhost.exe", false, false),
        ("CommandLine", Op::Contains, " -Embedding", false, false),
        ("CommandLine", Op::Contains, "xwizard", false, false),
        (
            "CommandLine",
            Op::RegexMatch,
            "\\\\pipe\\\\[a-f0-9]{8}",
            false,
            false,
        ),
        ("ParentImage", Op::Wildcard, "*\\svc?ost.exe", false, false),
        ("OriginalFileName", Op::Eq, "XWizard.exe", false, false),
        ("IntegrityLevel", Op::Exists, "", false, false),
        ("DestinationIp", Op::Cidr, "10.0.0.0/8", false, false),
        ("DestinationPort", Op::Gt, "1024", false, false),
        ("Hashes", Op::Contains, "MZ", false, false),
        ("User", Op::Eq, "SYSTEM", true, false),
        ("TargetFilename", Op::FieldRef, "Image", false, false),
        ("Description", Op::Exists, "", true, false),
        ("", Op::Keyword, "evil", false, false),
        ("Image", Op::StartsWith, "C:\\Program Files\\", true, true),
        (
            "ParentImage",
            Op::Eq,
            "C:\\Windows\\explorer.exe",
            true,
            true,
        ),
        ("CommandLine", Op::Contains, "safe", true, true),
    ];
    assert_eq!(got, want);
    let hashes = r.predicates.iter().find(|p| p.field == "Hashes").unwrap();
    assert_eq!(hashes.modifiers, vec!["base64offset"]);
    assert!(r.unparsed.is_empty());
    // Required fields: on the top-level chain, not negated.
    assert!(r.predicates.iter().all(|p| !p.required));
}

#[test]
fn sigma_required_fields_and_bad_yaml() {
    let tax = Taxonomy::builtin();
    let text = "title: t\nlogsource: {category: process_creation, product: windows}\n\
                detection:\n  sel:\n    Image|endswith: ['\\a.exe', '\\b.exe']\n    CommandLine|contains: x\n  condition: sel\n";
    let (rules, errs) = load_sigma("t.yml", text, &tax);
    assert!(errs.is_empty(), "{errs:?}");
    assert!(rules[0].predicates.iter().all(|p| p.required));
    let (rules, errs) = load_sigma("bad.yml", "title: [", &tax);
    assert!(rules.is_empty());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "bad.yml");
}
