//! Why a change is in the plan, as data: the diff says what it found, the
//! views show it. On disk (saved plans) and in the JSON plan a reason is its
//! sentence, the words a person reviewed; read back it stays those words.

use super::period::RenewPeriod;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `state: unsubscribed` in the manifests.
    Unsubscribe,
    /// A renew_ahead window is open.
    RenewAhead {
        /// The live expiry's date (`YYYY-MM-DD`), whether it is past, and
        /// the whole days between it and the planning clock.
        expiry_date: String,
        expired: bool,
        days: i64,
        min_remaining: String,
        period: RenewPeriod,
        /// Why a longer period than the manifest's is bought (a frozen or
        /// expired resource must leave the window).
        longer: Option<String>,
        pay_now: bool,
    },
    /// `on_expiry` changes, in the manifest's words.
    OnExpiry { from: String, to: String },
    /// Auto-renew is on but bssctl never recorded its period and times.
    AutoRenewUnrecorded { set: String },
    /// Auto-renew's period or times differ from the last-applied record.
    AutoRenewChanged {
        from: String,
        to: String,
        applied_at: String,
    },
    /// A reason read back from a saved plan: its words as shown then.
    Text(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Unsubscribe => {
                f.write_str("state: unsubscribed: release it and its attached resources")
            }
            Reason::RenewAhead {
                expiry_date,
                expired,
                days,
                min_remaining,
                period,
                longer,
                pay_now,
            } => {
                if *expired {
                    write!(f, "expired {expiry_date} ({days} days ago)")?;
                } else {
                    write!(f, "expires {expiry_date} (in {days} days)")?;
                }
                write!(
                    f,
                    ", within renew_ahead.min_remaining {min_remaining}: renew {period}"
                )?;
                if let Some(why) = longer {
                    write!(f, ": {why}")?;
                }
                if !pay_now {
                    f.write_str(" (order left unpaid: auto_pay false)")?;
                }
                Ok(())
            }
            Reason::OnExpiry { from, to } => write!(f, "on_expiry: {from} → {to}"),
            Reason::AutoRenewUnrecorded { set } => write!(
                f,
                "auto-renew is on but its settings were never applied by bssctl (no last-applied record): set {set}"
            ),
            Reason::AutoRenewChanged {
                from,
                to,
                applied_at,
            } => write!(f, "auto-renew {from} → {to} (last applied {applied_at})"),
            Reason::Text(t) => f.write_str(t),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reason, D::Error> {
        String::deserialize(deserializer).map(Reason::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renew(expired: bool, days: i64, longer: Option<&str>, pay_now: bool) -> Reason {
        Reason::RenewAhead {
            expiry_date: "2026-12-10".into(),
            expired,
            days,
            min_remaining: "30d".into(),
            period: RenewPeriod::Years(1),
            longer: longer.map(str::to_string),
            pay_now,
        }
    }

    #[test]
    fn each_reason_reads_as_its_sentence() {
        let cases = [
            (
                renew(false, 10, None, true),
                "expires 2026-12-10 (in 10 days), within renew_ahead.min_remaining 30d: renew 1y",
            ),
            (
                renew(true, 0, Some("the shortest period that leaves the window"), false),
                "expired 2026-12-10 (0 days ago), within renew_ahead.min_remaining 30d: renew 1y: the shortest \
                 period that leaves the window (order left unpaid: auto_pay false)",
            ),
            (
                Reason::Unsubscribe,
                "state: unsubscribed: release it and its attached resources",
            ),
            (
                Reason::OnExpiry {
                    from: "none".into(),
                    to: "auto_renew".into(),
                },
                "on_expiry: none → auto_renew",
            ),
            (
                Reason::AutoRenewChanged {
                    from: "period month".into(),
                    to: "period year".into(),
                    applied_at: "2026-11-01T00:00:00Z".into(),
                },
                "auto-renew period month → period year (last applied 2026-11-01T00:00:00Z)",
            ),
        ];
        for (reason, want) in cases {
            assert_eq!(reason.to_string(), want);
        }
    }

    #[test]
    fn a_saved_reason_keeps_its_words() {
        let r = renew(false, 3, None, true);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, format!("\"{r}\""));
        let back: Reason = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_string(), r.to_string());
    }
}
