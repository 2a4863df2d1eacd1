//! The catalog on the shared corpora (SigmaHQ, Elastic detection-rules,
//! Splunk security_content). Without `<repo>/../shared/corpus` these tests
//! say what they skipped and pass.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ipchunt_catalog::{
    Catalog, CatalogRule, LoadReport, Vendor, build_catalog_from, load_sources, render_markdown,
};
use ipchunt_core::Taxonomy;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: no corpus at {} (corpus tests need ../shared)",
            p.display()
        );
        None
    }
}

fn sources(corpus: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus.join("sigma"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("rules")
        })
        .collect();
    out.sort();
    out.push(corpus.join("elastic/rules"));
    out.push(corpus.join("elastic/rules_building_block"));
    out.push(corpus.join("splunk/detections"));
    out
}

/// The whole corpus, loaded once for all tests.
fn loaded() -> Option<&'static (Vec<CatalogRule>, LoadReport)> {
    static ALL: OnceLock<Option<(Vec<CatalogRule>, LoadReport)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let c = corpus()?;
        Some(load_sources(&sources(&c), &Taxonomy::builtin()))
    })
    .as_ref()
}

fn catalog(technique: &str, sub: bool) -> Option<Catalog> {
    let (rules, report) = loaded()?;
    Some(build_catalog_from(
        rules.clone(),
        report.clone(),
        technique,
        sub,
    ))
}

fn titles(c: &Catalog, v: Vendor) -> Vec<&str> {
    c.rules
        .iter()
        .filter(|r| r.vendor == v)
        .map(|r| r.title.as_str())
        .collect()
}

#[test]
fn corpus_loads_and_counts_reconcile() {
    let Some((rules, report)) = loaded() else {
        return;
    };
    assert_eq!(
        report.files_read,
        report.files_with_rules + report.files_failed + report.skipped.len()
    );
    let per: Vec<(Vendor, usize)> = report.rules.clone();
    assert_eq!(per.iter().map(|(_, n)| n).sum::<usize>(), rules.len());
    // Every vendor's corpus is there and nearly all of it reads.
    for (v, n) in per {
        assert!(n > 1000, "{v}: {n} rules");
    }
    let elastic_not_parsed: Vec<&CatalogRule> = rules
        .iter()
        .filter(|r| r.vendor == Vendor::Elastic && !r.status.is_parsed())
        .collect();
    // ES|QL and machine-learning rules (and one Lucene rule) are listed, with a reason.
    assert!(elastic_not_parsed.iter().all(|r| match &r.status {
        ipchunt_catalog::RuleStatus::NotParsed(w) => !w.is_empty(),
        _ => false,
    }));
    assert!(
        rules
            .iter()
            .filter(|r| r.vendor == Vendor::Sigma)
            .all(|r| r.status.is_parsed())
    );
}

#[test]
fn t1559_rules_per_vendor() {
    let Some(c) = catalog("T1559", true) else {
        return;
    };
    assert_eq!(
        titles(&c, Vendor::Sigma),
        vec![
            "CMSTP Execution Process Access",
            "Dllhost.EXE Initiated Network Connection To Non-Local IP Address",
            "DNS Query Request By Regsvr32.EXE",
            "Enable Microsoft Dynamic Data Exchange",
            "Network Connection Initiated By Regsvr32.EXE",
            "Trickbot Malware Activity",
        ]
    );
    assert_eq!(
        titles(&c, Vendor::Elastic),
        vec![
            "Execution of COM object via Xwizard",
            "Incoming DCOM Lateral Movement via MSHTA",
            "Incoming DCOM Lateral Movement with MMC",
            "Incoming DCOM Lateral Movement with ShellBrowserWindow or ShellWindows",
            "Potential Command and Control via Internet Explorer",
            "Remote XSL Script Execution via COM",
            "Suspicious Explorer Child Process",
            "Suspicious Image Load (taskschd.dll) from MS Office",
            "Suspicious Inter-Process Communication via Outlook",
            "UAC Bypass Attempt via Elevated COM Internet Explorer Add-On Installer",
            "UAC Bypass Attempt with IEditionUpgradeManager Elevated COM Interface",
            "UAC Bypass via ICMLuaUtil Elevated COM Interface",
            "Unix Socket Connection",
            "Unusual D-Bus Daemon Child Process",
        ]
    );
    assert_eq!(
        titles(&c, Vendor::Splunk),
        vec!["Process Writing DynamicWrapperX"]
    );
    assert_eq!(
        c.by_vendor,
        vec![
            (Vendor::Sigma, 6),
            (Vendor::Elastic, 14),
            (Vendor::Splunk, 1)
        ]
    );
    // Without sub-techniques only the rules tagged T1559 itself remain.
    let exact = catalog("T1559", false).unwrap();
    assert!(exact.rules.len() < c.rules.len());
    assert!(
        exact
            .rules
            .iter()
            .all(|r| r.techniques.iter().any(|t| t == "T1559"))
    );
    // The community catalog's first table: these events are covered.
    let has = |id: u32| {
        c.events.iter().any(|e| {
            e.event.provider.as_deref() == Some("Microsoft-Windows-Sysmon")
                && e.event.event_id == Some(id)
        })
    };
    for id in [1, 3, 7, 10, 11, 13, 22] {
        assert!(has(id), "Sysmon {id}");
    }
    assert!(c.events.iter().any(|e| e.event.event_id == Some(4688)));
    // The sequence rules keep their join keys.
    let mshta = c
        .rules
        .iter()
        .find(|r| r.title == "Incoming DCOM Lateral Movement via MSHTA")
        .unwrap();
    assert_eq!(mshta.join_keys, vec!["host.id", "process.entity_id"]);
    // Loopback sources are the top exclusion of the DCOM rules.
    let top = &c.exclusions[0];
    assert_eq!((top.field.as_str(), top.rules), ("SourceIp", 3));
}

#[test]
fn image_process_name_and_process_name_share_one_row() {
    let Some(c) = catalog("T1218", true) else {
        return;
    };
    let row = c
        .fields
        .iter()
        .find(|f| f.field == "Image")
        .expect("Image row");
    let names: BTreeSet<(Vendor, &str)> = row
        .originals
        .iter()
        .map(|(v, n)| (*v, n.as_str()))
        .collect();
    assert!(names.contains(&(Vendor::Sigma, "Image")), "{names:?}");
    assert!(
        names.contains(&(Vendor::Elastic, "process.name")),
        "{names:?}"
    );
    assert!(
        names.contains(&(Vendor::Splunk, "Processes.process_name")),
        "{names:?}"
    );
    // The row counts each rule once, whichever of the names it uses.
    let by_hand = c
        .rules
        .iter()
        .filter(|r| r.predicates.iter().any(|p| p.field == "Image"))
        .count();
    assert_eq!(row.rules, by_hand);
    for v in [Vendor::Sigma, Vendor::Elastic, Vendor::Splunk] {
        assert!(
            row.per_vendor.iter().any(|(pv, n)| *pv == v && *n > 0),
            "{v}"
        );
    }
    assert!(row.per_vendor.iter().map(|(_, n)| n).sum::<usize>() == row.rules);
}

#[test]
fn indicator_reach_counts_the_whole_corpus() {
    let Some(c) = catalog("T1559", true) else {
        return;
    };
    let (all, _) = loaded().unwrap();
    let i = c
        .indicators
        .iter()
        .find(|i| i.field == "Image" && i.value == "mshta.exe")
        .expect("mshta indicator");
    let by_hand = all
        .iter()
        .filter(|r| !r.deprecated)
        .filter(|r| {
            r.predicates.iter().any(|p| {
                p.field == "Image"
                    && p.op == i.op
                    && !p.negated
                    && p.value.eq_ignore_ascii_case("mshta.exe")
            })
        })
        .count();
    assert_eq!(i.corpus_reach, by_hand);
    assert!(i.corpus_reach > i.rules);
}

/// `IPCHUNT_WRITE_CATALOG=1 cargo test -p ipchunt-catalog --test corpus`
/// rewrites docs/catalog/T1559.md; otherwise the committed page must match
/// what the renderer produces now.
#[test]
fn committed_t1559_page_is_current() {
    let Some(c) = catalog("T1559", true) else {
        return;
    };
    let page = render_markdown(&c);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/catalog/T1559.md");
    if std::env::var_os("IPCHUNT_WRITE_CATALOG").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &page).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("docs/catalog/T1559.md exists");
    assert_eq!(committed, page, "regenerate with IPCHUNT_WRITE_CATALOG=1");
}
