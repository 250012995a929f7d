//! "Now" for every time-dependent decision. `BSSCTL_NOW` (RFC 3339, UTC)
//! replaces the system clock so plans and tests are reproducible.

use chrono::{DateTime, SecondsFormat, Utc};

pub const ENV_NOW: &str = "BSSCTL_NOW";

/// The planning clock: `BSSCTL_NOW` when set, else the system clock.
pub fn now_from(env_value: Option<&str>) -> Result<DateTime<Utc>, String> {
    match env_value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                format!(
                    "{ENV_NOW}={v:?} is not an RFC 3339 time ({e}); example: 2026-11-24T00:00:00Z"
                )
            }),
        None => Ok(Utc::now()),
    }
}

/// Whether `BSSCTL_NOW` replaces the system clock in this process.
pub fn is_overridden() -> bool {
    overridden_value().is_some()
}

/// The `BSSCTL_NOW` value in effect, if any.
pub fn overridden_value() -> Option<String> {
    std::env::var(ENV_NOW).ok().filter(|v| !v.trim().is_empty())
}

pub fn now() -> Result<DateTime<Utc>, String> {
    now_from(std::env::var(ENV_NOW).ok().as_deref())
}

/// The API's time format: `yyyy-MM-dd'T'HH:mm:ss'Z'`.
pub fn format_api_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses the API's time format (and any RFC 3339 time).
pub fn parse_api_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_override_is_used() {
        let t = now_from(Some("2026-11-24T00:00:00Z")).unwrap();
        assert_eq!(format_api_time(t), "2026-11-24T00:00:00Z");
        assert!(now_from(Some("yesterday"))
            .unwrap_err()
            .contains("BSSCTL_NOW"));
    }

    #[test]
    fn api_time_round_trips() {
        let t = parse_api_time("2026-12-01T00:00:00Z").unwrap();
        assert_eq!(format_api_time(t), "2026-12-01T00:00:00Z");
    }
}
