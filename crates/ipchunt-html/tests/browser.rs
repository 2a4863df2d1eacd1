//! Opens a report whose log values carry script payloads in headless
//! Chromium: the page loads, its own script runs, the detections table is
//! there, and no payload ran.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The browser to run: `IPCHUNT_CHROMIUM` (which must exist when set, so
/// that a wrong path fails instead of skipping), else /usr/bin/chromium.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IPCHUNT_CHROMIUM") {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "IPCHUNT_CHROMIUM={} does not exist",
            p.display()
        );
        return Some(p);
    }
    let p = PathBuf::from("/usr/bin/chromium");
    p.exists().then_some(p)
}

/// Runs Chromium headless on a file with a fresh profile; stdout goes to `out`.
fn chromium_run(bin: &Path, dir: &Path, profile: &str, extra: &[String], page: &Path, out: &Path) {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", dir.join(profile).display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::from(File::create(out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn report_opens_in_chromium_and_runs_no_injected_script() {
    let Some(bin) = chromium() else {
        eprintln!(
            "SKIPPED report_opens_in_chromium_and_runs_no_injected_script: no chromium at /usr/bin/chromium (apt-get install chromium, or set IPCHUNT_CHROMIUM)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let page = dir.join("report.html");
    std::fs::write(&page, ipchunt_html::render(&payload_report())).unwrap();

    let dom_path = dir.join("dom.html");
    chromium_run(
        &bin,
        dir,
        "profile-dom",
        // Let pending tasks (an image's error event, timers) run first.
        &["--virtual-time-budget=3000".into(), "--dump-dom".into()],
        &page,
        &dom_path,
    );
    let dom = std::fs::read_to_string(&dom_path).unwrap();

    // The page loaded and its own script ran (it fills the row count and
    // the host filter from the JSON data, through textContent).
    let title = &dom[dom.find("<title>").unwrap() + 7..dom.find("</title>").unwrap()];
    assert_eq!(title, TITLE, "document.title was changed by a payload");
    assert!(
        dom.contains("<table id=\"detections\">"),
        "detections table missing"
    );
    assert!(dom.contains("data-index=\"0\"") && dom.contains("data-index=\"1\""));
    assert!(
        dom.contains(">2 of 2 shown</span>"),
        "the report's own script did not run"
    );
    assert!(
        dom.contains("'pwned-svg'\"&gt;</option>"),
        "the host filter should list the payload host as text"
    );
    // No payload became an element or ran.
    assert!(
        !dom.contains("pwned-img\">") && !dom.contains("<marquee"),
        "img onerror ran"
    );
    assert!(!dom.contains("<img"), "an <img> element exists");
    assert!(!dom.contains("<svg onload"), "an svg onload element exists");
    assert_eq!(dom.matches("<script").count(), 2, "extra script elements");
    assert!(
        dom.contains("&lt;img src=x onerror="),
        "payload not shown as text"
    );
    assert!(dom.contains("&lt;script&gt;document.title='pwned-script'&lt;/script&gt;"));

    let shot = dir.join("report.png");
    chromium_run(
        &bin,
        dir,
        "profile-shot",
        &[
            "--window-size=1400,2000".into(),
            format!("--screenshot={}", shot.display()),
        ],
        &page,
        &dir.join("shot.log"),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "screenshot is not a PNG"
    );
    assert!(png.len() > 10_000, "screenshot is suspiciously small");
    eprintln!("screenshot: {}", shot.display());
}
