//! A bounded map from process id to the image last seen running under it,
//! so that readers of sources that name only the parent's pid (auditd,
//! eslogger) can fill `ParentImage` from events seen earlier in the file.

use std::sync::Arc;

use ahash::AHashMap;

/// Entries per generation; the map holds at most twice this many.
const GENERATION: usize = 32 * 1024;

/// Two generations: when the current one is full it becomes the old one
/// and the previous old one is dropped, so memory stays bounded while
/// recently seen processes are kept.
#[derive(Default)]
pub struct PidImages {
    current: AHashMap<i64, Arc<str>>,
    old: AHashMap<i64, Arc<str>>,
}

impl PidImages {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `pid` runs `image` (from now on).
    pub fn set(&mut self, pid: i64, image: &str) {
        if let Some(have) = self.current.get(&pid)
            && &**have == image
        {
            return;
        }
        if self.current.len() >= GENERATION {
            self.old = std::mem::take(&mut self.current);
        }
        self.current.insert(pid, image.into());
    }

    /// The image last seen for `pid`.
    pub fn get(&self, pid: i64) -> Option<&str> {
        self.current
            .get(&pid)
            .or_else(|| self.old.get(&pid))
            .map(|s| &**s)
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
        m.set(10, "/bin/bash");
        m.set(10, "/usr/bin/curl");
        assert_eq!(m.get(10), Some("/usr/bin/curl"));
        assert_eq!(m.get(11), None);
        for pid in 0..(3 * GENERATION as i64) {
            m.set(1000 + pid, "/x");
        }
        assert!(m.len() <= 2 * GENERATION);
        assert_eq!(m.get(1000 + 3 * GENERATION as i64 - 1), Some("/x"));
    }
}
