//! The same behaviours seen through other sources than Sysmon: Security
//! 4688 process creation and Defender for Endpoint NamedPipeEvent rows.

mod common;

use std::collections::BTreeMap;

use common::{fixtures_dir, load_pack};

fn fired(file: &str) -> BTreeMap<String, usize> {
    let pack = load_pack();
    let out = pack.hunt(&[fixtures_dir().join("_sources").join(file)]);
    assert!(out.bad.is_empty(), "{file}: {:?}", out.bad);
    assert!(out.events > 0, "{file}: no events");
    out.fired_rules()
}

#[test]
fn security_4688_feeds_the_office_shell_rule() {
    // A cmd.exe child of Word fires; Word's print helper does not.
    let got = fired("security_4688_office_child.jsonl");
    assert_eq!(got.get("proc_office_dde_shell_child"), Some(&1), "{got:?}");
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn defender_named_pipe_events_feed_the_pipe_lists() {
    let got = fired("defender_named_pipes.jsonl");
    let want: BTreeMap<String, usize> = [
        ("pipe_c2_framework_defaults", 1),
        ("pipe_rmm_tools", 1),
        ("pipe_pua_tools", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn winlogbeat_ecs_events_feed_the_dcom_mmc_correlation() {
    // ECS names: process.entity_id / process.parent.entity_id carry the
    // correlation's key, network.direction "ingress" the inbound side.
    let got = fired("winlogbeat_dcom_mmc.ndjson");
    assert_eq!(
        got.get("corr_dcom_mmc20_lateral_movement"),
        Some(&1),
        "{got:?}"
    );
    assert_eq!(got.get("proc_com_server_spawns_shell"), Some(&1), "{got:?}");
    assert_eq!(got.len(), 2, "{got:?}");
}
