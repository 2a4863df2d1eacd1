//! Bad input of every kind: nothing panics, every bad record is named, the
//! rest is read, and the counts reconcile.

mod common;

use std::path::PathBuf;

use common::evtx_build::{self, CHUNK, HEADER};
use common::{Collect, files_with_ext, regression_dir, scratch};
use ipchunt_core::{Locator, Taxonomy, ValueRef};
use ipchunt_ingest::{IngestOptions, IngestReport, ingest};

fn run(paths: &[PathBuf], threads: usize) -> (Collect, IngestReport) {
    let tax = Taxonomy::builtin();
    let sink = Collect::default();
    let opts = IngestOptions {
        threads,
        keep_raw: true,
        batch_size: 16,
    };
    let r = ingest(paths, &opts, &tax, &sink);
    assert_eq!(r.records, r.events + r.bad_records, "{r:?}");
    assert_eq!(r.events, sink.events().len() as u64);
    let located = sink.bad().iter().filter(|b| b.locator.is_some()).count() as u64;
    assert_eq!(r.bad_records, located, "{:?}", sink.bad());
    (sink, r)
}

/// A small deterministic generator (no dependency needed for noise).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_and_empty_files() {
    let d = scratch("random");
    std::fs::write(d.join("noise.bin"), Noise(7).bytes(100_000)).unwrap();
    std::fs::write(d.join("empty.evtx"), b"").unwrap();
    std::fs::write(d.join("blank.json"), b"  \n\n").unwrap();
    let (sink, r) = run(std::slice::from_ref(&d), 2);
    assert_eq!(r.files_seen, 3);
    assert_eq!(r.files_failed, 1);
    assert_eq!(r.by_format.get("empty"), Some(&2));
    let bad = sink.bad();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].locator.is_none());
    assert!(
        bad[0].to_string().contains("noise.bin: unknown format"),
        "{}",
        bad[0]
    );
}

#[test]
fn missing_paths_are_reported() {
    let (sink, r) = run(&[PathBuf::from("/nonexistent/ipchunt/x.evtx")], 1);
    assert_eq!((r.files_seen, r.files_failed, r.records), (1, 1, 0));
    assert!(sink.bad()[0].reason.contains("cannot read"));
}

#[test]
fn evtx_with_garbage_chunks_and_short_header() {
    let d = scratch("garbage-evtx");
    // A valid-looking header followed by a chunk of noise.
    let mut f = b"ElfFile\0".to_vec();
    f.resize(HEADER, 0);
    f.extend(Noise(3).bytes(CHUNK));
    std::fs::write(d.join("noise-chunk"), &f).unwrap();
    // A file cut inside its header.
    std::fs::write(d.join("short"), &f[..1000]).unwrap();
    let (sink, r) = run(&[d.join("noise-chunk"), d.join("short")], 2);
    assert_eq!(r.files_failed, 1, "{:?}", sink.bad());
    assert_eq!(r.bad_records, 1);
    let bad = sink.bad();
    let chunk = bad.iter().find(|b| b.locator.is_some()).unwrap();
    assert_eq!(chunk.locator, Some(Locator::Offset(HEADER as u64)));
    assert!(chunk.reason.contains("chunk 0"), "{chunk}");
    let short = bad.iter().find(|b| b.locator.is_none()).unwrap();
    assert!(short.reason.contains("truncated"), "{short}");
}

/// Builds a log of several real chunks; `None` without the corpus.
fn real_chunks(n: usize) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let dir = regression_dir()?;
    let files = files_with_ext(&dir, "evtx");
    Some(evtx_build::chunks_of(&files[..n.min(files.len())]))
}

#[test]
fn multi_chunk_file_reads_like_its_parts() {
    let Some((header, chunks)) = real_chunks(200) else {
        return;
    };
    let d = scratch("multi");
    // 200 chunks: several units, read in parallel.
    std::fs::write(d.join("big.evtx"), evtx_build::build(&header, &chunks)).unwrap();
    let (sink, whole) = run(&[d.join("big.evtx")], 2);
    assert_eq!(whole.bad_records, 0);
    // The original record is kept, as rendered JSON.
    for ev in sink.events() {
        match &ev.raw {
            Some(ipchunt_core::Raw::Json(j)) => assert!(j.starts_with("{\"Event\":{"), "{j}"),
            other => panic!("raw: {other:?}"),
        }
        assert!(matches!(ev.prov.locator, Locator::EvtxRecord(_)));
    }
    let dir = regression_dir().unwrap();
    let parts: Vec<PathBuf> = files_with_ext(&dir, "evtx").into_iter().take(200).collect();
    let (_, sep) = run(&parts, 2);
    assert_eq!(whole.events, sep.events);
    assert!(whole.events > 200);
}

#[test]
fn truncated_and_corrupt_chunks() {
    let Some((header, chunks)) = real_chunks(3) else {
        return;
    };
    let d = scratch("corrupt");
    let full = evtx_build::build(&header, &chunks);
    let (_, good) = run(
        &[{
            let p = d.join("good.evtx");
            std::fs::write(&p, &full).unwrap();
            p
        }],
        1,
    );
    // Cut inside the last chunk: its records are one bad record, the rest reads.
    let cut = &full[..full.len() - CHUNK / 2];
    std::fs::write(d.join("cut.evtx"), cut).unwrap();
    let (sink, r) = run(&[d.join("cut.evtx")], 1);
    assert_eq!(r.bad_records, 1);
    assert!(r.events > 0 && r.events < good.events);
    let b = &sink.bad()[0];
    assert_eq!(
        b.locator,
        Some(Locator::Offset((HEADER + 2 * CHUNK) as u64))
    );
    assert!(b.to_string().contains("cut.evtx: offset"), "{b}");
    // A chunk whose magic is broken: one bad record, the other chunks read.
    let mut broken = full.clone();
    broken[HEADER + CHUNK..HEADER + CHUNK + 8].copy_from_slice(b"XXXXXXXX");
    std::fs::write(d.join("magic.evtx"), &broken).unwrap();
    let (sink, r) = run(&[d.join("magic.evtx")], 1);
    assert_eq!(r.bad_records, 1, "{:?}", sink.bad());
    assert!(r.events > 0 && r.events < good.events);
}

#[test]
fn noise_inside_real_chunks_never_panics() {
    let Some((header, chunks)) = real_chunks(4) else {
        return;
    };
    let d = scratch("fuzz");
    let mut noise = Noise(99);
    for round in 0..40 {
        let mut bytes = evtx_build::build(&header, &chunks);
        // Overwrite a few runs of the record area (UTF-16 strings, BinXML
        // tokens, sizes) with noise.
        for _ in 0..(1 + round % 5) {
            let at = HEADER + 512 + (noise.next() as usize % (bytes.len() - HEADER - 600));
            let len = 1 + noise.next() as usize % 64;
            let end = (at + len).min(bytes.len());
            let junk = noise.bytes(end - at);
            bytes[at..end].copy_from_slice(&junk);
        }
        let p = d.join(format!("fuzz{round}.evtx"));
        std::fs::write(&p, &bytes).unwrap();
        run(&[p], 2);
    }
}

#[test]
fn malformed_json_lines_and_invalid_utf8() {
    let d = scratch("jsonl");
    let mut body = Vec::new();
    body.extend_from_slice(
        b"{\"source\":\"WinEventLog:Security\",\"EventCode\":4688,\"NewProcessName\":\"a.exe\"}\n",
    );
    body.extend_from_slice(b"{\"EventCode\":1,\"Image\":\"cut\n");
    body.extend_from_slice(b"{\"EventCode\":1,\"Image\":\"\xff\xfe bad utf8\"}\n");
    body.extend_from_slice(b"not json at all\n");
    body.extend_from_slice(b"{\"EventCode\":2,}\n");
    body.extend_from_slice(b"{\"source\":\"WinEventLog:Security\",\"EventCode\":4689}\n");
    std::fs::write(d.join("x.jsonl"), &body).unwrap();
    let (sink, r) = run(&[d.join("x.jsonl")], 1);
    assert_eq!((r.events, r.bad_records), (2, 4), "{:?}", sink.bad());
    let lines: Vec<_> = sink.bad().iter().map(|b| b.locator).collect();
    assert_eq!(lines, [2, 3, 4, 5].map(|l| Some(Locator::Line(l))).to_vec());
    let utf = sink.bad()[1].reason.to_lowercase();
    assert!(utf.contains("unicode") || utf.contains("utf-8"), "{utf}");
}

#[test]
fn huge_fields_survive() {
    let d = scratch("huge");
    let big = "A".repeat(10 * 1024 * 1024);
    let line = format!(
        "{{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"winlog\":{{\"channel\":\"Security\",\"event_id\":4688,\"event_data\":{{\"CommandLine\":\"{big} \"}}}}}}\n"
    );
    std::fs::write(d.join("huge.json"), format!("{line}{line}")).unwrap();
    let xml = format!(
        "<Events><Event><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData><Data Name=\"CommandLine\">{big}</Data></EventData></Event></Events>"
    );
    std::fs::write(d.join("huge.xml"), xml).unwrap();
    let (sink, r) = run(&[d.join("huge.json"), d.join("huge.xml")], 2);
    assert_eq!((r.events, r.bad_records), (3, 0));
    let tax = Taxonomy::builtin();
    for ev in sink.events() {
        let Some(ValueRef::Str(s)) = ev.get_by_name(&tax, "CommandLine") else {
            panic!("no CommandLine")
        };
        // The trailing space is kept: readers never trim.
        assert!(s.len() == big.len() || (s.len() == big.len() + 1 && s.ends_with(' ')));
    }
}

#[test]
fn xml_exports_with_broken_events() {
    let d = scratch("xml");
    let x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n\
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>5145</EventID><Channel>Security</Channel><Computer>dc1</Computer></System><EventData><Data Name='ShareName'>\\\\*\\IPC$</Data><Data Name='RelativeTargetName'>svcctl</Data></EventData></Event>\n\
<Event><System><EventID>5145</System></Event>\n\
<Event><System><EventID>5140</EventID><Channel>Security</Channel></System><EventData><Data Name='ShareName'>\\\\*\\C$</Data></EventData></Event>\n\
<Event><System>\n</Events>";
    std::fs::write(d.join("export"), x).unwrap();
    let (sink, r) = run(&[d.join("export")], 1);
    assert_eq!(r.by_format.get("xml"), Some(&1));
    assert_eq!((r.events, r.bad_records), (2, 2), "{:?}", sink.bad());
    let tax = Taxonomy::builtin();
    let evs = sink.events();
    assert_eq!(
        evs[0].get_by_name(&tax, "RelativeTargetName"),
        Some(ValueRef::Str("svcctl"))
    );
    assert_eq!(evs[0].prov.channel.as_deref(), Some("Security"));
    let lines: Vec<_> = sink.bad().iter().map(|b| b.locator).collect();
    assert_eq!(lines, vec![Some(Locator::Line(4)), Some(Locator::Line(6))]);
}

#[test]
fn invalid_utf16_in_a_record() {
    let Some((header, chunks)) = real_chunks(1) else {
        return;
    };
    let d = scratch("utf16");
    let good = evtx_build::build(&header, &chunks);
    let (sink, clean) = run(
        &[{
            let p = d.join("good.evtx");
            std::fs::write(&p, &good).unwrap();
            p
        }],
        1,
    );
    assert_eq!(clean.bad_records, 0);
    // Put unpaired surrogates into every UTF-16 "C:\" of the chunk.
    let needle: Vec<u8> = "C:\\".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut bad = good.clone();
    let mut hits = 0;
    let mut i = HEADER;
    while let Some(k) = bad[i..].windows(needle.len()).position(|w| w == needle) {
        let at = i + k;
        bad[at..at + 4].copy_from_slice(&[0x00, 0xD8, 0x00, 0xDC + 0x10]);
        hits += 1;
        i = at + needle.len();
    }
    assert!(hits > 0, "the sample has a path");
    std::fs::write(d.join("bad.evtx"), &bad).unwrap();
    let (sink2, r) = run(&[d.join("bad.evtx")], 1);
    // Either the record is reported bad or it reads with the broken text
    // replaced; never more events than records, never a panic.
    assert_eq!(r.records, clean.records, "{:?}", sink2.bad());
    assert!(r.events + r.bad_records == clean.events);
    // The evtx crate decodes such text with replacement characters.
    let replaced = sink2.events().iter().any(|e| {
        e.fields()
            .any(|(_, v)| v.as_ref().as_str().is_some_and(|s| s.contains('\u{FFFD}')))
    });
    assert!(replaced || r.bad_records > 0);
    drop(sink);
}

#[test]
fn utf16_xml_export_with_a_broken_character() {
    let d = scratch("xml16");
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Events>\r\n<Event><System><EventID>17</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData><Data Name='PipeName'>\\msagent_é1</Data></EventData></Event>\r\n<Event><System><EventID>18</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData><Data Name='PipeName'>\\BROKEN</Data></EventData></Event>\r\n</Events>";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        // A lone surrogate in place of the `B` of BROKEN.
        let u = if u == u16::from(b'B') { 0xD800 } else { u };
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(d.join("export.xml"), &bytes).unwrap();
    let (sink, r) = run(&[d.join("export.xml")], 1);
    assert_eq!(r.by_format.get("xml"), Some(&1));
    assert_eq!((r.events, r.bad_records), (2, 0), "{:?}", sink.bad());
    let tax = Taxonomy::builtin();
    let pipes: Vec<String> = sink
        .events()
        .iter()
        .map(|e| {
            e.get_by_name(&tax, "PipeName")
                .unwrap()
                .text()
                .unwrap()
                .into_owned()
        })
        .collect();
    assert_eq!(pipes, ["\\msagent_é1", "\\\u{FFFD}ROKEN"]);
    let lines: Vec<_> = sink.events().iter().map(|e| e.prov.locator).collect();
    assert_eq!(lines, [Locator::Line(3), Locator::Line(4)]);
}
