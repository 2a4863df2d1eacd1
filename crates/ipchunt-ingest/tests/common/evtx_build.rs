//! Builds multi-chunk EVTX files out of the chunks of other files. Chunks
//! stand alone (each holds its own string and template tables), so a file
//! header followed by chunks taken from several logs is a valid log.

use std::path::Path;

pub const HEADER: usize = 4096;
pub const CHUNK: usize = 65536;

/// The header and the chunks of an EVTX file.
pub fn split(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let header = bytes[..HEADER].to_vec();
    let chunks = bytes[HEADER..]
        .chunks_exact(CHUNK)
        .map(<[u8]>::to_vec)
        .collect();
    (header, chunks)
}

/// A file made of `header` (fixed up for the new chunk count) and `chunks`.
pub fn build(header: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut h = header[..HEADER].to_vec();
    let n = chunks.len() as u64;
    h[8..16].copy_from_slice(&0u64.to_le_bytes());
    h[16..24].copy_from_slice(&n.saturating_sub(1).to_le_bytes());
    h[42..44].copy_from_slice(&(n.min(u16::MAX as u64) as u16).to_le_bytes());
    let crc = evtx::checksum_ieee(&h[..120]);
    h[124..128].copy_from_slice(&crc.to_le_bytes());
    let mut out = h;
    for c in chunks {
        out.extend_from_slice(c);
    }
    out
}

/// The header of the first file and the chunks of all of them.
pub fn chunks_of(files: &[impl AsRef<Path>]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut header = Vec::new();
    let mut all = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        let (h, c) = split(&bytes);
        if header.is_empty() {
            header = h;
        }
        all.extend(c);
    }
    (header, all)
}
