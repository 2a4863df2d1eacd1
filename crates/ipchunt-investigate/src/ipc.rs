//! Which events are inter-process communication, and what they say: who
//! (the actor process), through what (the endpoint), with whom (the peer).

use ipchunt_core::Event;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::fields::{Fields, host_of};
use crate::sources::{self, Source};
use crate::spawn;

/// The kind of an IPC event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpcKind {
    /// A named pipe created (Sysmon 17, Defender NamedPipeEvent server end).
    PipeCreated,
    /// A named pipe connected (Sysmon 18, Defender NamedPipeEvent client end).
    PipeConnected,
    /// A process opened another (Sysmon 10).
    ProcessAccess,
    /// A process launched by COM to serve a class (`-Embedding`,
    /// `DllHost /Processid:`, a child of `svchost -k DcomLaunch`).
    ComLaunch,
    /// A process started by a COM server (`mmc.exe -Embedding` running
    /// `cmd.exe`): the DCOM execution path.
    ComChild,
    /// A DCOM error in the System log (10016 activation denied, 10028
    /// remote computer unreachable).
    DcomError,
    /// An interpreter started by an Office application: the DDE path.
    DdeChild,
    /// Access to the `IPC$` share (Security 5140, 5145).
    IpcShare,
    /// A connect to a Unix domain socket.
    UnixSocket,
    /// An XPC connection (macOS Endpoint Security `xpc_connect`).
    XpcConnect,
    /// Any other process creation: a spawn edge.
    Spawn,
}

impl IpcKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            IpcKind::PipeCreated => "pipe_created",
            IpcKind::PipeConnected => "pipe_connected",
            IpcKind::ProcessAccess => "process_access",
            IpcKind::ComLaunch => "com_launch",
            IpcKind::ComChild => "com_child",
            IpcKind::DcomError => "dcom_error",
            IpcKind::DdeChild => "dde_child",
            IpcKind::IpcShare => "ipc_share",
            IpcKind::UnixSocket => "unix_socket",
            IpcKind::XpcConnect => "xpc_connect",
            IpcKind::Spawn => "spawn",
        }
    }

    /// Whether the event is a process creation.
    pub fn is_process_creation(&self) -> bool {
        matches!(
            self,
            IpcKind::ComLaunch | IpcKind::ComChild | IpcKind::DdeChild | IpcKind::Spawn
        )
    }
}

/// A process as one event describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
}

impl ProcessRef {
    /// The image, or a stand-in naming what is missing.
    pub fn label(&self) -> String {
        self.image
            .clone()
            .unwrap_or_else(|| "(unknown process)".into())
    }
}

/// What an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    Pipe,
    ComClass,
    Dde,
    Share,
    Socket,
    Xpc,
    /// Another process (process access and spawn targets).
    Process,
    /// A remote computer (DCOM 10028).
    RemoteHost,
}

impl EndpointKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EndpointKind::Pipe => "pipe",
            EndpointKind::ComClass => "com",
            EndpointKind::Dde => "dde",
            EndpointKind::Share => "share",
            EndpointKind::Socket => "socket",
            EndpointKind::Xpc => "xpc",
            EndpointKind::Process => "process",
            EndpointKind::RemoteHost => "host",
        }
    }
}

/// The thing a process communicated through, its name normalized.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    pub kind: EndpointKind,
    /// Normalized name (random parts replaced by `<n>`, `<hex>`, `<guid>`).
    pub name: String,
    /// The name as logged, when normalization changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// A friendly name (`MMC20.Application`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Endpoint {
    pub fn new(kind: EndpointKind, name: String, raw: &str) -> Endpoint {
        let raw = (name != raw).then(|| raw.to_owned());
        Endpoint {
            kind,
            name,
            raw,
            label: None,
        }
    }

    /// `kind:name`, the endpoint's key in graphs and baselines.
    pub fn key(&self) -> String {
        let mut key = String::new();
        self.write_key(&mut key);
        key
    }

    /// Appends [`Endpoint::key`] to `out`.
    pub(crate) fn write_key(&self, out: &mut String) {
        out.push_str(self.kind.as_str());
        out.push(':');
        out.push_str(&self.name);
    }
}

/// One IPC event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpcEvent {
    pub kind: IpcKind,
    pub host: String,
    pub time: Option<Timestamp>,
    /// The process that acted (the parent, for process creations).
    pub actor: ProcessRef,
    pub endpoint: Endpoint,
    /// The other process (the child of a spawn, the target of an access).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<ProcessRef>,
    /// A remote address or computer involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Extra detail (granted access rights, the DCOM error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub source: Source,
}

/// Classifies an event; `None` when it is not IPC nor a process creation.
pub(crate) fn classify(ev: &Event, f: &Fields) -> Option<IpcEvent> {
    use sources::Family;
    let family = sources::family(ev, f)?;
    let src = sources::source_of(ev);
    let base = |kind, actor, endpoint| IpcEvent {
        kind,
        host: host_of(ev),
        time: ev.prov.timestamp,
        actor,
        endpoint,
        peer: None,
        remote: None,
        detail: None,
        source: src.clone(),
    };
    match family {
        Family::ProcessCreation => spawn::classify(ev, f).map(|s| {
            let mut e = base(s.kind, s.parent, s.endpoint);
            e.peer = Some(s.child);
            e
        }),
        Family::Pipe { connected } => {
            let raw = f
                .pipe
                .string(ev)
                .or_else(|| sources::defender_pipe(ev, f))?;
            let ep = Endpoint::new(EndpointKind::Pipe, crate::normalize::pipe(&raw), &raw);
            let kind = if connected {
                IpcKind::PipeConnected
            } else {
                IpcKind::PipeCreated
            };
            Some(base(kind, sources::actor(ev, f), ep))
        }
        Family::ProcessAccess => {
            let actor = sources::access_source(ev, f);
            let peer = sources::access_target(ev, f);
            let raw = peer.label();
            let ep = Endpoint::new(EndpointKind::Process, raw.to_ascii_lowercase(), &raw);
            let mut e = base(IpcKind::ProcessAccess, actor, ep);
            e.peer = Some(peer);
            e.detail = f
                .granted_access
                .string(ev)
                .map(|g| format!("GrantedAccess {g}"));
            Some(e)
        }
        Family::Share => {
            let share = f.share_name.string(ev)?;
            if !share.to_ascii_uppercase().ends_with("IPC$") {
                return None;
            }
            let ep = match f.relative_target.string(ev) {
                Some(rel) => Endpoint::new(EndpointKind::Pipe, crate::normalize::pipe(&rel), &rel),
                None => Endpoint::new(EndpointKind::Share, "\\\\*\\IPC$".into(), &share),
            };
            let actor = ProcessRef {
                user: f.subject_user.string(ev),
                ..ProcessRef::default()
            };
            let mut e = base(IpcKind::IpcShare, actor, ep);
            e.remote = f.ip_address.string(ev);
            Some(e)
        }
        Family::Dcom => {
            let d = sources::dcom(ev, f);
            let mut e = base(IpcKind::DcomError, d.actor, d.endpoint);
            e.remote = d.remote;
            e.detail = Some(d.detail);
            Some(e)
        }
        Family::UnixConnect => {
            let raw = sources::socket_path(ev, f)?;
            let mut ep = Endpoint::new(EndpointKind::Socket, crate::normalize::path(&raw), &raw);
            ep.label = socket_label(&ep.name).map(str::to_owned);
            Some(base(IpcKind::UnixSocket, sources::actor(ev, f), ep))
        }
        Family::Xpc => {
            let raw = f.xpc_service.string(ev)?;
            let ep = Endpoint::new(EndpointKind::Xpc, crate::normalize::path(&raw), &raw);
            Some(base(IpcKind::XpcConnect, sources::actor(ev, f), ep))
        }
    }
}

/// Names for well-known Unix sockets.
fn socket_label(normalized: &str) -> Option<&'static str> {
    Some(match normalized {
        "/run/dbus/system_bus_socket" | "/var/run/dbus/system_bus_socket" => "D-Bus system bus",
        "/run/user/<n>/bus" => "D-Bus session bus",
        "/run/docker.sock" | "/var/run/docker.sock" => "Docker API",
        "/run/containerd/containerd.sock" => "containerd API",
        "/run/systemd/private" => "systemd manager",
        "/run/snapd.socket" => "snapd API",
        _ => return None,
    })
}
