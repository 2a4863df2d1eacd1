//! The detections of a hunt over files, kept until the input is read so
//! that they can be written in time order. Up to a limit they stay in
//! memory; past it their bodies (matched fields and event) go to a
//! temporary file and only a small sort entry per detection stays, so a
//! hunt's memory does not grow with the detections it finds.

use std::cmp::Ordering;
use std::io;
use std::sync::Arc;

use ipchunt_core::{Detection, Locator, RuleInfo};
use jiff::Timestamp;

use crate::spill::{Slot, Spill};

/// How many detections a hunt keeps in memory by default.
pub const DEFAULT_IN_MEMORY: usize = 10_000;

enum Stored {
    Mem(Detection),
    Disk(Slot),
}

/// What orders a detection: time, rule title, file, record, rule id.
struct Entry {
    rule: Arc<RuleInfo>,
    time: Option<Timestamp>,
    file: Arc<str>,
    locator: Locator,
    body: Stored,
}

impl Entry {
    fn order(&self, o: &Entry) -> Ordering {
        self.time
            .cmp(&o.time)
            .then_with(|| self.rule.title.cmp(&o.rule.title))
            .then_with(|| self.file.cmp(&o.file))
            .then_with(|| self.locator.cmp(&o.locator))
            .then_with(|| self.rule.id.cmp(&o.rule.id))
    }
}

pub struct Store {
    entries: Vec<Entry>,
    limit: usize,
    in_memory: usize,
    spill: Option<Spill>,
    spilled: usize,
    /// Why detections past the limit stayed in memory, when the temporary
    /// file could not be made or written.
    pub spill_error: Option<String>,
}

impl Store {
    /// `limit`: detections kept in memory before the rest go to disk.
    pub fn new(limit: usize) -> Store {
        Store {
            entries: Vec::new(),
            limit,
            in_memory: 0,
            spill: None,
            spilled: 0,
            spill_error: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many detections went to the temporary file.
    pub fn spilled(&self) -> usize {
        self.spilled
    }

    pub fn push(&mut self, d: Detection) {
        let (rule, time) = (d.rule.clone(), d.timestamp());
        let (file, locator) = (d.event.prov.file.clone(), d.event.prov.locator);
        // Correlation detections are few and carry their events: memory.
        let body = if self.in_memory < self.limit || d.correlation.is_some() {
            self.keep(d)
        } else {
            match self.write_out(&d) {
                Ok(slot) => {
                    self.spilled += 1;
                    Stored::Disk(slot)
                }
                Err(e) => {
                    self.spill_error
                        .get_or_insert_with(|| format!("cannot use a temporary file ({e})"));
                    self.keep(d)
                }
            }
        };
        self.entries.push(Entry {
            rule,
            time,
            file,
            locator,
            body,
        });
    }

    fn keep(&mut self, d: Detection) -> Stored {
        self.in_memory += 1;
        Stored::Mem(d)
    }

    fn write_out(&mut self, d: &Detection) -> io::Result<Slot> {
        if self.spill.is_none() && self.spill_error.is_none() {
            self.spill = Some(Spill::new()?);
        }
        match self.spill.as_mut() {
            Some(s) => s.put(&d.matched, &d.event),
            None => Err(io::Error::other("no temporary file")),
        }
    }

    /// The detections in order, `size` at a time, read back from disk as
    /// needed.
    pub fn into_blocks(mut self, size: usize) -> Blocks {
        self.entries.sort_by(Entry::order);
        Blocks {
            entries: self.entries.into_iter(),
            spill: self.spill,
            size: size.max(1),
        }
    }
}

pub struct Blocks {
    entries: std::vec::IntoIter<Entry>,
    spill: Option<Spill>,
    size: usize,
}

impl Iterator for Blocks {
    type Item = io::Result<Vec<Detection>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut block = Vec::with_capacity(self.size);
        for e in self.entries.by_ref().take(self.size) {
            match e.body {
                Stored::Mem(d) => block.push(d),
                Stored::Disk(slot) => {
                    let Some(spill) = self.spill.as_mut() else {
                        return Some(Err(io::Error::other("spilled detections lost")));
                    };
                    match spill.get(slot) {
                        Ok(b) => block.push(Detection {
                            rule: e.rule,
                            event: Arc::new(b.event),
                            matched: b.matched,
                            correlation: None,
                        }),
                        Err(err) => return Some(Err(err)),
                    }
                }
            }
        }
        (!block.is_empty()).then_some(Ok(block))
    }
}
