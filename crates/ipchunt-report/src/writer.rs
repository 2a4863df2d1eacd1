//! Writing rendered detections: a [`Render`] turns a detection into bytes
//! (and may run on many threads at once), a [`DetectionWriter`] puts those
//! bytes out in order, the format's header before the first.

use std::io::{self, Write};

use ipchunt_core::Detection;

/// What an investigation adds to a detection, as the outputs show it.
pub trait Investigated: Sync {
    /// The escalation decision's key (`escalate_tier2`, `tier1_review`,
    /// `likely_benign`), when there is one.
    fn decision(&self) -> Option<&str>;
    /// Appends the `investigation` JSON object to `out`.
    fn write_json(&self, out: &mut Vec<u8>);
}

/// One output format: turns detections into bytes. Rendering reads only
/// the detection, so it can run on several threads at once.
pub trait Render: Send + Sync {
    /// Bytes written once, before the first detection (column titles).
    fn header(&self, _out: &mut Vec<u8>) {}
    /// Appends one detection, with its line end(s), to `out`.
    fn render(&self, d: &Detection, extra: Option<&dyn Investigated>, out: &mut Vec<u8>);
}

/// A format and where it goes.
pub struct DetectionWriter {
    render: Box<dyn Render>,
    out: Box<dyn Write>,
    started: bool,
    buf: Vec<u8>,
}

impl DetectionWriter {
    pub fn new(render: Box<dyn Render>, out: Box<dyn Write>) -> Self {
        DetectionWriter {
            render,
            out,
            started: false,
            buf: Vec::new(),
        }
    }

    /// The format, for rendering detections elsewhere (on other threads)
    /// and handing the bytes to [`DetectionWriter::write_rendered`].
    pub fn renderer(&self) -> &dyn Render {
        &*self.render
    }

    /// Renders and writes one detection.
    pub fn write(&mut self, d: &Detection, extra: Option<&dyn Investigated>) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.render.render(d, extra, &mut buf);
        let r = self.write_rendered(&buf);
        self.buf = buf;
        r
    }

    /// Writes detections rendered by [`DetectionWriter::renderer`]; the
    /// header goes first when nothing was written yet. Empty input writes
    /// nothing, not even the header.
    pub fn write_rendered(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.split().1.write(bytes)
    }

    /// The format and the output apart, so that other threads can render
    /// with the one while this thread writes to the other.
    pub fn split(&mut self) -> (&dyn Render, RenderedOut<'_>) {
        let render: &dyn Render = &*self.render;
        (
            render,
            RenderedOut {
                render,
                out: &mut self.out,
                started: &mut self.started,
            },
        )
    }

    /// Flushes whatever is buffered.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Where rendered detections go, from [`DetectionWriter::split`].
pub struct RenderedOut<'a> {
    render: &'a dyn Render,
    out: &'a mut Box<dyn Write>,
    started: &'a mut bool,
}

impl RenderedOut<'_> {
    /// As [`DetectionWriter::write_rendered`].
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if !*self.started {
            let mut head = Vec::new();
            self.render.header(&mut head);
            self.out.write_all(&head)?;
            *self.started = true;
        }
        self.out.write_all(bytes)
    }
}
