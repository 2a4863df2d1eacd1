//! Coverage and field rows on small rules written here, one per vendor.

use std::sync::Arc;

use ipchunt_catalog::{
    LoadReport, ObservedTelemetry, Op, Vendor, build_catalog_from, coverage, load_elastic,
    load_sigma, load_splunk, render_coverage_jsonl, render_coverage_table, render_jsonl,
    render_markdown, render_table,
};
use ipchunt_core::{Event, Locator, Provenance, Taxonomy, Value};

const SIGMA: &str = r#"
title: Regsvr32 DNS
id: s1
logsource: {product: windows, category: dns_query}
detection:
    selection:
        Image|endswith: '\regsvr32.exe'
        QueryName|contains: 'evil'
    filter:
        QueryName|endswith: '.microsoft.com'
    condition: selection and not filter
tags: [attack.t1559.001]
"#;

const ELASTIC: &str = r#"
[rule]
name = "Xwizard COM"
rule_id = "e1"
type = "eql"
language = "eql"
query = '''process where host.os.type == "windows" and event.type == "start" and process.name : "xwizard.exe" and process.args : "RunWizard"'''
[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1559"
name = "Inter-Process Communication"
"#;

const SPLUNK: &str = r#"
name: Pipe Process
id: k1
data_source:
- Sysmon EventID 17
search: '`sysmon` EventCode=17 process_name=evil.exe PipeName="\\evil*" NOT pipe_name=\\ok | `pipe_process_filter`'
tags:
  mitre_attack_id:
  - T1559
"#;

fn catalog() -> ipchunt_catalog::Catalog {
    let tax = Taxonomy::builtin();
    let mut rules = load_sigma("s.yml", SIGMA, &tax).0;
    rules.push(load_elastic("e.toml", ELASTIC, &tax).unwrap());
    rules.push(load_splunk("k.yml", SPLUNK, &tax).unwrap());
    let other = load_sigma(
        "o.yml",
        &SIGMA.replace("t1559.001", "t1055").replace("s1", "s2"),
        &tax,
    )
    .0;
    rules.extend(other);
    let old = format!(
        "status: deprecated\n{}",
        SPLUNK.replace("Pipe Process", "Old Pipe")
    );
    rules.push(load_splunk("d.yml", &old, &tax).unwrap());
    build_catalog_from(rules, LoadReport::default(), "T1559", true)
}

#[test]
fn three_vendors_one_image_row() {
    let c = catalog();
    assert_eq!(c.rules.len(), 3);
    assert_eq!(c.corpus_rules, 4);
    assert_eq!(c.deprecated_rules, 1);
    assert_eq!(
        c.deprecated_under_technique,
        vec![(Vendor::Splunk, "Old Pipe".to_owned())]
    );
    let image = c.fields.iter().find(|f| f.field == "Image").unwrap();
    assert_eq!(image.rules, 3);
    let names: Vec<(Vendor, &str)> = image
        .originals
        .iter()
        .map(|(v, n)| (*v, n.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            (Vendor::Sigma, "Image"),
            (Vendor::Elastic, "process.name"),
            (Vendor::Splunk, "process_name")
        ]
    );
    assert_eq!(image.ops, vec![(Op::Eq, 2), (Op::EndsWith, 1)]);
    // Reach counts the rule outside the technique too.
    let q = c
        .indicators
        .iter()
        .find(|i| i.field == "QueryName")
        .unwrap();
    assert_eq!((q.rules, q.corpus_reach), (1, 2));
    let ex: Vec<(&str, &str)> = c
        .exclusions
        .iter()
        .map(|e| (e.field.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        ex,
        vec![("QueryName", ".microsoft.com"), ("PipeName", "\\ok")]
    );
    // Data-source selectors are not field rows.
    assert!(
        c.fields
            .iter()
            .all(|f| f.field != "host.os.type" && f.field != "EventID")
    );
    assert_eq!(c.unparsed.len(), 2);
}

fn event(channel: &str, provider: &str, id: u32, fields: &[(&str, &str)]) -> Event {
    let tax = Taxonomy::builtin();
    let mut p = Provenance::new(Arc::from("x.evtx"), Locator::EvtxRecord(1), "evtx");
    p.channel = Some(channel.into());
    p.provider = Some(provider.into());
    p.event_id = Some(id);
    let mut e = Event::new(p);
    for (k, v) in fields {
        e.push(tax.resolve(k), Value::str(*v));
    }
    e
}

#[test]
fn coverage_says_why_a_rule_cannot_fire() {
    let tax = Taxonomy::builtin();
    let c = catalog();
    let mut obs = ObservedTelemetry::new();
    let sysmon = (
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
    );
    obs.observe(
        &event(
            sysmon.0,
            sysmon.1,
            22,
            &[("Image", "C:\\x\\regsvr32.exe"), ("QueryName", "a.evil")],
        ),
        &tax,
    );
    obs.observe(
        &event(
            sysmon.0,
            sysmon.1,
            1,
            &[("Image", "C:\\x\\xwizard.exe"), ("CommandLine", "x")],
        ),
        &tax,
    );
    let cov = coverage(&c, &obs);
    let get = |t: &str| cov.iter().find(|r| r.rule.title == t).unwrap();
    let dns = get("Regsvr32 DNS");
    assert!(dns.could_fire, "{:?}", dns.reasons);
    // Sysmon 1 was seen, but `process.args` is nowhere in the telemetry.
    let xw = get("Xwizard COM");
    assert!(!xw.could_fire);
    assert_eq!(xw.reasons, vec!["missing field process.args"]);
    let pipe = get("Pipe Process");
    assert!(!pipe.could_fire);
    assert_eq!(
        pipe.reasons,
        vec![
            "missing event id 17 on Microsoft-Windows-Sysmon/Operational",
            "missing field PipeName"
        ]
    );
    let table = render_coverage_table(&cov, &obs);
    assert!(
        table.starts_with("2 events seen (1 channels, 6 fields): 1 rules could fire, 2 could not"),
        "{table}"
    );
    assert!(table.contains("missing field PipeName"));
    let lines: Vec<serde_json::Value> = render_coverage_jsonl(&cov, &obs)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["could_fire"], 1);
    let mut other = ObservedTelemetry::new();
    other.observe(
        &event("Security", "Microsoft-Windows-Security-Auditing", 4624, &[]),
        &tax,
    );
    let dns = coverage(&c, &other)
        .into_iter()
        .find(|r| r.rule.title == "Regsvr32 DNS")
        .unwrap();
    assert_eq!(
        dns.reasons[0],
        "missing channel Microsoft-Windows-Sysmon/Operational"
    );
}

#[test]
fn renderers_show_every_section() {
    let c = catalog();
    let t = render_table(&c);
    for want in [
        "T1559",
        "Events covered",
        "Fields filtered most",
        "Exclusions",
        "Unparsed fragments (2)",
    ] {
        assert!(t.contains(want), "{want}");
    }
    let j = render_jsonl(&c);
    let kinds: Vec<String> = j
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds[0], "summary");
    assert_eq!(kinds.iter().filter(|k| *k == "rule").count(), 3);
    let m = render_markdown(&c);
    assert!(
        m.contains("| Sysmon | Event ID 22 | DNSEvent (DNS query) | 1 |"),
        "{m}"
    );
    assert!(m.contains("<code>\\ok</code>"));
}
