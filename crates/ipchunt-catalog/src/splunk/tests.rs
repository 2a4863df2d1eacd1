use ipchunt_core::Taxonomy;

use super::load_splunk;
use super::spl::parse_spl;
use crate::model::{Op, Predicate, Unparsed};

fn flat(src: &str) -> (Vec<Predicate>, Vec<Unparsed>, Vec<String>) {
    let q = parse_spl(src);
    let (p, u) = crate::expr::flat(&q.expr);
    (p, u, q.datamodels)
}

fn summary(p: &[Predicate]) -> Vec<(&str, Op, &str, bool, bool)> {
    p.iter().map(Predicate::summary).collect()
}

#[test]
fn base_search_operators() {
    let (p, u, _) = flat(
        r#"`sysmon` EventCode=17 OR EventCode=18 PipeName IN ("\\msagent_*", \\postex_*) NOT (Image="*\\program files\\*" OR Image=C:\\x.exe) user!=SYSTEM count>5 mimikatz | stats count by dest | `x_filter`"#,
    );
    assert_eq!(
        summary(&p),
        vec![
            ("EventCode", Op::Eq, "17", false, false),
            ("EventCode", Op::Eq, "18", false, false),
            ("PipeName", Op::In, "\\msagent_*", false, false),
            ("PipeName", Op::In, "\\postex_*", false, false),
            ("Image", Op::Wildcard, "*\\program files\\*", true, true),
            ("Image", Op::Eq, "C:\\x.exe", true, true),
            ("user", Op::Eq, "SYSTEM", true, true),
            ("count", Op::Gt, "5", false, false),
            ("", Op::Keyword, "mimikatz", false, false),
        ]
    );
    let reasons: Vec<&str> = u.iter().map(|u| u.fragment.as_str()).collect();
    assert_eq!(reasons, vec!["`sysmon`", "`x_filter`"]);
    assert!(u[1].reason.contains("tuning macro"));
}

#[test]
fn implicit_and_marks_exclusions() {
    let (p, _, _) = flat(r#"search a=1 NOT b=2 NOT c IN (x, y) d!=3"#);
    assert_eq!(
        summary(&p),
        vec![
            ("a", Op::Eq, "1", false, false),
            ("b", Op::Eq, "2", true, true),
            ("c", Op::In, "x", true, true),
            ("c", Op::In, "y", true, true),
            ("d", Op::Eq, "3", true, true),
        ]
    );
}

#[test]
fn tstats_where_and_eval_functions() {
    let (p, u, dm) = flat(
        r#"| tstats `security_content_summariesonly` count min(_time) as firstTime from datamodel=Endpoint.Processes where Processes.process_name=rundll32.exe (Processes.process="*,Control_RunDLL*" OR Processes.process IN ("*shell32*")) by Processes.dest | `drop_dm_object_name(Processes)` | where like(process, "%.cpl%") AND match(parent_process_name, "(?i)explorer") AND NOT isnull(user) AND isnotnull(dest) AND cmd="x" AND lower(process)="y" | regex process_path="\\\\temp\\\\" | `security_content_ctime(firstTime)`"#,
    );
    assert_eq!(dm, vec!["Endpoint.Processes"]);
    assert_eq!(
        summary(&p),
        vec![
            (
                "Processes.process_name",
                Op::Eq,
                "rundll32.exe",
                false,
                false
            ),
            (
                "Processes.process",
                Op::Wildcard,
                "*,Control_RunDLL*",
                false,
                false
            ),
            ("Processes.process", Op::In, "*shell32*", false, false),
            ("process", Op::Like, "%.cpl%", false, false),
            (
                "parent_process_name",
                Op::Match,
                "(?i)explorer",
                false,
                false
            ),
            ("user", Op::Exists, "", false, false),
            ("dest", Op::Exists, "", false, false),
            ("cmd", Op::Eq, "x", false, false),
            ("process_path", Op::RegexMatch, "\\\\temp\\\\", false, false),
        ]
    );
    // `NOT isnull(user)` is a double negative: user must exist.
    assert!(!p[5].negated);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].fragment, "lower(process)=\"y\"");
}

#[test]
fn subsearch_predicates_are_read() {
    let (p, _, dm) = flat(
        r#"| tstats count from datamodel=Endpoint.Processes by Processes.process_guid | join process_guid [| tstats count from datamodel=Endpoint.Filesystem where Filesystem.file_name="dynwrapx.dll" by Filesystem.dest] | stats count"#,
    );
    assert_eq!(dm, vec!["Endpoint.Processes", "Endpoint.Filesystem"]);
    assert_eq!(
        summary(&p),
        vec![("Filesystem.file_name", Op::Eq, "dynwrapx.dll", false, false)]
    );
}

#[test]
fn detection_yaml_maps_cim_fields() {
    let tax = Taxonomy::builtin();
    let text = r#"
name: Pipe Thing
id: abc
data_source:
- Sysmon EventID 17 AND Sysmon EventID 18
- CrowdStrike Something
search: '| tstats count from datamodel=Endpoint.Processes where Processes.process_name=cmd.exe Processes.process="*\\\\.\\pipe\\*" by Processes.dest'
tags:
  mitre_attack_id:
  - T1559
"#;
    let r = load_splunk("p.yml", text, &tax).unwrap();
    assert_eq!(r.techniques, vec!["T1559"]);
    let fields: Vec<(&str, &str)> = r
        .predicates
        .iter()
        .map(|p| (p.field.as_str(), p.original.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Image", "Processes.process_name"),
            ("CommandLine", "Processes.process")
        ]
    );
    assert_eq!(r.predicates[1].value, "*\\\\.\\pipe\\*");
    let ids: Vec<Option<u32>> = r.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, vec![Some(17), Some(18), None]);
    assert!(load_splunk("bad.yml", "name: [", &tax).is_err());
}

#[test]
fn where_binds_and_tighter_than_or() {
    // `where a AND b OR c`: (a AND b) OR c, so nothing is required.
    let (p, _, _) = flat(r#"| where a="1" AND cidrmatch("10.0.0.0/8", src) OR c=="3""#);
    assert_eq!(
        summary(&p),
        vec![
            ("a", Op::Eq, "1", false, false),
            ("src", Op::Cidr, "10.0.0.0/8", false, false),
            ("c", Op::Eq, "3", false, false),
        ]
    );
    assert!(p.iter().all(|p| !p.required));
    // In a search, OR binds tighter: `a=1 b=2 OR c=3` is a AND (b OR c).
    let (p, _, _) = flat("search a=1 b=2 OR c=3");
    let req: Vec<bool> = p.iter().map(|p| p.required).collect();
    assert_eq!(req, vec![true, false, false]);
}
