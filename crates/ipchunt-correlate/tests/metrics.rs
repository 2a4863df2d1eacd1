//! The metric correlations of Sigma 2.1: value_sum, value_avg,
//! value_percentile and value_median.

mod common;

use common::*;
use ipchunt_core::Value;

fn traffic(secs: i64, ip: &str, field: &str, v: i64) -> std::sync::Arc<ipchunt_core::Event> {
    evv(
        Some(secs),
        &[
            ("SourceIP", Value::str(ip)),
            ("User", Value::str("bob")),
            (field, Value::Int(v)),
        ],
    )
}

#[test]
fn value_sum_spec_example_adds_bytes_sent() {
    let Some(yaml) = spec_example("value_sum.yml") else {
        return;
    };
    let mut s = load(&yaml, &["website_access"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let r = "website_access";
    assert!(
        s.feed(r, &traffic(0, "10.0.0.5", "bytes_sent", 400_000))
            .is_empty()
    );
    assert!(
        s.feed(r, &traffic(1, "10.0.0.6", "bytes_sent", 900_000))
            .is_empty()
    );
    assert!(
        s.feed(r, &traffic(2, "10.0.0.5", "bytes_sent", 600_000))
            .is_empty(),
        "1,000,000 is not more"
    );
    // A text number counts as a number.
    let text = evv(
        Some(3),
        &[
            ("SourceIP", Value::str("10.0.0.5")),
            ("User", Value::str("bob")),
            ("bytes_sent", Value::str("1")),
        ],
    );
    let hits = s.feed(r, &text);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.value, 1_000_001.0);
    assert_eq!(group(&hits[0], "SourceIP"), "10.0.0.5");
    // Values older than the hour leave the sum.
    let mut s = load(&yaml, &["website_access"]);
    s.feed(r, &traffic(0, "10.0.0.5", "bytes_sent", 600_000));
    assert!(
        s.feed(r, &traffic(3601, "10.0.0.5", "bytes_sent", 600_000))
            .is_empty()
    );
}

#[test]
fn value_avg_spec_example_averages_bytes_out() {
    let Some(yaml) = spec_example("value_avg.yml") else {
        return;
    };
    let mut s = load(&yaml, &["rule_a_id"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let r = "rule_a_id";
    assert!(s.feed(r, &traffic(0, "a", "BytesOut", 100)).is_empty());
    assert!(
        s.feed(r, &traffic(1, "a", "BytesOut", 900)).is_empty(),
        "avg 500"
    );
    // Not a number: takes no part.
    let bad = evv(
        Some(2),
        &[
            ("SourceIP", Value::str("a")),
            ("User", Value::str("bob")),
            ("BytesOut", Value::str("lots")),
        ],
    );
    assert!(s.feed(r, &bad).is_empty());
    assert_eq!(s.corr.stats().missing_value_field, 1);
    let hits = s.feed(r, &traffic(3, "a", "BytesOut", 503));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.value, 501.0);
    assert_eq!(hits[0].info.events.len(), 3);
}

#[test]
fn value_percentile_uses_the_given_rank() {
    let yaml = r#"
title: Slow requests
correlation:
    type: value_percentile
    rules: [req]
    group-by: [SourceIP]
    timespan: 10m
    condition:
        field: Duration
        percentile: 90
        gt: 1000
"#;
    let mut s = load(yaml, &["req"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let mut hits = Vec::new();
    // Nine fast requests, then slow ones: p90 of 10 values 100..100,5000
    // is 100 + 0.1 * 4900 = 590; with a second slow one, 5000.
    for i in 0..9 {
        hits.extend(s.feed("req", &traffic(i, "a", "Duration", 100)));
    }
    hits.extend(s.feed("req", &traffic(9, "a", "Duration", 5000)));
    assert!(hits.is_empty());
    hits.extend(s.feed("req", &traffic(10, "a", "Duration", 5000)));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.value, 5000.0);
}

#[test]
fn value_median_and_the_spec_percentile_example() {
    let yaml = r#"
title: Median
correlation:
    type: value_median
    rules: [req]
    group-by: [SourceIP]
    timespan: 10m
    condition:
        field: Duration
        lte: 150
"#;
    let mut s = load(yaml, &["req"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    for (i, v) in [100, 200, 140, 160].iter().enumerate() {
        assert!(
            s.feed("req", &traffic(i as i64, "a", "Duration", *v))
                .is_empty()
        );
    }
    for (i, v) in [100, 900, 1000].iter().enumerate() {
        assert!(
            s.feed("req", &traffic(i as i64 + 4, "b", "Duration", *v))
                .is_empty()
        );
    }
    let hits = s.corr.finish();
    assert_eq!(hits.len(), 1, "lte is judged on complete windows");
    assert_eq!(group(&hits[0], "SourceIP"), "a");
    assert_eq!(hits[0].info.value, 150.0);

    // The specification's percentile example loads and runs (its field,
    // Image, holds no numbers, so it measures nothing).
    let Some(yaml) = spec_example("value_percentile.yml") else {
        return;
    };
    let mut s = load(&yaml, &["process_creation"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let e = ev(0, &[("ComputerName", "h"), ("Image", "C:\\x.exe")]);
    assert!(s.feed("process_creation", &e).is_empty());
    assert!(s.corr.finish().is_empty());
    assert_eq!(s.corr.stats().missing_value_field, 1);
}

#[test]
fn metrics_need_a_field() {
    let yaml = r#"
title: No field
correlation:
    type: value_sum
    rules: [req]
    group-by: [SourceIP]
    timespan: 10m
    condition:
        gt: 5
"#;
    let s = load(yaml, &["req"]);
    assert_eq!(s.errors.len(), 1);
    assert_eq!(
        s.errors[0].to_string(),
        "correlation \"No field\": value_sum needs `field` in its condition"
    );
}
