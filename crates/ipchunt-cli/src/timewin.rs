//! The --from/--to time window.

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

/// Parses a time given on the command line: an RFC 3339 timestamp, or a
/// date or date and time taken as UTC.
pub fn parse_time(s: &str) -> Result<Timestamp> {
    let t = s.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = t.parse::<DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .with_context(|| format!("time {s:?} is out of range"));
    }
    if let Ok(d) = t.parse::<Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .with_context(|| format!("time {s:?} is out of range"));
    }
    bail!("cannot read time {s:?}: use 2024-05-01, \"2024-05-01 10:00\" or 2024-05-01T10:00:00Z")
}

/// A half-open time window; events without a timestamp are kept only when
/// no bound is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl Window {
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Window> {
        let w = Window {
            from: from.map(parse_time).transpose()?,
            to: to.map(parse_time).transpose()?,
        };
        if let (Some(f), Some(t)) = (w.from, w.to)
            && f >= t
        {
            bail!("--from ({f}) must be before --to ({t})");
        }
        Ok(w)
    }

    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    pub fn contains(&self, ts: Option<Timestamp>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(ts) = ts else { return false };
        self.from.is_none_or(|f| ts >= f) && self.to.is_none_or(|t| ts < t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert!(parse_time("2024-05-01").is_ok());
        assert!(parse_time("2024-05-01 10:00").is_ok());
        assert!(parse_time("2024-05-01T10:00:00Z").is_ok());
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn window_bounds() {
        let w = Window::parse(Some("2024-05-01"), Some("2024-05-02")).unwrap();
        assert!(w.contains(Some(parse_time("2024-05-01T12:00:00Z").unwrap())));
        assert!(!w.contains(Some(parse_time("2024-05-02T00:00:00Z").unwrap())));
        assert!(!w.contains(None));
        assert!(Window::parse(Some("2024-05-02"), Some("2024-05-01")).is_err());
    }
}
