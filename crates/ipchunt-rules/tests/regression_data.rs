//! The pack over SigmaHQ's regression samples (real Sysmon and Security
//! logs, benign background plus one attack each): prints how often each
//! rule fires, and holds every rule under a noise ceiling.

mod common;

use std::path::{Path, PathBuf};

use common::{load_pack, repo_root};

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "evtx") {
            out.push(p);
        }
    }
}

/// A rule firing on more events than this across the samples is noisy.
const NOISE_CEILING: usize = 5;

#[test]
fn pack_over_sigma_regression_data_stays_quiet() {
    let dir = repo_root().join("../shared/corpus/sigma/regression_data");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: {} not found; the regression-data noise check did not run",
            dir.display()
        );
        return;
    }
    // Each sample is there as .evtx and as .json of the same records; read
    // the EVTX only so that nothing is counted twice.
    let mut files = Vec::new();
    evtx_files(&dir, &mut files);
    files.sort();
    let pack = load_pack();
    let out = pack.hunt(&files);
    assert!(out.events > 100, "only {} events read", out.events);
    eprintln!(
        "regression data: {} EVTX files, {} events, {} bad records, {} detections",
        files.len(),
        out.events,
        out.bad.len(),
        out.fired.len()
    );
    let counts = out.fired_rules();
    for (rule, n) in &counts {
        eprintln!("{n:6}  {rule}");
    }
    for f in &out.fired {
        eprintln!("  {} <- {}", f.rule, f.at);
    }
    let noisy: Vec<_> = counts.iter().filter(|(_, n)| **n > NOISE_CEILING).collect();
    assert!(
        noisy.is_empty(),
        "rules above {NOISE_CEILING} detections: {noisy:?}"
    );
}
