//! Every embedded rule parses as Sigma, carries the metadata the pack
//! promises, and its correlations refer to rules defined beside them.

use std::collections::{BTreeMap, BTreeSet};

use ipchunt_rules::builtin;
use rsigma_parser::{SigmaCollection, parse_sigma_yaml};

fn parse(path: &str, text: &str) -> SigmaCollection {
    let coll = parse_sigma_yaml(text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(coll.errors.is_empty(), "{path}: {:?}", coll.errors);
    coll
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[test]
fn every_rule_file_parses_without_errors() {
    let mut rules = 0;
    let mut correlations = 0;
    for file in builtin() {
        let coll = parse(file.path, file.text);
        assert!(
            !coll.rules.is_empty(),
            "{}: no detection rule in the file",
            file.path
        );
        rules += coll.rules.len();
        correlations += coll.correlations.len();
    }
    assert!(rules >= 40, "{rules} detection rules");
    assert!(correlations >= 5, "{correlations} correlation rules");
}

#[test]
fn ids_are_unique_uuids_and_metadata_is_complete() {
    let mut ids = BTreeSet::new();
    for file in builtin() {
        let coll = parse(file.path, file.text);
        // The headline of a file is its correlation if it has one, else its rule.
        let headline_level = coll
            .correlations
            .first()
            .map(|c| (c.level, c.references.len(), c.falsepositives.len(), &c.tags))
            .unwrap_or_else(|| {
                let r = &coll.rules[0];
                (r.level, r.references.len(), r.falsepositives.len(), &r.tags)
            });
        let (level, refs, fps, tags) = headline_level;
        assert!(level.is_some(), "{}: no level", file.path);
        assert!(refs > 0, "{}: no references", file.path);
        assert!(fps > 0, "{}: no falsepositives", file.path);
        assert!(
            tags.iter().any(|t| t == "attack.t1559"),
            "{}: no attack.t1559 tag",
            file.path
        );
        assert!(
            tags.iter().any(|t| t == "attack.execution"),
            "{}: no attack.execution tag",
            file.path
        );
        for r in &coll.rules {
            let id =
                r.id.as_deref()
                    .unwrap_or_else(|| panic!("{}: rule without id", file.path));
            assert!(is_uuid(id), "{}: id {id} is not a UUID", file.path);
            assert!(
                ids.insert(id.to_string()),
                "{}: duplicate id {id}",
                file.path
            );
            assert_eq!(r.author.as_deref(), Some("ipchunt"), "{}", file.path);
            assert!(r.date.is_some() && r.status.is_some(), "{}", file.path);
            assert!(r.description.is_some(), "{}: no description", file.path);
        }
        for c in &coll.correlations {
            let id =
                c.id.as_deref()
                    .unwrap_or_else(|| panic!("{}: correlation without id", file.path));
            assert!(is_uuid(id), "{}: id {id} is not a UUID", file.path);
            assert!(
                ids.insert(id.to_string()),
                "{}: duplicate id {id}",
                file.path
            );
        }
    }
}

#[test]
fn correlations_refer_to_rules_in_the_same_file() {
    let mut checked = 0;
    for file in builtin() {
        let coll = parse(file.path, file.text);
        let names: BTreeMap<&str, ()> = coll
            .rules
            .iter()
            .filter_map(|r| r.name.as_deref().map(|n| (n, ())))
            .collect();
        for c in &coll.correlations {
            for referenced in &c.rules {
                assert!(
                    names.contains_key(referenced.as_str()),
                    "{}: correlation refers to unknown rule {referenced}",
                    file.path
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5,
        "only {checked} correlation references checked"
    );
}

#[test]
fn layout_groups_rules_by_platform_and_mechanism() {
    for file in builtin() {
        let parts: Vec<&str> = file.path.split('/').collect();
        assert_eq!(
            parts.len(),
            4,
            "{}: expected rules/<platform>/<mechanism>/<file>",
            file.path
        );
        assert!(
            matches!(parts[1], "windows" | "linux" | "macos"),
            "{}: unknown platform",
            file.path
        );
        let coll = parse(file.path, file.text);
        // XPC rules carry T1559.003; DDE rules .002 unless about Office sandboxing in general.
        let sub = match (parts[1], parts[2]) {
            ("macos", "xpc") => Some("attack.t1559.003"),
            ("windows", "dcom") => Some("attack.t1559.001"),
            _ => None,
        };
        if let Some(sub) = sub {
            let headline = coll
                .correlations
                .first()
                .map(|c| &c.tags)
                .unwrap_or(&coll.rules[0].tags);
            assert!(
                headline.iter().any(|t| t == sub),
                "{}: no {sub} tag",
                file.path
            );
        }
        for r in &coll.rules {
            assert_eq!(
                r.logsource.product.as_deref(),
                Some(parts[1]),
                "{}: logsource product does not match folder",
                file.path
            );
        }
    }
}

#[test]
fn sigma_linter_reports_no_errors_or_warnings() {
    use rsigma_parser::{Severity, lint_yaml_str};
    let mut problems = Vec::new();
    for file in builtin() {
        for w in lint_yaml_str(file.text) {
            if matches!(w.severity, Severity::Error | Severity::Warning) {
                problems.push(format!("{}: {w}", file.path));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
