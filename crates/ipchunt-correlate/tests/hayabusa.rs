//! Hayabusa's correlation rules (`../shared/corpus/hayabusa-rules-correlation`)
//! load and fire on events shaped like their samples.

mod common;

use std::path::PathBuf;

use common::*;

fn rule_file(name: &str) -> Option<String> {
    let p: PathBuf = shared()?
        .join("corpus/hayabusa-rules-correlation/hayabusa/builtin/Security/LogonLogoff/Logon")
        .join(name);
    Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

fn logon(user: &str, ip: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TargetUserName", user.into()),
        ("TargetDomainName", ".".into()),
        ("IpAddress", ip.into()),
        ("LogonType", "3".into()),
        ("ProcessName", "-".into()),
        ("LogonProcessName", "User32".into()),
        ("WorkstationName", "KIOSK12".into()),
        ("Computer", "WS-FINANCE-07".into()),
    ]
}

fn feed(s: &mut Setup, rule: &str, secs: i64, user: &str, ip: &str) -> usize {
    let f = logon(user, ip);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.feed(rule, &ev(secs, &f)).len()
}

#[test]
fn pw_guessing_counts_failures_per_account_and_source() {
    let Some(yaml) = rule_file("Sec_4625_Med_LogonFail_WrongPW_PW-Guessing_Correlation.yml") else {
        return;
    };
    let mut s = load(&yaml, &[]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.corr.needed_rules(), vec![s.rule("incorrect_password")]);
    let r = "incorrect_password";
    for i in 0..4 {
        assert_eq!(feed(&mut s, r, i * 30, "Administrator", "10.40.1.23"), 0);
    }
    // Another source address is another group.
    assert_eq!(feed(&mut s, r, 130, "Administrator", "10.40.1.24"), 0);
    assert_eq!(feed(&mut s, r, 140, "Administrator", "10.40.1.23"), 1);
}

#[test]
fn user_guessing_counts_distinct_user_names() {
    let Some(yaml) = rule_file("Sec_4625_Med_LogonFail_UserGuessing_Correlation.yml") else {
        return;
    };
    let mut s = load(&yaml, &[]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let r = "non_existent_user";
    for (i, user) in ["NOUSER", "admin", "admin", "guest"].iter().enumerate() {
        assert_eq!(feed(&mut s, r, i as i64, user, "10.1.1.1"), 0);
    }
    // gt: 3 distinct names: the fourth name fires.
    assert_eq!(feed(&mut s, r, 10, "root", "10.1.1.1"), 1);
}

#[test]
fn pw_spray_groups_by_source_and_computer() {
    let Some(yaml) = rule_file("Sec_4648_Med_ExplicitLogon_PW-Spray_Correlation.yml") else {
        return;
    };
    let mut s = load(&yaml, &[]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let r = "explicit_logon";
    let users = ["u1", "u2", "u3", "u4"];
    for (i, u) in users.iter().enumerate() {
        assert_eq!(feed(&mut s, r, i as i64 * 60, u, "10.2.2.2"), 0);
    }
    // Five minutes after u1 (inclusive), a fifth name fires.
    let hits = {
        let f = logon("u5", "10.2.2.2");
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.feed(r, &ev(300, &f))
    };
    assert_eq!(hits.len(), 1);
    assert_eq!(group(&hits[0], "Computer"), "WS-FINANCE-07");
    assert_eq!(group(&hits[0], "IpAddress"), "10.2.2.2");
    assert_eq!(hits[0].info.value, 5.0);
}
