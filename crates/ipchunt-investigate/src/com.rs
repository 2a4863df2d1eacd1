//! What ipchunt knows about COM servers, DCOM lateral movement classes and
//! Office DDE: public facts (class ids, application ids, image names).

/// A COM class commonly abused for remote execution over DCOM.
#[derive(Debug, Clone, Copy)]
pub struct ComClass {
    pub name: &'static str,
    pub clsid: &'static str,
    /// The image that serves the class, lower case.
    pub server: &'static str,
    /// The class's AppID, where it is well known.
    pub appid: Option<&'static str>,
}

/// Classes seen in DCOM lateral movement and Office automation.
pub const KNOWN_CLASSES: &[ComClass] = &[
    ComClass {
        name: "MMC20.Application",
        clsid: "{49B2791A-B1AE-4C90-9B8E-E860BA07F889}",
        server: "mmc.exe",
        appid: Some("{7E0423CD-1119-0928-900C-E6D4A52A0715}"),
    },
    ComClass {
        name: "ShellWindows",
        clsid: "{9BA05972-F6A8-11CF-A442-00A0C90A8F39}",
        server: "explorer.exe",
        appid: None,
    },
    ComClass {
        name: "ShellBrowserWindow",
        clsid: "{C08AFD90-F2A1-11D1-8455-00A0C91F3880}",
        server: "explorer.exe",
        appid: None,
    },
    ComClass {
        name: "Excel.Application",
        clsid: "{00024500-0000-0000-C000-000000000046}",
        server: "excel.exe",
        appid: None,
    },
    ComClass {
        name: "Word.Application",
        clsid: "{000209FF-0000-0000-C000-000000000046}",
        server: "winword.exe",
        appid: None,
    },
    ComClass {
        name: "Outlook.Application",
        clsid: "{0006F03A-0000-0000-C000-000000000046}",
        server: "outlook.exe",
        appid: None,
    },
    ComClass {
        name: "Visio.InvisibleApp",
        clsid: "{00021A20-0000-0000-C000-000000000046}",
        server: "visio.exe",
        appid: None,
    },
];

/// The known class of that id (compared without case or braces).
pub fn class_by_clsid(clsid: &str) -> Option<&'static ComClass> {
    let want = clsid.trim_matches(['{', '}']);
    KNOWN_CLASSES
        .iter()
        .find(|c| c.clsid.trim_matches(['{', '}']).eq_ignore_ascii_case(want))
}

/// The known class an image serves (MMC20 for `mmc.exe`...). Explorer is
/// not mapped: it serves too much to name one class.
pub fn class_by_server(base: &str) -> Option<&'static ComClass> {
    KNOWN_CLASSES
        .iter()
        .find(|c| c.server == base && c.server != "explorer.exe")
}

/// Office applications whose children are the DDE and macro execution path.
pub const OFFICE: &[&str] = &[
    "winword.exe",
    "excel.exe",
    "powerpnt.exe",
    "outlook.exe",
    "msaccess.exe",
    "mspub.exe",
    "onenote.exe",
    "visio.exe",
    "eqnedt32.exe",
];

/// Interpreters and system binaries an attacker runs through DDE or COM.
pub const EXEC_CHILDREN: &[&str] = &[
    "cmd.exe",
    "powershell.exe",
    "pwsh.exe",
    "powershell_ise.exe",
    "wscript.exe",
    "cscript.exe",
    "mshta.exe",
    "rundll32.exe",
    "regsvr32.exe",
    "certutil.exe",
    "bitsadmin.exe",
    "msiexec.exe",
    "schtasks.exe",
    "wmic.exe",
    "msbuild.exe",
    "hh.exe",
    "forfiles.exe",
    "curl.exe",
    "bash.exe",
    "scrcons.exe",
    "installutil.exe",
    "regasm.exe",
    "regsvcs.exe",
];

/// Whether an Office application (base name, lower case) starting `child`
/// (likewise) is the DDE/OLE execution path: an interpreter under Office.
pub(crate) fn office_starts_interpreter(parent: &str, child: &str) -> bool {
    OFFICE.contains(&parent) && EXEC_CHILDREN.contains(&child)
}

/// Whether a command line marks a process as launched by COM to serve a
/// class (`-Embedding`, `/Automation`, DllHost's `/Processid:`).
pub fn is_com_server_cmdline(cmd: &str) -> bool {
    let c = cmd.to_ascii_lowercase();
    c.contains("-embedding")
        || c.contains("/embedding")
        || c.contains("-automation")
        || c.contains("/automation")
        || c.contains("/processid:")
}

/// Whether a parent command line is the DCOM launcher service
/// (`svchost.exe -k DcomLaunch`).
pub fn is_dcom_launcher(cmd: &str) -> bool {
    cmd.to_ascii_lowercase().contains("dcomlaunch")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_resolve() {
        assert_eq!(
            class_by_clsid("49b2791a-b1ae-4c90-9b8e-e860ba07f889").map(|c| c.name),
            Some("MMC20.Application")
        );
        assert_eq!(
            class_by_server("mmc.exe").map(|c| c.name),
            Some("MMC20.Application")
        );
        assert!(class_by_server("explorer.exe").is_none());
        assert!(is_com_server_cmdline(
            "\"C:\\Windows\\system32\\mmc.exe\" -Embedding"
        ));
        assert!(!is_com_server_cmdline("notepad.exe embedding.txt"));
    }
}
