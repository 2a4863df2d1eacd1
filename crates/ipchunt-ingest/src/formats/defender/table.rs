//! Which Advanced Hunting table a row comes from, and its mapping onto
//! Sysmon's field names.

use std::borrow::Cow;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Raw, Taxonomy, Value};
use serde_json::Value as J;

use super::values::{account, cell, hashes, join_path, pipe_name, registry_path, timestamp};
use crate::formats::fill::Fill;
use crate::names::FieldNames;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Process,
    Network,
    ImageLoad,
    Registry,
    File,
    Events,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Process => "DeviceProcessEvents",
            Table::Network => "DeviceNetworkEvents",
            Table::ImageLoad => "DeviceImageLoadEvents",
            Table::Registry => "DeviceRegistryEvents",
            Table::File => "DeviceFileEvents",
            Table::Events => "DeviceEvents",
        }
    }

    fn from_name(n: &str) -> Option<Table> {
        [
            Table::Process,
            Table::Network,
            Table::ImageLoad,
            Table::Registry,
            Table::File,
            Table::Events,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(n.trim()))
    }
}

/// Columns that name the table when an export has one.
const TABLE_COLUMNS: [&str; 4] = ["Table", "TableName", "$table", "Type"];

/// The row's table: a table column if present, else by `ActionType`.
pub fn identify(cols: &[(&str, &J)]) -> Table {
    for c in TABLE_COLUMNS {
        if let Some(t) = cell(cols, c).and_then(|n| Table::from_name(&n)) {
            return t;
        }
    }
    let action = cell(cols, "ActionType").unwrap_or_default();
    match &*action {
        "ProcessCreated" => Table::Process,
        "ImageLoaded" => Table::ImageLoad,
        "FileCreated" | "FileModified" | "FileDeleted" | "FileRenamed" => Table::File,
        "InboundConnectionAccepted"
        | "ListeningConnectionCreated"
        | "NetworkSignatureInspected" => Table::Network,
        a if a.starts_with("Connection") => Table::Network,
        a if a.starts_with("RegistryKey") || a.starts_with("RegistryValue") => Table::Registry,
        _ => Table::Events,
    }
}

/// Maps rows to events, sharing strings across a file's rows.
pub struct Mapper<'t> {
    names: FieldNames<'t>,
    tax: &'t Taxonomy,
    file: Arc<str>,
    keep_raw: bool,
    channels: Vec<(Table, Arc<str>)>,
    provider: Arc<str>,
}

impl<'t> Mapper<'t> {
    /// A mapper resolving names through `names` (of the `defender` scope).
    pub fn new(names: FieldNames<'t>, file: Arc<str>, keep_raw: bool) -> Self {
        Mapper {
            tax: names.taxonomy(),
            names,
            file,
            keep_raw,
            channels: Vec::new(),
            provider: "Microsoft-Defender-for-Endpoint".into(),
        }
    }

    fn channel(&mut self, t: Table) -> Arc<str> {
        if let Some((_, c)) = self.channels.iter().find(|(have, _)| *have == t) {
            return c.clone();
        }
        let c: Arc<str> = format!("Defender:{}", t.name()).into();
        self.channels.push((t, c.clone()));
        c
    }

    /// The event of one row.
    pub fn map(
        &mut self,
        cols: &[(&str, &J)],
        locator: Locator,
        raw: Option<String>,
    ) -> Result<Event, String> {
        let action = cell(cols, "ActionType").ok_or("row has no ActionType")?;
        let table = identify(cols);
        let mut prov = Provenance::new(self.file.clone(), locator, "defender");
        prov.channel = Some(self.channel(table));
        prov.provider = Some(self.provider.clone());
        prov.computer = cell(cols, "DeviceName").map(|d| Arc::from(&*d));
        let ts_text = cell(cols, "Timestamp").ok_or("row has no Timestamp")?;
        prov.timestamp =
            Some(timestamp(&ts_text).ok_or_else(|| format!("unreadable Timestamp {ts_text:?}"))?);
        let mut ev = Event::new(prov);
        if self.keep_raw
            && let Some(r) = raw
        {
            ev.raw = Some(Raw::Json(r.into()));
        }
        let mut f = Fill::new(ev);
        let tax = self.tax;
        let put = |f: &mut Fill, name: &str, v: Option<String>| {
            if let Some(v) = v {
                f.put(tax.resolve(name), Value::Str(v.into()));
            }
        };
        let c = |n: &str| cell(cols, n);
        let s = |n: &str| cell(cols, n).map(Cow::into_owned);
        let actor = join_path(
            c("InitiatingProcessFolderPath").as_deref(),
            c("InitiatingProcessFileName").as_deref(),
        );
        let actor_user = account(
            c("InitiatingProcessAccountDomain"),
            c("InitiatingProcessAccountName"),
        );
        let target = join_path(c("FolderPath").as_deref(), c("FileName").as_deref());
        let os = os_family(actor.as_deref().into_iter().chain(target.as_deref()));
        put(&mut f, "OsFamily", os.map(str::to_owned));
        let add = if table == Table::Events {
            additional(cols)
        } else {
            None
        };
        match table {
            Table::Process => {
                put(&mut f, "Image", target);
                put(&mut f, "CommandLine", s("ProcessCommandLine"));
                put(&mut f, "ProcessId", s("ProcessId"));
                put(
                    &mut f,
                    "User",
                    account(c("AccountDomain"), c("AccountName")),
                );
                put(&mut f, "IntegrityLevel", s("ProcessIntegrityLevel"));
                put(
                    &mut f,
                    "OriginalFileName",
                    s("ProcessVersionInfoOriginalFileName"),
                );
                put(&mut f, "Product", s("ProcessVersionInfoProductName"));
                put(&mut f, "Company", s("ProcessVersionInfoCompanyName"));
                put(
                    &mut f,
                    "Description",
                    s("ProcessVersionInfoFileDescription"),
                );
                put(&mut f, "FileVersion", s("ProcessVersionInfoProductVersion"));
                put(&mut f, "Hashes", hashes(cols, ""));
                put(&mut f, "ParentImage", actor);
                put(
                    &mut f,
                    "ParentCommandLine",
                    s("InitiatingProcessCommandLine"),
                );
                put(&mut f, "ParentProcessId", s("InitiatingProcessId"));
                put(&mut f, "ParentUser", actor_user);
            }
            _ => {
                put(&mut f, "Image", actor);
                put(&mut f, "CommandLine", s("InitiatingProcessCommandLine"));
                put(&mut f, "ProcessId", s("InitiatingProcessId"));
                put(&mut f, "User", actor_user);
                put(
                    &mut f,
                    "IntegrityLevel",
                    s("InitiatingProcessIntegrityLevel"),
                );
                put(&mut f, "ParentImage", s("InitiatingProcessParentFileName"));
                put(&mut f, "ParentProcessId", s("InitiatingProcessParentId"));
                match table {
                    Table::Network => {
                        put(&mut f, "DestinationIp", s("RemoteIP"));
                        put(&mut f, "DestinationPort", s("RemotePort"));
                        put(&mut f, "DestinationHostname", s("RemoteUrl"));
                        put(&mut f, "SourceIp", s("LocalIP"));
                        put(&mut f, "SourcePort", s("LocalPort"));
                        put(
                            &mut f,
                            "Protocol",
                            c("Protocol").map(|p| p.to_ascii_lowercase()),
                        );
                        let v6 = c("RemoteIP")
                            .map(|ip| (if ip.contains(':') { "true" } else { "false" }).to_owned());
                        put(&mut f, "DestinationIsIpv6", v6);
                        let initiated = match &*action {
                            "InboundConnectionAccepted" | "ListeningConnectionCreated" => {
                                Some("false")
                            }
                            a if a.starts_with("Connection") => Some("true"),
                            _ => None,
                        };
                        put(&mut f, "Initiated", initiated.map(str::to_owned));
                    }
                    Table::ImageLoad => {
                        put(&mut f, "ImageLoaded", target);
                        put(&mut f, "Hashes", hashes(cols, ""));
                    }
                    Table::Registry => {
                        let key = c("RegistryKey").map(|k| registry_path(&k));
                        let object = match (key, c("RegistryValueName")) {
                            (Some(k), Some(v)) => Some(format!("{k}\\{v}")),
                            (k, _) => k,
                        };
                        put(&mut f, "TargetObject", object);
                        put(&mut f, "Details", s("RegistryValueData"));
                        let kind = match &*action {
                            "RegistryValueSet" => Some("SetValue"),
                            "RegistryKeyCreated" => Some("CreateKey"),
                            "RegistryKeyDeleted" => Some("DeleteKey"),
                            "RegistryValueDeleted" => Some("DeleteValue"),
                            "RegistryKeyRenamed" => Some("RenameKey"),
                            _ => None,
                        };
                        put(&mut f, "EventType", kind.map(str::to_owned));
                    }
                    Table::File => {
                        put(&mut f, "TargetFilename", target);
                    }
                    Table::Events | Table::Process => {
                        if action == "NamedPipeEvent"
                            && let Some(add) = &add
                        {
                            pipe_fields(&mut f, tax, add);
                        }
                    }
                }
            }
        }
        if let Some(add) = &add {
            unpack_additional(&mut f, &mut self.names, add);
        }
        for (k, v) in cols {
            let value = match v {
                J::Null => continue,
                J::String(s) if s.is_empty() => continue,
                J::Object(_) | J::Array(_) => Value::str(v.to_string()),
                other => Value::from_json(other),
            };
            let key = self.names.key(k);
            f.put(key, value);
        }
        Ok(f.into_event())
    }
}

/// The `AdditionalFields` object of a row: a JSON object, or JSON text.
fn additional(cols: &[(&str, &J)]) -> Option<serde_json::Map<String, J>> {
    match cols.iter().find(|(k, _)| *k == "AdditionalFields")?.1 {
        J::Object(o) => Some(o.clone()),
        J::String(s) => match serde_json::from_str::<J>(s) {
            Ok(J::Object(o)) => Some(o),
            _ => None,
        },
        _ => None,
    }
}

/// `NamedPipeEvent`: the pipe (Sysmon's spelling), its creation or opening.
fn pipe_fields(f: &mut Fill, tax: &Taxonomy, add: &serde_json::Map<String, J>) {
    if let Some(name) = add.get("PipeName").and_then(J::as_str) {
        f.put(tax.resolve("PipeName"), Value::str(pipe_name(name)));
    }
    let op = add.get("FileOperation").and_then(J::as_str).unwrap_or("");
    let kind = if op.eq_ignore_ascii_case("File created") {
        Some("CreatePipe")
    } else if op.eq_ignore_ascii_case("File opened") {
        Some("ConnectPipe")
    } else {
        None
    };
    if let Some(k) = kind {
        f.put(tax.resolve("EventType"), Value::str(k));
    }
}

/// Every key of `AdditionalFields` as a field of its own.
fn unpack_additional(f: &mut Fill, names: &mut FieldNames<'_>, add: &serde_json::Map<String, J>) {
    for (k, v) in add {
        let value = match v {
            J::Null => continue,
            J::Object(_) | J::Array(_) => Value::str(v.to_string()),
            other => Value::from_json(other),
        };
        let key = names.key(k);
        f.put(key, value);
    }
}

/// The device's kind of operating system, from the style of the first
/// absolute path among `paths`: `windows` (`C:\...`, `\\server\...`) or
/// `unix` (`/...`, Defender for Endpoint on Linux and macOS). The rows
/// themselves name no platform (only `DeviceInfo` does).
fn os_family<'a>(paths: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    for p in paths {
        let b = p.as_bytes();
        if b.first() == Some(&b'/') {
            return Some("unix");
        }
        if p.starts_with("\\\\")
            || (b.len() > 2 && b[0].is_ascii_alphabetic() && &b[1..3] == b":\\")
        {
            return Some("windows");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_family_from_path_style() {
        assert_eq!(
            os_family(["C:\\Windows\\x.exe"].into_iter()),
            Some("windows")
        );
        assert_eq!(os_family(["", "/usr/bin/socat"].into_iter()), Some("unix"));
        assert_eq!(
            os_family(["\\\\srv\\share\\a.exe"].into_iter()),
            Some("windows")
        );
        assert_eq!(os_family(["socat"].into_iter()), None);
    }

    #[test]
    fn tables_by_column_or_action() {
        let j = |s: &str| J::String(s.into());
        let (a, b, t) = (
            j("ConnectionSuccess"),
            j("NamedPipeEvent"),
            j("DeviceFileEvents"),
        );
        assert_eq!(identify(&[("ActionType", &a)]), Table::Network);
        assert_eq!(identify(&[("ActionType", &b)]), Table::Events);
        assert_eq!(
            identify(&[("ActionType", &a), ("TableName", &t)]),
            Table::File
        );
        let r = j("RegistryValueSet");
        assert_eq!(identify(&[("ActionType", &r)]), Table::Registry);
    }
}
