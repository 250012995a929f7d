//! `Duration`: a length of time written `<n>d`, `<n>w` or `<n>h` (n ≥ 1),
//! used by `renew_ahead.min_remaining` and `match.expires_within`.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The pattern the JSON schema publishes; `FromStr` accepts exactly this.
pub const DURATION_PATTERN: &str = "^[1-9][0-9]*[dwh]$";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
}

impl DurationUnit {
    fn suffix(self) -> char {
        match self {
            DurationUnit::Hours => 'h',
            DurationUnit::Days => 'd',
            DurationUnit::Weeks => 'w',
        }
    }

    fn hours(self) -> i64 {
        match self {
            DurationUnit::Hours => 1,
            DurationUnit::Days => 24,
            DurationUnit::Weeks => 24 * 7,
        }
    }
}

/// A duration as written in a manifest; it keeps its unit so it prints back
/// the way the user wrote it (`30d` stays `30d`, not `720h`).
/// Equal when equally long: `4w` == `28d` == `672h` (two selectors that
/// write the same window differently agree). Display keeps the spelling.
#[derive(Debug, Clone, Copy)]
pub struct Duration {
    amount: u32,
    unit: DurationUnit,
}

impl PartialEq for Duration {
    fn eq(&self, other: &Duration) -> bool {
        self.total_hours() == other.total_hours()
    }
}

impl Eq for Duration {}

impl std::hash::Hash for Duration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.total_hours().hash(state);
    }
}

impl Duration {
    /// `None` when `amount` is 0 (durations are at least one unit).
    pub fn new(amount: u32, unit: DurationUnit) -> Option<Duration> {
        (amount >= 1).then_some(Duration { amount, unit })
    }

    pub fn days(amount: u32) -> Option<Duration> {
        Duration::new(amount, DurationUnit::Days)
    }

    pub fn weeks(amount: u32) -> Option<Duration> {
        Duration::new(amount, DurationUnit::Weeks)
    }

    pub fn hours(amount: u32) -> Option<Duration> {
        Duration::new(amount, DurationUnit::Hours)
    }

    pub fn amount(&self) -> u32 {
        self.amount
    }

    pub fn unit(&self) -> DurationUnit {
        self.unit
    }

    /// Total length in hours (cannot overflow: u32 × 168 fits an i64).
    pub fn total_hours(&self) -> i64 {
        i64::from(self.amount) * self.unit.hours()
    }

    pub fn to_chrono(&self) -> chrono::TimeDelta {
        // At most u32::MAX weeks ≈ 7.2e11 hours, well inside TimeDelta's range.
        chrono::TimeDelta::try_hours(self.total_hours()).unwrap_or(chrono::TimeDelta::MAX)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

const ALLOWED: &str = "expected <n>d (days), <n>w (weeks) or <n>h (hours) with n ≥ 1, e.g. 30d";

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Duration, String> {
        let bad = |why: &str| Err(format!("invalid duration {s:?}: {why}"));
        let Some(last) = s.chars().last() else {
            return bad(ALLOWED);
        };
        let digits = &s[..s.len() - last.len_utf8()];
        if last.is_ascii_digit() && s.bytes().all(|b| b.is_ascii_digit()) {
            return bad(&format!(
                "add a unit: {s}d (days), {s}w (weeks) or {s}h (hours)"
            ));
        }
        let unit = match last {
            'd' => DurationUnit::Days,
            'w' => DurationUnit::Weeks,
            'h' => DurationUnit::Hours,
            'm' | 'y' if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                return bad("months and years vary in length; use d (days), w (weeks) or h (hours), e.g. 30d");
            }
            _ => return bad(ALLOWED),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return bad(ALLOWED);
        }
        if digits.starts_with('0') {
            return if digits.bytes().all(|b| b == b'0') {
                bad("the amount must be at least 1")
            } else {
                bad("write the amount without leading zeros")
            };
        }
        match digits.parse::<u32>() {
            Ok(amount) => Ok(Duration { amount, unit }),
            Err(_) => bad("the amount is too large"),
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration like 30d, 2w or 12h")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
            // A bare number is the commonest mistake: say which units exist.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "invalid duration {v}: add a unit: {v}d (days), {v}w (weeks) or {v}h (hours)"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!("invalid duration {v}: {ALLOWED}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!("invalid duration {v}: {ALLOWED}")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A length of time: <n>d (days), <n>w (weeks) or <n>h (hours), n ≥ 1.",
            "examples": ["30d", "2w", "12h"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_durations() {
        for (text, hours) in [
            ("30d", 720),
            ("2w", 336),
            ("12h", 12),
            ("1d", 24),
            ("100h", 100),
        ] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.total_hours(), hours, "{text}");
            assert_eq!(d.to_string(), text);
        }
    }

    #[test]
    fn rejects_invalid_durations_with_a_reason() {
        let cases = [
            ("", "expected <n>d"),
            ("d", "expected <n>d"),
            ("0d", "at least 1"),
            ("00d", "at least 1"),
            ("030d", "leading zeros"),
            ("30", "add a unit: 30d (days)"),
            ("30m", "months and years vary"),
            ("1y", "months and years vary"),
            ("-3d", "expected <n>d"),
            ("3.5d", "expected <n>d"),
            ("3 d", "expected <n>d"),
            ("d3", "expected <n>d"),
            ("99999999999d", "too large"),
            ("3é", "expected <n>d"),
        ];
        for (text, want) in cases {
            let err = text.parse::<Duration>().unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(
                err.starts_with(&format!("invalid duration {text:?}")),
                "{err}"
            );
        }
    }

    #[test]
    fn pattern_and_parser_agree_on_samples() {
        // The pattern is simple enough to check by hand against the parser.
        for ok in ["1d", "10w", "999h"] {
            assert!(ok.parse::<Duration>().is_ok());
        }
        assert_eq!(DURATION_PATTERN, "^[1-9][0-9]*[dwh]$");
    }

    #[test]
    fn serde_round_trip_and_number_hint() {
        let d: Duration = serde_json::from_value(serde_json::json!("2w")).unwrap();
        assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!("2w"));
        let err = serde_json::from_value::<Duration>(serde_json::json!(30)).unwrap_err();
        assert!(err.to_string().contains("add a unit: 30d"), "{err}");
    }

    #[test]
    fn equal_lengths_compare_equal() {
        let p = |s: &str| s.parse::<Duration>().unwrap();
        assert_eq!(p("4w"), p("28d"));
        assert_eq!(p("1d"), p("24h"));
        assert_ne!(p("4w"), p("27d"));
        assert_eq!(p("4w").to_string(), "4w");
    }
}
