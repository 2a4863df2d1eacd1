//! Helpers shared by the command-line tests.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Output, Stdio};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The third-party corpora beside the repository, when present.
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this test needs the shared corpora",
            p.display()
        );
        None
    }
}

pub fn ipchunt() -> Command {
    let mut c = Command::cargo_bin("ipchunt").expect("the ipchunt binary is built");
    c.current_dir(repo());
    c.env_remove("NO_COLOR");
    c
}

/// `ipchunt args` started in the repository with its standard input and
/// output piped, for a test that talks to it while it runs; `stderr` says
/// where its standard error goes.
pub fn spawn_piped(args: &[String], stderr: Stdio) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("ipchunt"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("ipchunt starts")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}
