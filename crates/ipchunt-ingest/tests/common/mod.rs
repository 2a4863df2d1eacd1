//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ipchunt_core::Event;
use ipchunt_ingest::{BadRecord, EventSink, FileDone};

pub mod evtx_build;

/// A sink that keeps everything it is given.
#[derive(Default)]
pub struct Collect {
    pub events: Mutex<Vec<Event>>,
    pub bad: Mutex<Vec<BadRecord>>,
    pub done: Mutex<Vec<FileDone>>,
    pub batches: Mutex<Vec<usize>>,
}

impl EventSink for Collect {
    fn events(&self, batch: Vec<Event>) {
        self.batches.lock().unwrap().push(batch.len());
        self.events.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        self.bad.lock().unwrap().push(bad);
    }
    fn file_done(&self, f: &FileDone) {
        self.done.lock().unwrap().push(f.clone());
    }
}

impl Collect {
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
    pub fn bad(&self) -> Vec<BadRecord> {
        self.bad.lock().unwrap().clone()
    }
}

/// `<repo>/../shared/corpus/sigma/regression_data`, when present.
pub fn regression_dir() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = repo.join("../shared/corpus/sigma/regression_data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the tests that read real EVTX data did not run",
            dir.display()
        );
        None
    }
}

/// Every file under `dir` whose name ends with `ext`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A fresh scratch directory for one test, removed when the test is done
/// with it (some tests write tens of megabytes).
pub fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("ipchunt-ingest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
