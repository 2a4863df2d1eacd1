//! A bounded map from process id to the image (and command line) last seen
//! running under it, so that readers of sources that name only the parent's
//! pid (auditd, eslogger) can fill `ParentImage` and `ParentCommandLine`
//! from events seen earlier in the file.

use std::sync::Arc;

use ahash::AHashMap;

/// Entries per generation; the map holds at most twice this many.
const GENERATION: usize = 32 * 1024;

/// Two generations: when the current one is full it becomes the old one
/// and the previous old one is dropped, so memory stays bounded while
/// recently seen processes are kept.
#[derive(Default)]
pub struct PidImages {
    current: AHashMap<i64, Seen>,
    old: AHashMap<i64, Seen>,
}

#[derive(Clone)]
struct Seen {
    image: Arc<str>,
    cmdline: Option<Arc<str>>,
}

impl PidImages {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `pid` runs `image` (from now on), with `cmdline` when
    /// known; without one, a command line already known for the same image
    /// is kept.
    pub fn set(&mut self, pid: i64, image: &str, cmdline: Option<&str>) {
        let known = self.seen(pid).filter(|s| &*s.image == image).cloned();
        if let Some(k) = &known
            && (cmdline.is_none() || k.cmdline.as_deref() == cmdline)
            && self.current.contains_key(&pid)
        {
            return;
        }
        let cmdline = match cmdline {
            Some(c) => Some(c.into()),
            None => known.and_then(|k| k.cmdline),
        };
        if self.current.len() >= GENERATION {
            self.old = std::mem::take(&mut self.current);
        }
        self.current.insert(
            pid,
            Seen {
                image: image.into(),
                cmdline,
            },
        );
    }

    fn seen(&self, pid: i64) -> Option<&Seen> {
        self.current.get(&pid).or_else(|| self.old.get(&pid))
    }

    /// The image last seen for `pid`.
    pub fn get(&self, pid: i64) -> Option<&str> {
        self.seen(pid).map(|s| &*s.image)
    }

    /// The command line last seen for `pid`.
    pub fn cmdline(&self, pid: i64) -> Option<&str> {
        self.seen(pid).and_then(|s| s.cmdline.as_deref())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.current.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_latest_and_stays_bounded() {
        let mut m = PidImages::new();
        m.set(10, "/bin/bash", Some("bash -i"));
        m.set(10, "/bin/bash", None);
        assert_eq!(m.cmdline(10), Some("bash -i"));
        m.set(10, "/usr/bin/curl", None);
        assert_eq!(m.get(10), Some("/usr/bin/curl"));
        assert_eq!(m.cmdline(10), None);
        assert_eq!(m.get(11), None);
        for pid in 0..(3 * GENERATION as i64) {
            m.set(1000 + pid, "/x", None);
        }
        assert!(m.len() <= 2 * GENERATION);
        assert_eq!(m.get(1000 + 3 * GENERATION as i64 - 1), Some("/x"));
    }
}
