//! Containment steps and the ATT&CK T1559 mitigations that apply, with the
//! registry values that put them in place (from Microsoft's documentation:
//! ADV170021 for DDE, the attack surface reduction rule reference, COM
//! security and DCOM hardening).

use super::reasons::Facts;
use super::{Decision, Mitigation, Setting};
use crate::com;
use crate::fields::base_name;
use crate::ipc::{IpcKind, ProcessRef};

fn set(key: &str, value: &str, data: &str, note: &str) -> Setting {
    Setting {
        key: key.into(),
        value: Some(value.into()),
        data: Some(data.into()),
        note: note.into(),
    }
}

fn command(cmd: &str, note: &str) -> Setting {
    Setting {
        key: "command".into(),
        value: None,
        data: Some(cmd.into()),
        note: note.into(),
    }
}

/// What the detection involves, for choosing mitigations.
struct Scope {
    office: bool,
    com: bool,
    pipe: bool,
    lsass: bool,
    unix: bool,
    xpc: bool,
    clsid: Option<String>,
}

fn scope(f: &Facts<'_>) -> Scope {
    let images: Vec<String> = f
        .chain
        .all()
        .filter_map(|c| c.process.image.as_deref().map(base_name))
        .collect();
    let kinds: Vec<IpcKind> = f.ipc.iter().map(|e| e.kind).collect();
    let tech = |p: &str| f.techniques.iter().any(|t| t.starts_with(p));
    let office = kinds.contains(&IpcKind::DdeChild)
        || images.iter().any(|i| com::OFFICE.contains(&i.as_str()))
        || tech("T1559.002");
    let com = kinds.iter().any(|k| {
        matches!(
            k,
            IpcKind::ComLaunch | IpcKind::ComChild | IpcKind::DcomError
        )
    }) || f.chain.all().any(|c| {
        c.process
            .command_line
            .as_deref()
            .is_some_and(com::is_com_server_cmdline)
    }) || tech("T1559.001")
        || tech("T1021.003");
    let clsid = f
        .ipc
        .filter(|e| e.endpoint.kind == crate::ipc::EndpointKind::ComClass)
        .map(|e| e.endpoint.name.clone());
    Scope {
        office,
        com,
        pipe: kinds.iter().any(|k| {
            matches!(
                k,
                IpcKind::PipeCreated | IpcKind::PipeConnected | IpcKind::IpcShare
            )
        }),
        lsass: f.ipc.is_some_and(|e| {
            e.kind == IpcKind::ProcessAccess
                && e.peer
                    .as_ref()
                    .and_then(|p| p.image.as_deref())
                    .is_some_and(|i| base_name(i) == "lsass.exe")
        }),
        unix: kinds.contains(&IpcKind::UnixSocket),
        xpc: kinds.contains(&IpcKind::XpcConnect),
        clsid,
    }
}

const ASR_KEY: &str =
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Windows Defender Exploit Guard\\ASR";

fn asr(rules: &[(&str, &str)]) -> Mitigation {
    let mut settings = vec![set(
        ASR_KEY,
        "ExploitGuard_ASR_Rules",
        "1 (REG_DWORD)",
        "turns on the attack surface reduction rules policy",
    )];
    for (guid, name) in rules {
        settings.push(set(
            &format!("{ASR_KEY}\\Rules"),
            guid,
            "1 (REG_SZ; 1 block, 2 audit, 6 warn)",
            name,
        ));
        settings.push(command(
            &format!("Add-MpPreference -AttackSurfaceReductionRules_Ids {guid} -AttackSurfaceReductionRules_Actions Enabled"),
            &format!("the same with PowerShell: {name}"),
        ));
    }
    Mitigation {
        id: "M1040".into(),
        name: "Behavior Prevention on Endpoint".into(),
        action: "Enable attack surface reduction rules against DDE and Office child processes."
            .into(),
        settings,
    }
}

/// The mitigations that apply to what the detection involves.
pub(crate) fn applicable(f: &Facts<'_>) -> Vec<Mitigation> {
    let s = scope(f);
    let mut out = Vec::new();
    if s.office {
        let word = "HKCU\\Software\\Microsoft\\Office\\16.0\\Word";
        let excel = "HKCU\\Software\\Microsoft\\Office\\16.0\\Excel";
        out.push(Mitigation {
            id: "M1042".into(),
            name: "Disable or Remove Feature or Program".into(),
            action: "Disable automatic DDE execution and link updates in Office (16.0 is Office 2016 and later; 15.0 for 2013).".into(),
            settings: vec![
                set(&format!("{word}\\Security"), "AllowDDE", "0 (REG_DWORD)", "disables DDE in Word (ADV170021)"),
                set(&format!("{word}\\Options"), "DontUpdateLinks", "1 (REG_DWORD)", "Word does not update automatic links on open"),
                set(&format!("{word}\\Options\\WordMail"), "DontUpdateLinks", "1 (REG_DWORD)", "the same for Outlook's Word editor"),
                set(&format!("{excel}\\Security"), "DisableDDEServerLaunch", "1 (REG_DWORD)", "Excel does not start DDE servers"),
                set(&format!("{excel}\\Security"), "DisableDDEServerLookup", "1 (REG_DWORD)", "Excel does not look up DDE servers"),
            ],
        });
        let mut rules = vec![
            (
                "D4F940AB-401B-4EFC-AADC-AD5F3C50688A",
                "Block all Office applications from creating child processes",
            ),
            (
                "26190899-1602-49E8-8B27-EB1D0A1CE869",
                "Block Office communication application from creating child processes",
            ),
            (
                "92E97FA1-2EDF-4476-BDD6-9DD0B4DDDC7B",
                "Block Win32 API calls from Office macros",
            ),
        ];
        if s.com {
            rules.push((
                "75668C1F-73B5-4CF0-BB93-3ECF5CB7CC84",
                "Block Office applications from injecting code into other processes",
            ));
        }
        out.push(asr(&rules));
        out.push(Mitigation {
            id: "M1048".into(),
            name: "Application Isolation and Sandboxing".into(),
            action: "Keep Protected View and the COM/ActiveX warnings on for every Office application.".into(),
            settings: vec![
                set("HKCU\\Software\\Microsoft\\Office\\16.0\\<Word|Excel|PowerPoint>\\Security\\ProtectedView", "DisableInternetFilesInPV", "0 (REG_DWORD)", "Protected View for files from the Internet"),
                set("HKCU\\Software\\Microsoft\\Office\\16.0\\<Word|Excel|PowerPoint>\\Security\\ProtectedView", "DisableAttachmentsInPV", "0 (REG_DWORD)", "Protected View for Outlook attachments"),
                set("HKCU\\Software\\Microsoft\\Office\\16.0\\<Word|Excel|PowerPoint>\\Security\\ProtectedView", "DisableUnsafeLocationsInPV", "0 (REG_DWORD)", "Protected View for unsafe locations"),
                set("HKCU\\Software\\Policies\\Microsoft\\Office\\Common\\Security", "DisableAllActiveX", "1 (REG_DWORD)", "no ActiveX controls in Office documents"),
            ],
        });
        out.push(Mitigation {
            id: "M1054".into(),
            name: "Software Configuration".into(),
            action: "Block embedded files in Office programs that Protected View does not cover, such as OneNote.".into(),
            settings: vec![set("HKCU\\Software\\Policies\\Microsoft\\Office\\16.0\\OneNote\\Options", "DisableEmbeddedFiles", "1 (REG_DWORD)", "OneNote does not open embedded files")],
        });
    }
    if s.com {
        let appid = s
            .clsid
            .as_deref()
            .and_then(com::class_by_clsid)
            .and_then(|c| c.appid.map(|a| (c.name, a)));
        let per_app = match appid {
            Some((name, a)) => set(
                &format!("HKLM\\SOFTWARE\\Classes\\AppID\\{a}"),
                "LaunchPermission / AccessPermission",
                "security descriptor (REG_BINARY) granting Administrators only",
                &format!("process-wide security of {name} (set with dcomcnfg.exe)"),
            ),
            None => set(
                "HKLM\\SOFTWARE\\Classes\\AppID\\{AppID}",
                "LaunchPermission / AccessPermission",
                "security descriptor (REG_BINARY) granting Administrators only",
                &format!(
                    "the class's AppID is the AppID value under HKLM\\SOFTWARE\\Classes\\CLSID\\{}",
                    s.clsid.as_deref().unwrap_or("{CLSID}")
                ),
            ),
        };
        out.push(Mitigation {
            id: "M1026".into(),
            name: "Privileged Account Management".into(),
            action: "Restrict who may launch and activate COM servers remotely, per application and machine-wide (directly or with dcomcnfg.exe).".into(),
            settings: vec![
                per_app,
                set("HKLM\\SOFTWARE\\Microsoft\\Ole", "MachineLaunchRestriction / MachineAccessRestriction", "security descriptor (REG_BINARY): remote launch and activation for Administrators only", "machine-wide limits over every COM application"),
                set("HKLM\\SOFTWARE\\Microsoft\\Ole", "DefaultLaunchPermission / DefaultAccessPermission", "security descriptor (REG_BINARY)", "defaults for COM applications that set no process-wide security"),
                set("HKLM\\SOFTWARE\\Microsoft\\Ole", "EnableDCOM", "N (REG_SZ)", "turns DCOM off on hosts that need no remote COM (breaks remote management tools)"),
                set("HKLM\\SOFTWARE\\Microsoft\\Ole\\AppCompat", "RequireIntegrityActivationAuthenticationLevel", "1 (REG_DWORD)", "DCOM hardening (KB5004442): rejects unauthenticated remote activation"),
            ],
        });
        if !s.office {
            out.push(asr(&[(
                "D1E49AAC-8F56-4280-B9BA-993A6D77406C",
                "Block process creations originating from PSExec and WMI commands",
            )]));
        }
    }
    if s.lsass {
        out.push(asr(&[("9E6C4E1F-7D60-472F-BA1A-A39EF669E4B2", "Block credential stealing from the Windows local security authority subsystem (lsass.exe)")]));
    }
    if s.pipe {
        let lanman = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters";
        out.push(Mitigation {
            id: "M1026".into(),
            name: "Privileged Account Management".into(),
            action: "Deny anonymous access to named pipes and the IPC$ share.".into(),
            settings: vec![
                set(
                    lanman,
                    "RestrictNullSessAccess",
                    "1 (REG_DWORD)",
                    "null sessions reach no pipe or share",
                ),
                set(
                    lanman,
                    "NullSessionPipes",
                    "empty (REG_MULTI_SZ)",
                    "no pipe open to anonymous users",
                ),
                set(
                    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa",
                    "RestrictAnonymous",
                    "1 (REG_DWORD)",
                    "no anonymous enumeration of accounts and shares",
                ),
            ],
        });
    }
    if s.unix {
        out.push(Mitigation {
            id: "M1026".into(),
            name: "Privileged Account Management".into(),
            action: "Limit who can connect to the socket: owner and mode of the socket file (chmod 0600 or 0660 with a dedicated group), or the D-Bus policy for bus services.".into(),
            settings: Vec::new(),
        });
    }
    if s.xpc {
        out.push(Mitigation {
            id: "M1013".into(),
            name: "Application Developer Guidance".into(),
            action: "XPC services should verify the connecting client's code signature from its audit token before accepting a connection.".into(),
            settings: Vec::new(),
        });
    }
    out
}

fn who(p: &ProcessRef) -> String {
    match (p.image.as_deref(), p.pid) {
        (Some(i), Some(pid)) => format!("{i} (pid {pid})"),
        (Some(i), None) => i.to_owned(),
        (None, Some(pid)) => format!("pid {pid}"),
        (None, None) => "the process".into(),
    }
}

/// Containment steps for the decision, naming the host, process and users.
pub(crate) fn containment(f: &Facts<'_>, decision: Decision, ioc_hit: bool) -> Vec<String> {
    if decision == Decision::LikelyBenign {
        return vec![
            "No containment: record the evidence that makes the activity benign, and tune the rule or add the activity to the baseline if it recurs.".into(),
        ];
    }
    let mut users: Vec<String> = f
        .chain
        .all()
        .filter_map(|c| c.process.user.clone())
        .chain(f.subject.user.clone())
        .collect();
    users.sort();
    users.dedup();
    let mut out = Vec::new();
    let host = f.host;
    if decision == Decision::EscalateTier2 {
        out.push(format!("Isolate {host} from the network (EDR host isolation) to stop further IPC execution; keep the EDR channel open."));
    }
    out.push(format!(
        "Preserve volatile evidence on {host} first (memory of {}, its process tree, open handles and pipes), then stop it and its children if malicious.",
        who(f.subject)
    ));
    if !users.is_empty() {
        out.push(format!(
            "Revoke or rotate the credentials and tokens of {} if the activity is not explained.",
            users.join(", ")
        ));
    }
    if ioc_hit {
        out.push(
            "Block the matching indicators (hashes, pipe names, domains) in EDR, DNS and proxy."
                .into(),
        );
    }
    out.push(format!(
        "Scope: search the same process, pipe or class across peer hosts and accounts, and check no related technique (T1021.003, T1055, T1106) ran against {host}."
    ));
    out.push("Patch the IPC mechanisms involved (Office updates for DDE, DCOM hardening KB5004442) and apply the mitigations below where not enforced.".into());
    if decision == Decision::EscalateTier2 {
        out.push("Open a full forensic investigation to determine the scope and impact of the IPC abuse.".into());
    }
    out
}
