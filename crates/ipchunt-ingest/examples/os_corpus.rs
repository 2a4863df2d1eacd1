//! Writes large inputs for measuring the Linux, macOS and Defender readers,
//! made by repeating the test fixtures:
//!
//! ```text
//! os_corpus OUT_DIR
//! ```
//!
//! - `audit.log`: the auditd fixtures' events, 40,000 events, every
//!   event with a serial of its own;
//! - `sysmon.log`: the Sysmon for Linux syslog fixtures, 100,000 lines;
//! - `es.jsonl`: the eslogger fixtures, 40,000 lines;
//! - `defender.csv`: the Defender named-pipe CSV rows, 100,000 rows.
//!
//! See docs/performance.md for the measurements made with them.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Replaces the serial of `msg=audit(TIME:SERIAL)` in a record line.
fn with_serial(line: &str, serial: u64) -> String {
    let Some(start) = line.find("msg=audit(") else {
        return line.to_owned();
    };
    let Some(colon) = line[start..].find(':').map(|c| start + c) else {
        return line.to_owned();
    };
    let Some(close) = line[colon..].find(')').map(|c| colon + c) else {
        return line.to_owned();
    };
    format!("{}{serial}{}", &line[..colon + 1], &line[close..])
}

fn serial_of(line: &str) -> Option<&str> {
    let start = line.find("msg=audit(")?;
    let colon = start + line[start..].find(':')?;
    let close = colon + line[colon..].find(')')?;
    Some(&line[colon + 1..close])
}

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "os_corpus".into()),
    );
    fs::create_dir_all(&out)?;

    // auditd: events grouped by serial, then written with fresh serials.
    let text =
        fixture("auditd/malicious_docker_sock.log") + &fixture("auditd/benign_docker_cli.log");
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let s = serial_of(line).unwrap_or("").to_owned();
        match groups.iter_mut().find(|(k, _)| *k == s) {
            Some((_, g)) => g.push(line),
            None => groups.push((s, vec![line])),
        }
    }
    let mut w = BufWriter::new(File::create(out.join("audit.log"))?);
    let mut serial = 100_000u64;
    while serial < 140_000 {
        for (_, g) in &groups {
            serial += 1;
            for line in g {
                writeln!(w, "{}", with_serial(line, serial))?;
            }
        }
    }
    w.flush()?;

    let repeat = |name: &str,
                  lines: Vec<String>,
                  header: Option<String>,
                  n: usize,
                  eol: &str|
     -> std::io::Result<()> {
        let mut w = BufWriter::new(File::create(out.join(name))?);
        if let Some(h) = header {
            write!(w, "{h}{eol}")?;
        }
        let mut written = 0;
        while written < n {
            for l in &lines {
                write!(w, "{l}{eol}")?;
                written += 1;
            }
        }
        w.flush()
    };
    let lines = |t: String| t.lines().map(str::to_owned).collect::<Vec<_>>();
    repeat(
        "sysmon.log",
        lines(
            fixture("sysmon_linux/malicious_dbus_child.log")
                + &fixture("sysmon_linux/benign_dbus_helper.log"),
        ),
        None,
        100_000,
        "\n",
    )?;
    repeat(
        "es.jsonl",
        lines(fixture("eslogger/malicious_xpc.jsonl") + &fixture("eslogger/benign_xpc.jsonl")),
        None,
        40_000,
        "\n",
    )?;
    let mal = fixture("defender/malicious_pipe_deviceevents.csv");
    let ben = fixture("defender/benign_pipe_deviceevents.csv");
    let mut rows: Vec<String> = mal
        .split("\r\n")
        .skip(1)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    rows.extend(
        ben.split("\r\n")
            .skip(1)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
    );
    let header = mal.split("\r\n").next().map(str::to_owned);
    repeat("defender.csv", rows, header, 100_000, "\r\n")?;
    Ok(())
}
