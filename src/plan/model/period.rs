//! `RenewPeriod`: how much one renewal buys, `<n>m` (1m..11m) or `<n>y`
//! (1y..3y) — the ranges the renew API accepts.

use crate::bss::model::{PERIOD_TYPE_MONTH, PERIOD_TYPE_YEAR};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The pattern the JSON schema publishes; `FromStr` accepts exactly this.
pub const PERIOD_PATTERN: &str = "^(([1-9]|1[01])m|[1-3]y)$";

/// Shortest possible lengths, so "period longer than min_remaining" holds
/// for every calendar month and year.
pub const SHORTEST_MONTH_DAYS: i64 = 28;
pub const SHORTEST_YEAR_DAYS: i64 = 365;

/// Ordered months before years, then by length: the order of the API's
/// `(period_type, period_num)` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RenewPeriod {
    Months(u8),
    Years(u8),
}

impl RenewPeriod {
    /// `(period_type, period_num)` as the renew and renew-rate APIs take them.
    pub fn api_period(&self) -> (i32, i32) {
        match *self {
            RenewPeriod::Months(n) => (PERIOD_TYPE_MONTH, i32::from(n)),
            RenewPeriod::Years(n) => (PERIOD_TYPE_YEAR, i32::from(n)),
        }
    }

    /// The period the renew API's `(period_type, period_num)` codes name,
    /// if it is one the API accepts.
    pub fn from_api(period_type: i32, period_num: i32) -> Option<RenewPeriod> {
        let n = u8::try_from(period_num).ok()?;
        let period = match period_type {
            PERIOD_TYPE_MONTH => RenewPeriod::Months(n),
            PERIOD_TYPE_YEAR => RenewPeriod::Years(n),
            _ => return None,
        };
        RenewPeriod::all().any(|p| p == period).then_some(period)
    }

    /// Length in calendar months (a year is 12).
    pub fn months(&self) -> u32 {
        match *self {
            RenewPeriod::Months(n) => u32::from(n),
            RenewPeriod::Years(n) => 12 * u32::from(n),
        }
    }

    /// Every period the renew API accepts, shortest first: 1m..11m, 1y..3y.
    pub fn all() -> impl Iterator<Item = RenewPeriod> {
        (1..=11)
            .map(RenewPeriod::Months)
            .chain((1..=3).map(RenewPeriod::Years))
    }

    /// The shortest length this period can have, in hours (a month counts
    /// 28 days, a year 365).
    pub fn shortest_hours(&self) -> i64 {
        let days = match *self {
            RenewPeriod::Months(n) => i64::from(n) * SHORTEST_MONTH_DAYS,
            RenewPeriod::Years(n) => i64::from(n) * SHORTEST_YEAR_DAYS,
        };
        days * 24
    }
}

/// The length of each automatic renewal: the auto-renew API's
/// `period_type` "MONTH" or "YEAR".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodUnit {
    Month,
    Year,
}

impl PeriodUnit {
    /// The auto-renew API's spelling.
    pub fn api_name(self) -> &'static str {
        match self {
            PeriodUnit::Month => "MONTH",
            PeriodUnit::Year => "YEAR",
        }
    }

    pub fn from_api_name(name: &str) -> Option<PeriodUnit> {
        match name {
            "MONTH" => Some(PeriodUnit::Month),
            "YEAR" => Some(PeriodUnit::Year),
            _ => None,
        }
    }
}

impl fmt::Display for RenewPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenewPeriod::Months(n) => write!(f, "{n}m"),
            RenewPeriod::Years(n) => write!(f, "{n}y"),
        }
    }
}

const ALLOWED: &str = "expected <n>m (1m to 11m) or <n>y (1y to 3y)";

impl FromStr for RenewPeriod {
    type Err = String;

    fn from_str(s: &str) -> Result<RenewPeriod, String> {
        let bad = |why: String| Err(format!("invalid period {s:?}: {why}"));
        let (digits, unit) = match s.char_indices().last() {
            Some((i, c)) => (&s[..i], c),
            None => return bad(ALLOWED.into()),
        };
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0') && digits.len() > 1
        {
            return bad(ALLOWED.into());
        }
        let n: u32 = match digits.parse() {
            Ok(n) => n,
            Err(_) => return bad(ALLOWED.into()),
        };
        match unit {
            'm' => match n {
                1..=11 => Ok(RenewPeriod::Months(n as u8)),
                12 | 24 | 36 => bad(format!(
                    "months are 1m to 11m; write {}y for {n} months",
                    n / 12
                )),
                _ => bad("months are 1m to 11m (use 1y to 3y for longer)".into()),
            },
            'y' => match n {
                1..=3 => Ok(RenewPeriod::Years(n as u8)),
                _ => bad("years are 1y to 3y".into()),
            },
            'd' | 'w' | 'h' => bad(format!("renewals are bought in months or years; {ALLOWED}")),
            _ => bad(ALLOWED.into()),
        }
    }
}

impl Serialize for RenewPeriod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RenewPeriod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RenewPeriod, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = RenewPeriod;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a period like 1m or 1y")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RenewPeriod, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RenewPeriod, E> {
                Err(E::custom(format!(
                    "invalid period {v}: add a unit: {ALLOWED}"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RenewPeriod, E> {
                Err(E::custom(format!("invalid period {v}: {ALLOWED}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RenewPeriod, E> {
                Err(E::custom(format!("invalid period {v}: {ALLOWED}")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for RenewPeriod {
    fn schema_name() -> Cow<'static, str> {
        "RenewPeriod".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "description": "A renewal period: <n>m for 1 to 11 months or <n>y for 1 to 3 years.",
            "examples": ["1m", "6m", "1y", "3y"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_valid_period() {
        for n in 1..=11u8 {
            assert_eq!(
                format!("{n}m").parse::<RenewPeriod>(),
                Ok(RenewPeriod::Months(n))
            );
        }
        for n in 1..=3u8 {
            assert_eq!(
                format!("{n}y").parse::<RenewPeriod>(),
                Ok(RenewPeriod::Years(n))
            );
        }
        assert_eq!(RenewPeriod::Years(2).to_string(), "2y");
        assert_eq!(RenewPeriod::Months(3).api_period(), (PERIOD_TYPE_MONTH, 3));
        assert_eq!(RenewPeriod::Years(1).api_period(), (PERIOD_TYPE_YEAR, 1));
        for p in RenewPeriod::all() {
            let (t, n) = p.api_period();
            assert_eq!(RenewPeriod::from_api(t, n), Some(p));
        }
        assert_eq!(RenewPeriod::from_api(PERIOD_TYPE_MONTH, 12), None);
        assert_eq!(RenewPeriod::from_api(1, 1), None);
        assert!(RenewPeriod::Months(11) < RenewPeriod::Years(1));
    }

    #[test]
    fn rejects_invalid_periods_with_the_allowed_range() {
        let cases = [
            ("13m", "invalid period \"13m\": months are 1m to 11m"),
            ("0m", "months are 1m to 11m"),
            ("12m", "write 1y for 12 months"),
            ("24m", "write 2y for 24 months"),
            ("4y", "years are 1y to 3y"),
            ("0y", "years are 1y to 3y"),
            ("30d", "bought in months or years"),
            ("", "expected <n>m"),
            ("m", "expected <n>m"),
            ("01m", "expected <n>m"),
            ("1", "expected <n>m"),
            ("1 y", "expected <n>m"),
            ("99999999999y", "expected <n>m"),
            ("1é", "expected <n>m"),
        ];
        for (text, want) in cases {
            let err = text.parse::<RenewPeriod>().unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn shortest_lengths() {
        assert_eq!(RenewPeriod::Months(1).shortest_hours(), 28 * 24);
        assert_eq!(RenewPeriod::Years(1).shortest_hours(), 365 * 24);
    }
}
