//! The SigmaHQ corpus (`../shared/corpus/sigma`) loads.

mod common;

use std::collections::BTreeMap;

use ipchunt_core::Taxonomy;
use ipchunt_sigma::{Rejection, RuleSet};

use common::ACTIVE_DIRS as ACTIVE;

fn print_grouped(what: &str, list: &[Rejection]) {
    let mut by: BTreeMap<&str, Vec<&Rejection>> = BTreeMap::new();
    for r in list {
        by.entry(&r.reason).or_default().push(r);
    }
    for (reason, rs) in by {
        println!("{what}: {reason} ({})", rs.len());
        for r in rs {
            println!("    {r}");
        }
    }
}

fn yml_count(dir: &std::path::Path) -> usize {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                n += yml_count(&p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn active_rules_load() {
    let Some(shared) = common::shared() else {
        return;
    };
    let sigma = shared.join("corpus/sigma");
    let mut rs = RuleSet::new(Taxonomy::builtin());
    let mut files = 0;
    for d in ACTIVE {
        rs.add_path(&sigma.join(d), false);
        files += yml_count(&sigma.join(d));
    }
    let loaded = rs.loaded();
    let engine = rs.compile();
    let rejected = engine.rejections();
    print_grouped("rejected", rejected);
    let mut warn_by: BTreeMap<&str, usize> = BTreeMap::new();
    for w in engine.warnings() {
        *warn_by.entry(&w.reason).or_default() += 1;
    }
    println!("warnings by reason: {warn_by:?}");
    let mut unmapped: BTreeMap<&str, usize> = BTreeMap::new();
    for w in engine.warnings() {
        if w.reason == "logsource maps to no source" {
            let ls = w.detail.split(':').next().unwrap_or("");
            *unmapped.entry(ls).or_default() += 1;
        }
    }
    for (ls, n) in &unmapped {
        println!("unmapped logsource {ls}: {n} rules");
    }
    println!(
        "{files} files, {loaded} loaded ({} detection, {} correlation), {} rejected",
        engine.rules().len(),
        engine.correlations().len(),
        rejected.len()
    );
    assert_eq!(files, 3780);
    // Every file is accounted for: loaded or rejected.
    assert_eq!(
        loaded
            + rejected
                .iter()
                .filter(|r| r.reason != "correlation refers to an unknown rule")
                .count(),
        files
    );
    assert!(loaded * 1000 >= files * 995, "{loaded} of {files}");
    assert_eq!(
        loaded, 3780,
        "loaded count changed; see rejected list above"
    );
}

#[test]
fn deprecated_rules_load() {
    let Some(shared) = common::shared() else {
        return;
    };
    let dir = shared.join("corpus/sigma/deprecated");
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_path(&dir, false);
    print_grouped("rejected", rs.rejections());
    // Deprecated rules load, save one written with a Sigma 1 aggregation
    // (`| count() by ...`, replaced by correlation rules in Sigma 2) and
    // one whose status says it is unsupported.
    let mut reasons: Vec<&str> = rs.rejections().iter().map(|r| r.reason.as_str()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "aggregation in condition (use a correlation rule)",
            "status unsupported"
        ]
    );
    assert_eq!(rs.loaded() + reasons.len(), yml_count(&dir));
}

#[test]
fn unsupported_rules_are_rejected_with_reasons() {
    let Some(shared) = common::shared() else {
        return;
    };
    let dir = shared.join("corpus/sigma/unsupported");
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_path(&dir, false);
    print_grouped("rejected", rs.rejections());
    let files: std::collections::BTreeSet<&str> =
        rs.rejections().iter().map(|r| r.file.as_str()).collect();
    assert!(rs.rejections().iter().all(|r| !r.reason.is_empty()));
    // Four rules in unsupported/ are valid Sigma as written; their flaw is
    // in meaning, which no syntax check can see. The auditd rule asks one
    // SYSCALL record for fields of other records (cwd, cmdline); two file
    // event rules ask for fields Sysmon file events do not carry
    // (IntegrityLevel; FileName, FileMagicBytes); the WerFault rule compares
    // Image, a full path, with a bare file name and IP addresses with
    // wildcards. They load (and cannot fire on real logs); every other rule
    // there is rejected with its reason.
    let loaded_anyway = [
        "linux/lnx_auditd_omigod_scx_runasprovider_executescript.yml",
        "windows/sysmon_non_priv_program_files_move.yml",
        "windows/file_event_executable_and_script_creation_by_office_using_file_ext.yml",
        "windows/win_suspicious_werfault_connection_outbound.yml",
    ];
    for f in loaded_anyway {
        assert!(!files.iter().any(|x| x.ends_with(f)), "{f} was rejected");
    }
    assert_eq!(rs.loaded(), loaded_anyway.len());
    assert_eq!(files.len() + loaded_anyway.len(), yml_count(&dir));
}
