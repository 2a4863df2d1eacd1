//! `cidr`: IPv4 and IPv6 network ranges.

use std::net::IpAddr;

use rsigma_parser::SigmaValue;

use super::Refusal;
use crate::pred::Test;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    net: u128,
    mask: u128,
    v6: bool,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let (bits, v6, max) = match ip {
            IpAddr::V4(a) => (u32::from(a) as u128, false, 32),
            IpAddr::V6(a) => (u128::from(a), true, 128),
        };
        let len = len.unwrap_or(max);
        if len > max {
            return None;
        }
        let mask = if len == 0 {
            0
        } else {
            (u128::MAX << (128 - len)) >> (128 - max)
        };
        Some(Cidr {
            net: bits & mask,
            mask,
            v6,
        })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let (bits, v6) = match ip {
            IpAddr::V4(a) => (u32::from(a) as u128, false),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) if !self.v6 => (u32::from(v4) as u128, false),
                _ => (u128::from(a), true),
            },
        };
        v6 == self.v6 && bits & self.mask == self.net
    }

    /// Whether a field's text is an address inside the range.
    pub(crate) fn contains_text(&self, t: &str) -> bool {
        let t = t.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(t);
        t.parse::<IpAddr>().is_ok_and(|ip| self.contains(ip))
    }
}

pub(crate) fn compile(v: &SigmaValue) -> Result<Test, Refusal> {
    let text = match v {
        SigmaValue::String(s) => s.original.clone(),
        other => other.to_string(),
    };
    Cidr::parse(&text)
        .map(Test::Cidr)
        .ok_or_else(|| Refusal::new("invalid cidr", format!("{text:?} is not a network range")))
}
