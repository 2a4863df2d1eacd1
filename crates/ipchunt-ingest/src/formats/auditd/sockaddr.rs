//! The `saddr` of a SOCKADDR record: the raw `struct sockaddr` the syscall
//! was given, hex-encoded. The family is a host-order (little-endian on
//! x86_64 and aarch64) 16-bit number; ports and IPv4/IPv6 addresses are in
//! network order.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::record::unhex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    /// AF_UNIX (1): a path, `@name` for the abstract namespace (whose first
    /// byte is NUL), or empty for an unnamed socket.
    Unix(String),
    /// AF_INET (2).
    Inet(Ipv4Addr, u16),
    /// AF_INET6 (10).
    Inet6(Ipv6Addr, u16),
    /// Any other family, by number (AF_NETLINK is 16).
    Other(u16),
}

impl SockAddr {
    pub fn family_name(&self) -> String {
        match self {
            SockAddr::Unix(_) => "AF_UNIX".into(),
            SockAddr::Inet(..) => "AF_INET".into(),
            SockAddr::Inet6(..) => "AF_INET6".into(),
            SockAddr::Other(16) => "AF_NETLINK".into(),
            SockAddr::Other(17) => "AF_PACKET".into(),
            SockAddr::Other(n) => format!("family {n}"),
        }
    }
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decodes a `saddr` value, or says why it cannot.
pub fn decode(saddr: &str) -> Result<SockAddr, String> {
    let b = unhex(saddr).ok_or_else(|| format!("saddr {saddr:?} is not hex"))?;
    if b.len() < 2 {
        return Err("saddr shorter than its family".into());
    }
    let family = u16::from_le_bytes([b[0], b[1]]);
    let rest = &b[2..];
    match family {
        1 => {
            let path = if rest.first() == Some(&0) {
                let name = &rest[1..];
                let end = name.iter().rposition(|c| *c != 0).map_or(0, |i| i + 1);
                if end == 0 && name.is_empty() {
                    String::new()
                } else {
                    format!("@{}", printable(&name[..end]))
                }
            } else {
                let end = memchr::memchr(0, rest).unwrap_or(rest.len());
                printable(&rest[..end])
            };
            Ok(SockAddr::Unix(path))
        }
        2 => {
            if rest.len() < 6 {
                return Err("AF_INET saddr too short".into());
            }
            let port = u16::from_be_bytes([rest[0], rest[1]]);
            Ok(SockAddr::Inet(
                Ipv4Addr::new(rest[2], rest[3], rest[4], rest[5]),
                port,
            ))
        }
        10 => {
            if rest.len() < 22 {
                return Err("AF_INET6 saddr too short".into());
            }
            let port = u16::from_be_bytes([rest[0], rest[1]]);
            let mut a = [0u8; 16];
            a.copy_from_slice(&rest[6..22]);
            Ok(SockAddr::Inet6(Ipv6Addr::from(a), port))
        }
        n => Ok(SockAddr::Other(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|c| format!("{c:02X}")).collect()
    }

    #[test]
    fn unix_paths_and_abstract_names() {
        let mut b = vec![1, 0];
        b.extend_from_slice(b"/run/docker.sock\0\0\0");
        assert_eq!(
            decode(&hex(&b)),
            Ok(SockAddr::Unix("/run/docker.sock".into()))
        );
        let mut b = vec![1, 0, 0];
        b.extend_from_slice(b"/tmp/.X11-unix/X0");
        assert_eq!(
            decode(&hex(&b)),
            Ok(SockAddr::Unix("@/tmp/.X11-unix/X0".into()))
        );
        assert_eq!(decode("0100"), Ok(SockAddr::Unix(String::new())));
    }

    #[test]
    fn inet_and_inet6() {
        // 10.0.0.5:443
        assert_eq!(
            decode("020001BB0A0000050000000000000000"),
            Ok(SockAddr::Inet(Ipv4Addr::new(10, 0, 0, 5), 443))
        );
        // [::1]:8080
        let s = format!(
            "0A001F90{}{}{}",
            "00000000", "00000000000000000000000000000001", "00000000"
        );
        assert_eq!(decode(&s), Ok(SockAddr::Inet6(Ipv6Addr::LOCALHOST, 8080)));
        assert_eq!(
            decode("10000000").map(|a| a.family_name()),
            Ok("AF_NETLINK".into())
        );
    }

    #[test]
    fn bad_saddr() {
        assert!(decode("xyz").is_err());
        assert!(decode("02").is_err());
        assert!(decode("0200").is_err());
        assert!(decode("0A000050").is_err());
    }
}
