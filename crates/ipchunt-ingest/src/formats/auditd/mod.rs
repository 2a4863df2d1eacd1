//! Linux audit logs (`/var/log/audit/audit.log`, raw or enriched format).
//!
//! One event per audit event: the records that share an event serial
//! (`msg=audit(SECS.MS:SERIAL)`, per `node=`) are grouped, even when
//! records of other events come between them. A group is complete when its
//! `EOE` record arrives; groups that never see one (single-record events
//! such as `USER_LOGIN`, or a log cut short) are completed once
//! [`WINDOW`] lines have passed without a record for them, or at the end
//! of the file, so memory stays bounded by the window.
//!
//! Mapping (see `docs/inputs.md`): channel and provider `auditd`; `type`
//! lists the record types; `syscall` is the call's name; `exe` is `Image`,
//! the EXECVE arguments (else the PROCTITLE) joined by spaces are
//! `CommandLine`, `cwd` is `CurrentDirectory`, `pid`/`ppid` are
//! `ProcessId`/`ParentProcessId`, `auid`/`uid`/`euid` stay as they are;
//! SOCKADDR gives `SocketPath` (AF_UNIX) or `DestinationIp`/`DestinationPort`
//! (or `SourceIp`/`SourcePort` for `bind`, `accept` and receives);
//! `ParentImage` comes from the last image seen for the parent's pid.

mod build;
pub mod record;
pub mod sockaddr;
pub mod syscalls;

use std::io::BufReader;
use std::sync::Arc;

use ahash::AHashMap;
use ipchunt_core::Locator;

use super::textlines::{Lines, head_lines};
use super::{InputFile, ReadCtx, ReadError};
use crate::names::FieldNames;
use crate::sink::{Counts, Emitter, EventSink};

pub use build::Builder;

/// Lines after which a group with no new record is complete.
pub const WINDOW: u64 = 2000;
/// Most groups kept open at once; past this the oldest are completed.
const MAX_OPEN: usize = 8192;

/// Whether the head is raw audit records.
pub fn sniff(head: &[u8]) -> bool {
    let lines = head_lines(head, 3);
    !lines.is_empty() && lines.iter().all(|l| record::parse_line(l).is_ok())
}

/// An audit event being assembled.
pub struct Group {
    pub first_line: u64,
    pub last_line: u64,
    pub lines: Vec<String>,
}

/// Groups records into events; hands out complete groups.
#[derive(Default)]
pub struct Grouper {
    open: AHashMap<(u64, Box<str>), Group>,
}

impl Grouper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line; returns the groups it completes (its own on `EOE`, the
    /// oldest when too many are open).
    pub fn add(&mut self, n: u64, line: &str, rec: &record::Record<'_>) -> Vec<Group> {
        let key = (rec.serial, rec.node.unwrap_or("").into());
        let mut done = Vec::new();
        if rec.rtype == "EOE" {
            if let Some(g) = self.open.remove(&key) {
                done.push(g);
            }
            return done;
        }
        let g = self.open.entry(key).or_insert_with(|| Group {
            first_line: n,
            last_line: n,
            lines: Vec::with_capacity(6),
        });
        g.last_line = n;
        g.lines.push(line.to_owned());
        if self.open.len() > MAX_OPEN {
            done = self.take_where(
                |g, oldest| g.first_line <= oldest,
                self.nth_oldest(MAX_OPEN / 2),
            );
        }
        done
    }

    fn nth_oldest(&self, n: usize) -> u64 {
        let mut firsts: Vec<u64> = self.open.values().map(|g| g.first_line).collect();
        let n = n.min(firsts.len().saturating_sub(1));
        *firsts.select_nth_unstable(n).1
    }

    fn take_where(&mut self, pred: impl Fn(&Group, u64) -> bool, arg: u64) -> Vec<Group> {
        let keys: Vec<_> = self
            .open
            .iter()
            .filter(|(_, g)| pred(g, arg))
            .map(|(k, _)| k.clone())
            .collect();
        let mut out: Vec<Group> = keys.iter().filter_map(|k| self.open.remove(k)).collect();
        out.sort_by_key(|g| g.first_line);
        out
    }

    /// The groups idle since before line `now - WINDOW`.
    pub fn expire(&mut self, now: u64) -> Vec<Group> {
        if now <= WINDOW {
            return Vec::new();
        }
        self.take_where(|g, limit| g.last_line < limit, now - WINDOW)
    }

    /// Every open group, oldest first.
    pub fn drain(&mut self) -> Vec<Group> {
        self.take_where(|_, _| true, 0)
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }
}

/// Reads an audit log.
pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    read_from(
        BufReader::with_capacity(256 * 1024, f),
        &input.name,
        ctx,
        sink,
    )
}

/// Reads audit records from any buffered source.
pub fn read_from(
    src: impl std::io::BufRead,
    file: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let mut em = Emitter::new(sink, file.clone(), ctx.batch_size);
    let mut builder = Builder::new(
        FieldNames::with_tables(ctx.tax, ctx.names, "auditd"),
        file.clone(),
        ctx.keep_raw,
    );
    let mut grouper = Grouper::new();
    let mut lines = Lines::new(src);
    let emit = |groups: Vec<Group>, em: &mut Emitter<'_>, b: &mut Builder<'_>| {
        for g in groups {
            em.event(b.build(&g));
        }
    };
    while let Some(n) = lines.next_line(&mut em)? {
        let text = lines.text();
        if text.trim().is_empty() {
            continue;
        }
        match record::parse_line(&text) {
            Ok(rec) => {
                let done = grouper.add(n, &text, &rec);
                emit(done, &mut em, &mut builder);
            }
            Err(why) => em.bad(Some(Locator::Line(n)), why),
        }
        if n.is_multiple_of(128) {
            let done = grouper.expire(n);
            emit(done, &mut em, &mut builder);
        }
    }
    let done = grouper.drain();
    emit(done, &mut em, &mut builder);
    Ok(em.finish())
}

#[cfg(test)]
mod tests;
