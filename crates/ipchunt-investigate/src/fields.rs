//! Field lookups the investigation needs, resolved once against the taxonomy.

use ipchunt_core::{Event, FieldId, FieldKey, Taxonomy, Value, ValueRef};
use std::borrow::Cow;

/// A field the investigation reads: a canonical field when the taxonomy
/// knows the name, else the name as sources write it.
#[derive(Debug, Clone)]
pub(crate) enum Slot {
    Id(FieldId),
    Key(FieldKey),
}

impl Slot {
    fn new(tax: &Taxonomy, name: &str) -> Slot {
        match tax.id(name) {
            Some(id) => Slot::Id(id),
            None => Slot::Key(FieldKey::Other(name.into())),
        }
    }

    pub(crate) fn get<'a>(&self, ev: &'a Event) -> Option<ValueRef<'a>> {
        match self {
            Slot::Id(id) => ev.get(*id),
            Slot::Key(k) => ev.get_key(k),
        }
    }
}

/// Several names for one value, tried in order.
#[derive(Debug, Clone)]
pub(crate) struct Field(Vec<Slot>);

impl Field {
    fn new(tax: &Taxonomy, names: &[&str]) -> Field {
        Field(names.iter().map(|n| Slot::new(tax, n)).collect())
    }

    /// The first non-empty text value.
    pub(crate) fn text<'a>(&self, ev: &'a Event) -> Option<Cow<'a, str>> {
        self.0.iter().find_map(|s| {
            let v = s.get(ev)?;
            let t = match v {
                ValueRef::List(l) => Cow::Owned(list_text(l)?),
                other => other.text()?,
            };
            let trimmed = t.trim();
            if trimmed.is_empty() || trimmed == "-" {
                None
            } else if trimmed.len() == t.len() {
                Some(t)
            } else {
                Some(Cow::Owned(trimmed.to_owned()))
            }
        })
    }

    pub(crate) fn string(&self, ev: &Event) -> Option<String> {
        self.text(ev).map(Cow::into_owned)
    }

    pub(crate) fn int(&self, ev: &Event) -> Option<i64> {
        self.0.iter().find_map(|s| s.get(ev)?.as_i64())
    }
}

fn list_text(l: &[Value]) -> Option<String> {
    let parts: Vec<String> = l
        .iter()
        .filter_map(|v| v.as_ref().text().map(Cow::into_owned))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Every field the investigation reads.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub image: Field,
    pub pid: Field,
    pub guid: Field,
    pub user: Field,
    pub integrity: Field,
    pub cmdline: Field,
    pub hashes: Field,
    pub parent_image: Field,
    pub parent_pid: Field,
    pub parent_guid: Field,
    pub parent_cmdline: Field,
    pub parent_user: Field,
    pub pipe: Field,
    pub event_type: Field,
    pub action_type: Field,
    pub source_image: Field,
    pub source_pid: Field,
    pub source_guid: Field,
    pub source_user: Field,
    pub target_image: Field,
    pub target_pid: Field,
    pub target_guid: Field,
    pub target_user: Field,
    pub granted_access: Field,
    pub share_name: Field,
    pub relative_target: Field,
    pub ip_address: Field,
    pub logon_type: Field,
    pub subject_user: Field,
    pub target_user_name: Field,
    pub signed: Field,
    pub signature: Field,
    pub signature_status: Field,
    pub platform_binary: Field,
    pub team_id: Field,
    pub image_loaded: Field,
    pub query_name: Field,
    pub dest_ip: Field,
    pub dest_host: Field,
    pub dest_port: Field,
    pub source_ip: Field,
    pub source_port: Field,
    pub initiated: Field,
    pub syscall: Field,
    pub socket_path: Field,
    pub xpc_service: Field,
    pub dcom_clsid: Field,
    pub dcom_appid: Field,
    pub dcom_remote: Field,
    pub service_name: Field,
    pub service_file: Field,
    // Source-specific names.
    pub additional_fields: Field,
    pub folder_path: Field,
    pub new_process_id: Field,
    pub initiating_folder: Field,
    pub initiating_file: Field,
    pub initiating_pid: Field,
    pub initiating_user: Field,
    pub initiating_integrity: Field,
    pub initiating_cmdline: Field,
    pub member: Field,
    pub param2: Field,
    pub param3: Field,
    pub param6: Field,
    pub param7: Field,
    pub param9: Field,
}

impl Fields {
    pub(crate) fn new(tax: &Taxonomy) -> Fields {
        let f = |names: &[&str]| Field::new(tax, names);
        Fields {
            image: f(&["Image", "exe", "process.executable.path"]),
            pid: f(&["ProcessId", "pid", "process.audit_token.pid"]),
            guid: f(&["ProcessGuid"]),
            user: f(&[
                "User",
                "AccountName",
                "auid",
                "uid",
                "process.audit_token.euid",
            ]),
            integrity: f(&["IntegrityLevel"]),
            cmdline: f(&["CommandLine", "proctitle"]),
            hashes: f(&["Hashes", "SHA256", "SHA1", "MD5"]),
            parent_image: f(&["ParentImage"]),
            parent_pid: f(&["ParentProcessId", "ppid"]),
            parent_guid: f(&["ParentProcessGuid"]),
            parent_cmdline: f(&["ParentCommandLine"]),
            parent_user: f(&["ParentUser"]),
            pipe: f(&["PipeName"]),
            event_type: f(&["EventType", "event_type"]),
            action_type: f(&["ActionType"]),
            source_image: f(&["SourceImage"]),
            source_pid: f(&["SourceProcessId"]),
            source_guid: f(&["SourceProcessGuid"]),
            source_user: f(&["SourceUser"]),
            target_image: f(&["TargetImage"]),
            target_pid: f(&["TargetProcessId"]),
            target_guid: f(&["TargetProcessGuid"]),
            target_user: f(&["TargetUser"]),
            granted_access: f(&["GrantedAccess"]),
            share_name: f(&["ShareName"]),
            relative_target: f(&["RelativeTargetName"]),
            ip_address: f(&["IpAddress"]),
            logon_type: f(&["LogonType"]),
            subject_user: f(&["SubjectUserName"]),
            target_user_name: f(&["TargetUserName"]),
            signed: f(&["Signed"]),
            signature: f(&["Signature"]),
            signature_status: f(&["SignatureStatus"]),
            platform_binary: f(&["PlatformBinary"]),
            team_id: f(&["TeamId"]),
            image_loaded: f(&["ImageLoaded"]),
            query_name: f(&["QueryName"]),
            dest_ip: f(&["DestinationIp"]),
            dest_host: f(&["DestinationHostname"]),
            dest_port: f(&["DestinationPort"]),
            source_ip: f(&["SourceIp"]),
            source_port: f(&["SourcePort"]),
            initiated: f(&["Initiated"]),
            syscall: f(&["syscall"]),
            socket_path: f(&[
                "SocketPath",
                "socket_path",
                "sun_path",
                "saddr",
                "event.connect.address",
            ]),
            xpc_service: f(&[
                "XpcServiceName",
                "xpc_connect.service_name",
                "event.xpc_connect.service_name",
                "service_name",
                "ServiceName",
            ]),
            dcom_clsid: f(&["param4", "CLSID", "Clsid"]),
            dcom_appid: f(&["param5", "APPID", "AppId"]),
            dcom_remote: f(&["param1"]),
            service_name: f(&["ServiceName"]),
            service_file: f(&["ImagePath", "ServiceFileName"]),
            additional_fields: f(&["AdditionalFields"]),
            folder_path: f(&["FolderPath"]),
            new_process_id: f(&["NewProcessId"]),
            initiating_folder: f(&["InitiatingProcessFolderPath"]),
            initiating_file: f(&["InitiatingProcessFileName"]),
            initiating_pid: f(&["InitiatingProcessId"]),
            initiating_user: f(&["InitiatingProcessAccountName"]),
            initiating_integrity: f(&["InitiatingProcessIntegrityLevel"]),
            initiating_cmdline: f(&["InitiatingProcessCommandLine"]),
            member: f(&["MemberName", "MemberSid"]),
            param2: f(&["param2"]),
            param3: f(&["param3"]),
            param6: f(&["param6"]),
            param7: f(&["param7"]),
            param9: f(&["param9"]),
        }
    }
}

/// The host an event came from.
pub(crate) fn host_of(ev: &Event) -> String {
    ev.prov
        .computer
        .as_deref()
        .map(str::to_owned)
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// The last component of a Windows or Unix path, lower case.
pub(crate) fn base_name(path: &str) -> String {
    path.rsplit(['\\', '/'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase()
}

/// Whether an event comes from a channel (compared without case).
pub(crate) fn channel_is(ev: &Event, name: &str) -> bool {
    ev.prov
        .channel
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case(name))
}
