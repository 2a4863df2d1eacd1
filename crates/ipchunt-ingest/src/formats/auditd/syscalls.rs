//! Syscall numbers to names for the architectures audit logs name in
//! `arch=`: x86_64 (`c000003e`) and aarch64 (`c00000b7`). Only the calls
//! that matter for process, IPC, network and file activity are listed;
//! others keep their number.

/// x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const X86_64: &[(u32, &str)] = &[
    (0, "read"),
    (1, "write"),
    (2, "open"),
    (9, "mmap"),
    (10, "mprotect"),
    (22, "pipe"),
    (32, "dup"),
    (33, "dup2"),
    (41, "socket"),
    (42, "connect"),
    (43, "accept"),
    (44, "sendto"),
    (45, "recvfrom"),
    (46, "sendmsg"),
    (47, "recvmsg"),
    (48, "shutdown"),
    (49, "bind"),
    (50, "listen"),
    (51, "getsockname"),
    (52, "getpeername"),
    (53, "socketpair"),
    (56, "clone"),
    (57, "fork"),
    (58, "vfork"),
    (59, "execve"),
    (60, "exit"),
    (62, "kill"),
    (82, "rename"),
    (83, "mkdir"),
    (85, "creat"),
    (86, "link"),
    (87, "unlink"),
    (88, "symlink"),
    (90, "chmod"),
    (92, "chown"),
    (101, "ptrace"),
    (105, "setuid"),
    (133, "mknod"),
    (175, "init_module"),
    (231, "exit_group"),
    (257, "openat"),
    (259, "mknodat"),
    (263, "unlinkat"),
    (264, "renameat"),
    (268, "fchmodat"),
    (288, "accept4"),
    (292, "dup3"),
    (293, "pipe2"),
    (299, "recvmmsg"),
    (307, "sendmmsg"),
    (310, "process_vm_readv"),
    (311, "process_vm_writev"),
    (313, "finit_module"),
    (316, "renameat2"),
    (319, "memfd_create"),
    (322, "execveat"),
    (435, "clone3"),
];

/// aarch64 numbers (the generic table, include/uapi/asm-generic/unistd.h).
const AARCH64: &[(u32, &str)] = &[
    (23, "dup"),
    (24, "dup3"),
    (33, "mknodat"),
    (34, "mkdirat"),
    (35, "unlinkat"),
    (38, "renameat"),
    (53, "fchmodat"),
    (56, "openat"),
    (59, "pipe2"),
    (63, "read"),
    (64, "write"),
    (93, "exit"),
    (94, "exit_group"),
    (105, "init_module"),
    (117, "ptrace"),
    (129, "kill"),
    (146, "setuid"),
    (198, "socket"),
    (199, "socketpair"),
    (200, "bind"),
    (201, "listen"),
    (202, "accept"),
    (203, "connect"),
    (204, "getsockname"),
    (205, "getpeername"),
    (206, "sendto"),
    (207, "recvfrom"),
    (210, "shutdown"),
    (211, "sendmsg"),
    (212, "recvmsg"),
    (220, "clone"),
    (221, "execve"),
    (222, "mmap"),
    (226, "mprotect"),
    (242, "accept4"),
    (243, "recvmmsg"),
    (269, "sendmmsg"),
    (270, "process_vm_readv"),
    (271, "process_vm_writev"),
    (273, "finit_module"),
    (276, "renameat2"),
    (279, "memfd_create"),
    (281, "execveat"),
    (435, "clone3"),
];

/// The architecture's name for an `arch=` value.
pub fn arch_name(arch: &str) -> Option<&'static str> {
    const ARCHES: [(&str, &str); 4] = [
        ("c000003e", "x86_64"),
        ("c00000b7", "aarch64"),
        ("40000003", "i386"),
        ("40000028", "arm"),
    ];
    ARCHES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(arch))
        .map(|&(_, name)| name)
}

/// The syscall's name, when the architecture and number are known.
pub fn syscall_name(arch: Option<&str>, number: u32) -> Option<&'static str> {
    let table = match arch {
        Some("x86_64") => X86_64,
        Some("aarch64") => AARCH64,
        _ => return None,
    };
    table
        .binary_search_by_key(&number, |(n, _)| *n)
        .ok()
        .map(|i| table[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for t in [X86_64, AARCH64] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn names_by_arch() {
        let x = arch_name("C000003E");
        assert_eq!(x, Some("x86_64"));
        assert_eq!(syscall_name(x, 42), Some("connect"));
        assert_eq!(syscall_name(x, 59), Some("execve"));
        assert_eq!(syscall_name(x, 293), Some("pipe2"));
        let a = arch_name("c00000b7");
        assert_eq!(syscall_name(a, 203), Some("connect"));
        assert_eq!(syscall_name(a, 221), Some("execve"));
        assert_eq!(syscall_name(a, 9999), None);
        assert_eq!(syscall_name(arch_name("40000003"), 11), None);
    }
}
