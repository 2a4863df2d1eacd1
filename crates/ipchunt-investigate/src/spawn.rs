//! Process creations: the parent and child they name, and whether the
//! creation is COM, DCOM or DDE at work.

use ipchunt_core::Event;

use crate::com;
use crate::fields::{Fields, base_name};
use crate::ipc::{Endpoint, EndpointKind, IpcKind, ProcessRef};

pub(crate) struct Spawn {
    pub kind: IpcKind,
    pub parent: ProcessRef,
    pub child: ProcessRef,
    pub endpoint: Endpoint,
}

/// Integrity level names for the mandatory label SIDs Security 4688 logs.
fn integrity_name(v: String) -> String {
    match v.to_ascii_uppercase().as_str() {
        "S-1-16-0" => "Untrusted".into(),
        "S-1-16-4096" => "Low".into(),
        "S-1-16-8192" => "Medium".into(),
        "S-1-16-8448" => "Medium Plus".into(),
        "S-1-16-12288" => "High".into(),
        "S-1-16-16384" => "System".into(),
        _ => v,
    }
}

/// The child and parent a process creation names.
pub(crate) fn processes(ev: &Event, f: &Fields) -> (ProcessRef, ProcessRef) {
    let security = ev.prov.event_id == Some(4688)
        && ev
            .prov
            .channel
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("Security"));
    let mut child = ProcessRef {
        image: f.image.string(ev).or_else(|| f.folder_path.string(ev)),
        pid: f.pid.int(ev),
        guid: f.guid.string(ev),
        user: f.user.string(ev),
        integrity: f.integrity.string(ev).map(integrity_name),
        command_line: f.cmdline.string(ev),
    };
    let mut parent = ProcessRef {
        image: f.parent_image.string(ev),
        pid: f.parent_pid.int(ev),
        guid: f.parent_guid.string(ev),
        user: f.parent_user.string(ev),
        integrity: None,
        command_line: f.parent_cmdline.string(ev),
    };
    if security {
        // In 4688, ProcessId is the creator and NewProcessId the new process.
        parent.pid = child.pid;
        child.pid = f.new_process_id.int(ev);
        child.user = child
            .user
            .or_else(|| f.target_user_name.string(ev))
            .or_else(|| f.subject_user.string(ev));
    }
    if parent.image.is_none()
        && let Some(p) = f.initiating_folder.string(ev)
    {
        parent.image = Some(p);
        parent.pid = f.initiating_pid.int(ev);
        parent.command_line = f.initiating_cmdline.string(ev);
        parent.user = f.initiating_user.string(ev);
        parent.integrity = f.initiating_integrity.string(ev);
    }
    (child, parent)
}

pub(crate) fn classify(ev: &Event, f: &Fields) -> Option<Spawn> {
    let (child, parent) = processes(ev, f);
    child.image.as_ref()?;
    let child_base = child.image.as_deref().map(base_name).unwrap_or_default();
    let parent_base = parent.image.as_deref().map(base_name).unwrap_or_default();
    let child_cmd = child.command_line.as_deref().unwrap_or("");
    let parent_cmd = parent.command_line.as_deref().unwrap_or("");

    let class_endpoint = |cmd: &str, base: &str| -> Endpoint {
        let found = crate::normalize::find_guid(cmd);
        let known = found
            .as_deref()
            .and_then(com::class_by_clsid)
            .or_else(|| com::class_by_server(base));
        let name = found
            .clone()
            .or_else(|| known.map(|k| k.clsid.to_owned()))
            .unwrap_or_else(|| format!("server:{base}"));
        let mut ep = Endpoint::new(EndpointKind::ComClass, name.clone(), &name);
        ep.label = known.map(|k| k.name.to_owned());
        ep
    };

    let com_child = com::is_com_server_cmdline(parent_cmd)
        || parent_base == "dllhost.exe"
        || (parent_base == "mmc.exe" && parent_cmd.is_empty() && exec_child(&child_base));
    let dde_child = com::office_starts_interpreter(&parent_base, &child_base);
    let com_launch = com::is_com_server_cmdline(child_cmd)
        || (com::is_dcom_launcher(parent_cmd) && parent_base == "svchost.exe");

    let (kind, endpoint) = if com_child && (exec_child(&child_base) || !dde_child) {
        (IpcKind::ComChild, class_endpoint(parent_cmd, &parent_base))
    } else if dde_child {
        let ep = Endpoint::new(EndpointKind::Dde, parent_base.clone(), &parent_base);
        (IpcKind::DdeChild, ep)
    } else if com_launch {
        (IpcKind::ComLaunch, class_endpoint(child_cmd, &child_base))
    } else {
        let raw = child.label();
        let ep = Endpoint::new(EndpointKind::Process, raw.to_ascii_lowercase(), &raw);
        (IpcKind::Spawn, ep)
    };
    Some(Spawn {
        kind,
        parent,
        child,
        endpoint,
    })
}

fn exec_child(base: &str) -> bool {
    com::EXEC_CHILDREN.contains(&base)
}
