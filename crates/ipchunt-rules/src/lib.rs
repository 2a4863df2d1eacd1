//! ipchunt's built-in rule pack: Sigma rules for inter-process communication
//! abuse (MITRE ATT&CK T1559: COM/DCOM, DDE, XPC, named pipes, the IPC$
//! share, Unix sockets and D-Bus) on Windows, Linux and macOS.
//!
//! The rules live as plain Sigma files under the repository's `rules/`
//! folder; the build script embeds every one of them, so the binary carries
//! the pack and a user can still read, copy or diff the files.

/// One embedded rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinRule {
    /// Path relative to the repository root, with `/` separators
    /// (for example `rules/windows/dcom/corr_dcom_mmc20_lateral_movement.yml`).
    pub path: &'static str,
    /// The file's YAML text; a file may hold several documents (a
    /// correlation rule and the rules it refers to).
    pub text: &'static str,
}

static BUILTIN: &[BuiltinRule] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Every embedded rule file, sorted by path.
pub fn builtin() -> &'static [BuiltinRule] {
    BUILTIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_is_embedded_sorted_and_under_rules() {
        let pack = builtin();
        assert!(pack.len() >= 40, "only {} rule files embedded", pack.len());
        assert!(pack.windows(2).all(|w| w[0].path < w[1].path));
        for rule in pack {
            assert!(rule.path.starts_with("rules/"), "{}", rule.path);
            assert!(rule.text.contains("title:"), "{} has no title", rule.path);
        }
    }
}
