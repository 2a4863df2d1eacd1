//! The sample scenario under `examples/` (the README's first command runs
//! on it) fires exactly the rules it was written for, the expected number
//! of times, and its benign background fires nothing.

mod common;

use std::collections::BTreeMap;

use common::{load_pack, repo_root};

#[test]
fn examples_fire_the_rules_they_were_written_for() {
    let pack = load_pack();
    // The whole folder, as `ipchunt hunt examples/` reads it.
    let out = pack.hunt(&[repo_root().join("examples")]);
    for f in &out.fired {
        eprintln!("{:45} {}", f.rule, f.at);
    }
    assert!(out.bad.is_empty(), "bad records: {:?}", out.bad);
    assert_eq!(out.events, 48, "events read from examples/");
    let expected: BTreeMap<String, usize> = [
        // WS01: Word document runs a shell through DDE, DDE re-enabled.
        ("proc_office_dde_shell_child", 1),
        ("registry_office_dde_enabled", 1),
        // WS01: Cobalt Strike style beacon in rundll32.
        ("pipe_c2_framework_defaults", 2),
        ("pipe_anonymous_by_unusual_process", 1),
        // SRV-FILE01: refused remote ShellWindows launch, then MMC20.Application.
        ("dcom_remote_activation_denied", 1),
        ("corr_dcom_mmc20_lateral_movement", 1),
        ("proc_com_server_spawns_shell", 1),
        // SRV-FILE01: IPC$ and the service control manager pipe over it.
        ("share_ipc_remote_user_access", 1),
        ("share_ipc_sensitive_rpc_pipe", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(out.fired_rules(), expected);
}
