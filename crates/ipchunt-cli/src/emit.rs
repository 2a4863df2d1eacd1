//! The end of a hunt over files: detections, sorted by time, investigated
//! and rendered on every worker thread a few at a time, and written in
//! order by the calling thread as they come back. Nothing but the
//! detections themselves is kept whole: at most a few chunks of rendered
//! bytes wait to be written.

use std::collections::BTreeMap;
use std::io;
use std::sync::Mutex;

use ipchunt_core::Detection;
use ipchunt_investigate::{Decision, Enriched, Investigation};
use ipchunt_report::{DetectionWriter, Investigated, Render};

use crate::investigate::Annotated;

/// Detections per chunk a worker takes at once: small enough to balance
/// the threads, large enough that taking one costs nothing.
pub const CHUNK: usize = 32;

/// Chunks rendered ahead of the writer, at most (a detection's JSON line
/// with its investigation is about 6 KB).
const AHEAD: usize = 64;

/// What the end of a hunt learned while writing.
#[derive(Default)]
pub struct Emitted {
    /// Every detection's investigation, in order, when asked to keep them
    /// (the HTML report); empty otherwise.
    pub enriched: Vec<Enriched>,
    /// How many detections got each decision.
    pub tier2: usize,
    pub tier1: usize,
    pub benign: usize,
}

impl Emitted {
    fn count(&mut self, e: &Enriched) {
        match e.escalation.decision {
            Decision::EscalateTier2 => self.tier2 += 1,
            Decision::Tier1Review => self.tier1 += 1,
            Decision::LikelyBenign => self.benign += 1,
        }
    }

    pub fn investigated(&self) -> usize {
        self.tier2 + self.tier1 + self.benign
    }
}

/// A chunk done: its place in the sequence, bytes and investigations.
type Done = (usize, Vec<u8>, Vec<Enriched>);

/// Investigates (with `inv`) and writes (to `writer`) every detection of
/// `chunks`, in order, on `threads` threads (0: all cores).
pub fn emit<I>(
    chunks: I,
    inv: Option<&Investigation>,
    writer: Option<&mut DetectionWriter>,
    threads: usize,
    keep_enriched: bool,
) -> io::Result<Emitted>
where
    I: Iterator<Item = io::Result<Vec<Detection>>> + Send,
{
    // The HTML report shows each detection's IPC window; the other
    // outputs need only the assessment.
    let full = keep_enriched;
    let threads = crate::cli::worker_threads(threads);
    let (render, mut out) = match writer.map(DetectionWriter::split) {
        Some((r, o)) => (Some(r), Some(o)),
        None => (None, None),
    };
    // The chunks in order, numbered as they are taken.
    let source = Mutex::new((chunks, 0usize));
    let failed: Mutex<Option<io::Error>> = Mutex::new(None);
    let (tx, rx) = crossbeam_channel::bounded::<Done>(AHEAD);
    let mut done = Emitted::default();
    let mut waiting: BTreeMap<usize, (Vec<u8>, Vec<Enriched>)> = BTreeMap::new();
    let mut next = 0usize;
    let mut write_err: Option<io::Error> = None;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (source, failed) = (&source, &failed);
            s.spawn(move || {
                loop {
                    let (seq, chunk) = {
                        let Ok(mut src) = source.lock() else { return };
                        let chunk = match src.0.next() {
                            None => return,
                            Some(Err(e)) => {
                                if let Ok(mut f) = failed.lock() {
                                    f.get_or_insert(e);
                                }
                                return;
                            }
                            Some(Ok(c)) => c,
                        };
                        let seq = src.1;
                        src.1 += 1;
                        (seq, chunk)
                    };
                    let (bytes, enriched) = work(&chunk, inv, render, full);
                    if tx.send((seq, bytes, enriched)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        // Written in order as chunks come back; after a write error (the
        // reader of a pipe went away) the workers stop when they next send.
        let rx = rx;
        for (seq, bytes, enriched) in rx.iter() {
            if write_err.is_some() {
                break;
            }
            waiting.insert(seq, (bytes, enriched));
            while let Some((bytes, enriched)) = waiting.remove(&next) {
                next += 1;
                if let Some(w) = out.as_mut()
                    && write_err.is_none()
                    && let Err(e) = w.write(&bytes)
                {
                    write_err = Some(e);
                }
                for e in &enriched {
                    done.count(e);
                }
                if keep_enriched {
                    done.enriched.extend(enriched);
                }
            }
        }
        drop(rx);
    });
    if let Some(e) = write_err {
        return Err(e);
    }
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    // Every chunk taken came back, unless a thread stopped.
    let taken = source.into_inner().map_or(usize::MAX, |(_, n)| n);
    if next != taken {
        return Err(io::Error::other(
            "a thread stopped while writing detections",
        ));
    }
    Ok(done)
}

/// One chunk: its investigations and rendered bytes.
fn work(
    part: &[Detection],
    inv: Option<&Investigation>,
    render: Option<&dyn Render>,
    full: bool,
) -> (Vec<u8>, Vec<Enriched>) {
    let enriched = match inv {
        Some(i) if full => i.enrich(part),
        Some(i) => i.assess(part),
        None => Vec::new(),
    };
    let mut bytes = Vec::new();
    if let Some(r) = render {
        for (i, d) in part.iter().enumerate() {
            let a = enriched.get(i).map(Annotated);
            r.render(d, a.as_ref().map(|a| a as &dyn Investigated), &mut bytes);
        }
    }
    (bytes, enriched)
}
