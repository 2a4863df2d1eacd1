//! Embeds every Sigma file under the repository's `rules/` folder.
//!
//! Generates `$OUT_DIR/builtin_rules.rs`: a sorted array of `BuiltinRule`
//! entries, each with the file's path relative to the repository root and
//! its text through `include_str!`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    println!("cargo:rerun-if-changed={}", dir.display());
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            println!("cargo:rerun-if-changed={}", path.display());
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .ok_or("ipchunt-rules must live at <repo>/crates/ipchunt-rules")?
        .to_path_buf();
    let rules_dir = root.join("rules");
    let mut files = Vec::new();
    collect(&rules_dir, &mut files)?;
    files.sort();

    let mut code = String::from("&[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)?
            .to_str()
            .ok_or("rule path is not UTF-8")?
            .replace('\\', "/");
        let abs = file.to_str().ok_or("rule path is not UTF-8")?;
        writeln!(
            code,
            "    BuiltinRule {{ path: {rel:?}, text: include_str!({abs:?}) }},"
        )?;
    }
    code.push(']');
    let out = PathBuf::from(env::var("OUT_DIR")?).join("builtin_rules.rs");
    fs::write(out, code)?;
    Ok(())
}
