//! `ipchunt catalog` over the vendor corpora.

mod common;

use common::{ipchunt, shared, stderr, stdout};

#[test]
fn t1559_catalog_merges_vendors_and_judges_coverage() {
    let Some(c) = shared() else { return };
    let o = ipchunt()
        .args(["catalog", "--technique", "T1559", "-f", "jsonl"])
        .arg(c.join("sigma/rules"))
        .arg(c.join("elastic/rules"))
        .arg(c.join("splunk/detections"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().count() > 10, "{out}");
    for l in out.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }
    let md = ipchunt()
        .args(["catalog", "--technique", "T1559", "-f", "markdown"])
        .arg(c.join("sigma/rules"))
        .output()
        .unwrap();
    assert!(stdout(&md).starts_with('#'), "{}", stdout(&md));

    let o = ipchunt()
        .args(["catalog", "--technique", "T1559", "--against", "examples"])
        .arg(c.join("sigma/rules"))
        .arg(c.join("elastic/rules"))
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.contains("could fire"), "{out}");
    assert!(
        out.contains("cannot fire") && out.contains("missing"),
        "{out}"
    );
    assert!(stderr(&o).contains("rules could fire"), "{}", stderr(&o));
}

#[test]
fn missing_source_is_a_usage_error() {
    let o = ipchunt()
        .args(["catalog", "--technique", "T1559", "no/such/rules"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
