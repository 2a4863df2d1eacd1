//! The end of a hunt over files: detections, sorted by time, investigated
//! and rendered on every worker thread a block at a time, then written in
//! order. Nothing but the detections themselves is kept whole: the bytes of
//! a block are written before the next block starts.

use std::io;

use ipchunt_core::Detection;
use ipchunt_investigate::{Decision, Enriched, Investigation};
use ipchunt_report::{DetectionWriter, Investigated, Render};

use crate::investigate::Annotated;

/// Detections per block: enough to keep the threads busy, small enough
/// that a block's rendered bytes stay a few megabytes (a detection's JSON
/// line with its investigation is about 6 KB).
pub const BLOCK: usize = 512;

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

/// Investigates (with `inv`) and writes (to `writer`) every detection of
/// `blocks`, in order, on `threads` threads (0: all cores).
pub fn emit(
    blocks: impl Iterator<Item = io::Result<Vec<Detection>>>,
    inv: Option<&Investigation>,
    mut writer: Option<&mut DetectionWriter>,
    threads: usize,
    keep_enriched: bool,
) -> io::Result<Emitted> {
    // The HTML report shows each detection's IPC window; the other
    // outputs need only the assessment.
    let full = keep_enriched;
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut done = Emitted::default();
    // Each thread renders into its own buffer, reused from block to block.
    let mut bufs: Vec<Vec<u8>> = (0..threads.max(1)).map(|_| Vec::new()).collect();
    for block in blocks {
        let block = block?;
        let render = writer.as_deref().map(DetectionWriter::renderer);
        let parts = if threads < 2 || block.len() < 64 {
            1
        } else {
            threads
        };
        let size = block.len().div_ceil(parts).max(1);
        let results: Vec<Option<Vec<Enriched>>> = std::thread::scope(|s| {
            let handles: Vec<_> = block
                .chunks(size)
                .zip(bufs.iter_mut())
                .map(|(part, buf)| s.spawn(move || work(part, inv, render, full, buf)))
                .collect();
            handles.into_iter().map(|h| h.join().ok()).collect()
        });
        for (enriched, bytes) in results.into_iter().zip(&bufs) {
            let enriched = enriched
                .ok_or_else(|| io::Error::other("a thread stopped while writing detections"))?;
            if let Some(w) = writer.as_deref_mut() {
                w.write_rendered(bytes)?;
            }
            for e in &enriched {
                done.count(e);
            }
            if keep_enriched {
                done.enriched.extend(enriched);
            }
        }
    }
    Ok(done)
}

/// One thread's share of a block: its investigations, and its rendered
/// bytes in `bytes`.
fn work(
    part: &[Detection],
    inv: Option<&Investigation>,
    render: Option<&dyn Render>,
    full: bool,
    bytes: &mut Vec<u8>,
) -> Vec<Enriched> {
    let enriched = match inv {
        Some(i) if full => i.enrich(part),
        Some(i) => i.assess(part),
        None => Vec::new(),
    };
    bytes.clear();
    if let Some(r) = render {
        for (i, d) in part.iter().enumerate() {
            let a = enriched.get(i).map(Annotated);
            r.render(d, a.as_ref().map(|a| a as &dyn Investigated), bytes);
        }
    }
    enriched
}
