//! Throughput of the correlator: base-rule matches per second through
//! typical correlations, each over 200,000 matches in time order.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ipchunt_core::{Event, Locator, Provenance, Taxonomy, Value};
use ipchunt_correlate::{Correlator, RuleRef};
use jiff::Timestamp;

const N: usize = 200_000;

fn correlator(yaml: &str, bases: &[&str]) -> Correlator {
    let coll = rsigma_parser::parse_sigma_yaml(yaml).expect("bench YAML parses");
    let mut names: HashMap<String, RuleRef> = bases
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), RuleRef::Base(i)))
        .collect();
    for (i, c) in coll.correlations.iter().enumerate() {
        if let Some(n) = &c.name {
            names.insert(n.clone(), RuleRef::Correlation(i));
        }
    }
    let tax = Taxonomy::builtin();
    let (c, errors) = Correlator::new(&coll.correlations, &|s| names.get(s).copied(), &tax);
    assert!(errors.is_empty(), "{errors:?}");
    c
}

/// Matches (base rule, event): one every 10 ms, fields from `fields(i)`.
fn matches(
    fields: impl Fn(usize) -> (usize, Vec<(&'static str, Value)>),
) -> Vec<(usize, Arc<Event>)> {
    let tax = Taxonomy::builtin();
    (0..N)
        .map(|i| {
            let mut p = Provenance::new("bench".into(), Locator::Index(i as u64), "bench");
            p.timestamp = Timestamp::from_millisecond(1_700_000_000_000 + 10 * i as i64).ok();
            let mut e = Event::new(p);
            let (rule, fs) = fields(i);
            for (k, v) in fs {
                e.push(tax.resolve(k), v);
            }
            (rule, Arc::new(e))
        })
        .collect()
}

fn run(c: &mut Criterion, name: &str, yaml: &str, bases: &[&str], input: &[(usize, Arc<Event>)]) {
    let mut g = c.benchmark_group("correlate");
    g.throughput(Throughput::Elements(input.len() as u64));
    g.sample_size(10);
    g.bench_function(name, |b| {
        b.iter_batched(
            || correlator(yaml, bases),
            |mut corr| {
                let mut hits = 0usize;
                for (rule, ev) in input {
                    hits += corr.observe(*rule, ev).len();
                }
                hits += corr.finish().len();
                black_box(hits)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let guessing = r#"
title: Password guessing
correlation:
    type: event_count
    rules: [failed]
    group-by: [TargetUserName, IpAddress]
    timespan: 5m
    condition:
        gte: 5
"#;
    let input = matches(|i| {
        let user = i % 5000;
        (
            0,
            vec![
                ("TargetUserName", Value::str(format!("user{user}"))),
                ("IpAddress", Value::str(format!("10.0.0.{}", user % 91))),
            ],
        )
    });
    run(c, "event_count_5000_groups", guessing, &["failed"], &input);
    // The worst case: every match opens a group of its own.
    let input = matches(|i| {
        (
            0,
            vec![
                ("TargetUserName", Value::str(format!("user{i}"))),
                ("IpAddress", Value::str("10.0.0.1")),
            ],
        )
    });
    run(
        c,
        "event_count_new_group_per_match",
        guessing,
        &["failed"],
        &input,
    );

    let spray = r#"
title: Spray
correlation:
    type: value_count
    rules: [failed]
    group-by: [IpAddress]
    timespan: 5m
    condition:
        field: TargetUserName
        gte: 50
"#;
    let input = matches(|i| {
        (
            0,
            vec![
                ("TargetUserName", Value::str(format!("user{}", i % 997))),
                ("IpAddress", Value::str(format!("10.0.0.{}", i % 100))),
            ],
        )
    });
    run(c, "value_count_100_groups", spray, &["failed"], &input);

    let ordered = r#"
title: Recon chain
correlation:
    type: temporal_ordered
    rules: [a, b, c]
    group-by: [User]
    timespan: 1m
"#;
    let input = matches(|i| (i % 3, vec![("User", Value::str(format!("u{}", i % 1000)))]));
    run(
        c,
        "temporal_ordered_1000_groups",
        ordered,
        &["a", "b", "c"],
        &input,
    );

    let p90 = r#"
title: Slow
correlation:
    type: value_percentile
    rules: [req]
    group-by: [SourceIP]
    timespan: 1m
    condition:
        field: Duration
        percentile: 90
        gt: 990
"#;
    let input = matches(|i| {
        (
            0,
            vec![
                ("SourceIP", Value::str(format!("10.0.0.{}", i % 100))),
                ("Duration", Value::Int((i % 1000) as i64)),
            ],
        )
    });
    run(c, "value_percentile_100_groups", p90, &["req"], &input);
}

criterion_group!(correlate, benches);
criterion_main!(correlate);
