//! A report whose log values carry script-injection payloads.
#![allow(dead_code)]

use std::sync::Arc;

use ipchunt_core::{Detection, Event, Level, Locator, Provenance, RuleInfo, Taxonomy, Value};
use ipchunt_html::{HtmlReport, Summary};
use ipchunt_investigate::Investigation;

pub const TITLE: &str = "ipchunt test report";
/// Would set the title if run as markup.
pub const SCRIPT: &str = "<script>document.title='pwned-script'</script>";
/// Would set the title and add a <marquee> if its onerror ran.
pub const IMG: &str = "<img src=x onerror=\"document.title='pwned-img';document.body.appendChild(document.createElement('marquee'))\">";
/// Tries to leave the JSON data block.
pub const BREAKOUT: &str = "</script><script>document.title='pwned-breakout'</script><!--";
/// Tries to leave an attribute.
pub const ATTR: &str = "\"><svg onload=\"document.title='pwned-svg'\">";

fn ev(eid: u32, host: &str, time: &str, fields: &[(&str, &str)]) -> Event {
    let tax = Taxonomy::builtin();
    let mut p = Provenance::new(
        "payload.evtx".into(),
        Locator::EvtxRecord(eid as u64),
        "evtx",
    );
    p.channel = Some("Microsoft-Windows-Sysmon/Operational".into());
    p.provider = Some("Microsoft-Windows-Sysmon".into());
    p.event_id = Some(eid);
    p.computer = Some(host.into());
    p.timestamp = Some(time.parse().unwrap());
    let mut e = Event::new(p);
    for (k, v) in fields {
        e.push(tax.resolve(k), Value::str(*v));
    }
    e
}

pub fn payload_report() -> HtmlReport {
    let host = format!("WS1{ATTR}");
    let image = format!("C:\\Users\\eve\\{SCRIPT}.exe");
    let parent = format!("C:\\Windows\\System32\\mmc.exe{IMG}");
    let create = ev(
        1,
        &host,
        "2024-05-01T10:00:03Z",
        &[
            ("Image", &image),
            ("ProcessGuid", "{00000000-0000-0000-0000-00000000000c}"),
            ("ProcessId", "4200"),
            (
                "CommandLine",
                &format!("cmd.exe /c {BREAKOUT} {IMG}\u{2028}"),
            ),
            ("ParentImage", &parent),
            ("ParentCommandLine", "mmc.exe -Embedding"),
            ("ParentProcessId", "4100"),
            ("User", &format!("CORP\\{IMG}")),
            ("IntegrityLevel", "High"),
        ],
    );
    let pipe = ev(
        17,
        &host,
        "2024-05-01T10:00:04Z",
        &[
            ("Image", &image),
            ("ProcessId", "4200"),
            ("PipeName", &format!("\\{SCRIPT}{IMG}")),
            ("User", "CORP\\eve"),
        ],
    );
    let mut inv = Investigation::new(Taxonomy::builtin());
    inv.observe(&create);
    inv.observe(&pipe);
    let rule = Arc::new(RuleInfo {
        id: "rule-1".into(),
        title: format!("Suspicious pipe {IMG}"),
        level: Level::High,
        techniques: vec!["T1559.001".into(), format!("T1559{SCRIPT}")],
        ..RuleInfo::default()
    });
    let dets = vec![
        Detection {
            rule: rule.clone(),
            event: Arc::new(pipe.clone()),
            matched: vec![("PipeName".into(), format!("\\{SCRIPT}{IMG}"))],
            correlation: None,
        },
        Detection {
            rule,
            event: Arc::new(create.clone()),
            matched: vec![("CommandLine".into(), BREAKOUT.into())],
            correlation: None,
        },
    ];
    let detections = inv.enrich(&dets);
    HtmlReport {
        title: TITLE.into(),
        generated: Some("2024-05-02T00:00:00Z".parse().unwrap()),
        summary: Summary {
            facts: vec![("Input".into(), format!("payload.evtx {IMG}"))],
        },
        detections,
        timeline: inv.timeline(),
        graph: inv.graph(),
        deviations: Vec::new(),
    }
}
