//! Reading a stream, and walking directories of mixed formats.

mod common;

use std::io::{BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Collect, files_with_ext, regression_dir, scratch};
use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions, ingest, read_stream};

/// Counts events as they arrive.
#[derive(Default)]
struct Seen(Arc<AtomicUsize>);
impl EventSink for Seen {
    fn events(&self, batch: Vec<Event>) {
        self.0.fetch_add(batch.len(), Ordering::SeqCst);
    }
    fn bad(&self, _: BadRecord) {}
}

/// Gives one line per read, and checks that the sink already has every
/// event of the lines given before.
struct Lines {
    lines: Vec<&'static [u8]>,
    given: usize,
    seen: Arc<AtomicUsize>,
}
impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        assert_eq!(
            self.seen.load(Ordering::SeqCst),
            self.given,
            "events wait for more input"
        );
        let Some(line) = self.lines.get(self.given) else {
            return Ok(0);
        };
        buf[..line.len()].copy_from_slice(line);
        self.given += 1;
        Ok(line.len())
    }
}

#[test]
fn stream_hands_each_event_on_at_once() {
    let tax = Taxonomy::builtin();
    let sink = Seen::default();
    let src = Lines {
        lines: vec![
            b"{\"source\":\"WinEventLog:Security\",\"EventCode\":4688}\n",
            b"{\"source\":\"WinEventLog:Security\",\"EventCode\":4689}\n",
            b"{\"Event\":{\"System\":{\"EventID\":1}}}\n",
        ],
        given: 0,
        seen: sink.0.clone(),
    };
    let r = read_stream(BufReader::with_capacity(16, src), "-", &tax, &sink);
    assert_eq!(
        (r.records, r.events, r.bad_records, r.files_read),
        (3, 3, 0, 1)
    );
    assert!(r.bytes > 100);
}

#[test]
fn directories_of_mixed_formats() {
    let Some(dir) = regression_dir() else { return };
    let d = scratch("walk");
    let nested = d.join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let evtx = files_with_ext(&dir, "evtx");
    let json = files_with_ext(&dir, "json");
    // Names say nothing: the content decides.
    for (i, f) in evtx.iter().take(5).enumerate() {
        std::fs::copy(f, nested.join(format!("log{i}.json"))).unwrap();
    }
    for (i, f) in json.iter().take(5).enumerate() {
        std::fs::copy(f, d.join(format!("export{i}.evtx"))).unwrap();
    }
    std::fs::write(d.join("a/events.xml.txt"), "<Events><Event><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System></Event></Events>").unwrap();
    let tax = Taxonomy::builtin();
    let sink = Collect::default();
    let opts = IngestOptions {
        threads: 2,
        keep_raw: false,
        batch_size: 2,
    };
    let r = ingest(std::slice::from_ref(&d), &opts, &tax, &sink);
    assert_eq!(r.files_seen, 11);
    assert_eq!(r.by_format.get("evtx"), Some(&5));
    assert_eq!(r.by_format.get("json"), Some(&5));
    assert_eq!(r.by_format.get("xml"), Some(&1));
    assert_eq!(r.bad_records, 0);
    assert_eq!(r.records, r.events);
    assert!(sink.batches.lock().unwrap().iter().all(|&n| n <= 2));
    let done = sink.done.lock().unwrap();
    assert_eq!(done.len(), 11);
    assert_eq!(done.iter().map(|d| d.events).sum::<u64>(), r.events);
}
