//! Cell values of Advanced Hunting rows, and the forms Sysmon gives the
//! same values: paths, registry keys, pipe names, accounts, hashes, times.

use std::borrow::Cow;
use std::str::FromStr;

use jiff::Timestamp;
use serde_json::Value as J;

/// The text of a cell: strings as they are, numbers and booleans in their
/// JSON form, objects and arrays as JSON text; empty and null are absent.
pub fn cell<'a>(cols: &[(&str, &'a J)], name: &str) -> Option<Cow<'a, str>> {
    let v = cols.iter().find(|(k, _)| *k == name)?.1;
    let t: Cow<'a, str> = match v {
        J::Null => return None,
        J::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(other.to_string()),
    };
    (!t.is_empty()).then_some(t)
}

/// A folder and file name as one path. Defender's `FolderPath` usually
/// already ends with the file name; a bare folder gets it appended.
pub fn join_path(folder: Option<&str>, file: Option<&str>) -> Option<String> {
    match (folder, file) {
        (Some(d), Some(f)) => {
            let (d_bytes, f_bytes) = (d.as_bytes(), f.as_bytes());
            let ends_with_file = d_bytes.len().checked_sub(f_bytes.len()).is_some_and(|cut| {
                d_bytes[cut..].eq_ignore_ascii_case(f_bytes)
                    && matches!(cut.checked_sub(1).map(|i| d_bytes[i]), Some(b'\\' | b'/'))
            });
            if ends_with_file {
                Some(d.to_owned())
            } else {
                let sep = if d.contains('\\') { '\\' } else { '/' };
                Some(format!("{}{sep}{f}", d.trim_end_matches(['\\', '/'])))
            }
        }
        (Some(d), None) => Some(d.to_owned()),
        (None, Some(f)) => Some(f.to_owned()),
        (None, None) => None,
    }
}

/// Registry hive names as Sysmon writes them.
pub fn registry_path(key: &str) -> String {
    const HIVES: [(&str, &str); 5] = [
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKEY_CURRENT_USER", "HKU"),
        ("HKEY_USERS", "HKU"),
        ("HKEY_CLASSES_ROOT", "HKCR"),
        ("HKEY_CURRENT_CONFIG", "HKCC"),
    ];
    for (long, short) in HIVES {
        if let (Some(head), Some(rest)) = (key.get(..long.len()), key.get(long.len()..))
            && head.eq_ignore_ascii_case(long)
        {
            return format!("{short}{rest}");
        }
    }
    key.to_owned()
}

/// A pipe name as Sysmon writes it: `\Device\NamedPipe\x` becomes `\x`.
pub fn pipe_name(raw: &str) -> String {
    const PREFIX: &str = "\\Device\\NamedPipe";
    if let (Some(head), Some(rest)) = (raw.get(..PREFIX.len()), raw.get(PREFIX.len()..))
        && head.eq_ignore_ascii_case(PREFIX)
    {
        if rest.starts_with('\\') {
            return rest.to_owned();
        }
        return format!("\\{rest}");
    }
    if raw.starts_with('\\') {
        raw.to_owned()
    } else {
        format!("\\{raw}")
    }
}

pub fn timestamp(t: &str) -> Option<Timestamp> {
    if let Ok(ts) = Timestamp::from_str(t) {
        return Some(ts);
    }
    // `2026-11-20 09:14:00.123` and `2026-11-20T09:14:00` without an
    // offset: Advanced Hunting times are UTC.
    let civil = jiff::civil::DateTime::from_str(t.trim()).ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

pub fn account(domain: Option<Cow<'_, str>>, name: Option<Cow<'_, str>>) -> Option<String> {
    match (domain, name) {
        (Some(d), Some(n)) => Some(format!("{d}\\{n}")),
        (None, Some(n)) => Some(n.into_owned()),
        _ => None,
    }
}

pub fn hashes(cols: &[(&str, &J)], prefix: &str) -> Option<String> {
    let parts: Vec<String> = ["SHA1", "MD5", "SHA256"]
        .iter()
        .filter_map(|h| cell(cols, &format!("{prefix}{h}")).map(|v| format!("{h}={v}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_once() {
        let sys32 = "C:\\Windows\\System32\\cmd.exe";
        let upper = "C:\\WINDOWS\\System32\\CMD.EXE";
        for (folder, file, want) in [
            (Some(sys32), Some("cmd.exe"), Some(sys32)),
            (
                Some("C:\\Windows\\System32\\"),
                Some("cmd.exe"),
                Some(sys32),
            ),
            (Some("/usr/bin"), Some("curl"), Some("/usr/bin/curl")),
            (
                Some("C:\\Tools\\notcmd.exe"),
                Some("cmd.exe"),
                Some("C:\\Tools\\notcmd.exe\\cmd.exe"),
            ),
            (Some(upper), Some("cmd.exe"), Some(upper)),
            (Some("cmd.exe"), Some("cmd.exe"), Some("cmd.exe/cmd.exe")),
            (None, None, None),
        ] {
            assert_eq!(
                join_path(folder, file).as_deref(),
                want,
                "{folder:?} + {file:?}"
            );
        }
    }

    #[test]
    fn names_as_sysmon_writes_them() {
        assert_eq!(
            pipe_name("\\Device\\NamedPipe\\MSSE-1234-server"),
            "\\MSSE-1234-server"
        );
        assert_eq!(pipe_name("\\device\\namedpipe\\x"), "\\x");
        assert_eq!(pipe_name("msagent_12"), "\\msagent_12");
        // Multi-byte characters where a prefix would end are no prefix.
        assert_eq!(
            pipe_name("\\Device\\NamedPip\u{e9}x"),
            "\\Device\\NamedPip\u{e9}x"
        );
        assert_eq!(
            registry_path("HKEY_LOCAL_MACHIN\u{e9}\\x"),
            "HKEY_LOCAL_MACHIN\u{e9}\\x"
        );
        assert_eq!(
            registry_path("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Ole"),
            "HKLM\\SOFTWARE\\Microsoft\\Ole"
        );
        assert_eq!(
            registry_path("HKEY_CURRENT_USER\\S-1-5-21-1\\x"),
            "HKU\\S-1-5-21-1\\x"
        );
    }

    #[test]
    fn timestamps_with_and_without_offset() {
        let want = "2026-11-20T09:14:00.1234567Z";
        assert_eq!(
            timestamp(want).map(|t| t.to_string()).as_deref(),
            Some("2026-11-20T09:14:00.1234567Z")
        );
        assert!(timestamp("2026-11-20 09:14:00.123").is_some());
        assert!(timestamp("yesterday").is_none());
    }
}
