//! Money amounts in `policy`: a `Decimal` written as a decimal string
//! ("5000.00", exact) or a YAML number (5000), never negative. Serialized as
//! a string so no precision is lost on the way back out.

use rust_decimal::Decimal;
use schemars::{json_schema, Schema, SchemaGenerator};
use serde::{de, Deserializer, Serializer};
use std::fmt;
use std::str::FromStr;

pub const MONEY_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?$";

/// Parses a non-negative decimal amount.
pub fn parse(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.split_once('.')
            .map_or(t.bytes().all(|b| b.is_ascii_digit()), |(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            });
    if !ok {
        let why = if t.starts_with('-') {
            "amounts cannot be negative"
        } else {
            "expected a decimal amount like \"5000.00\""
        };
        return Err(format!("invalid amount {text:?}: {why}"));
    }
    Decimal::from_str(t).map_err(|_| format!("invalid amount {text:?}: too many digits"))
}

fn from_number(n: f64) -> Result<Decimal, String> {
    if n < 0.0 {
        return Err(format!("invalid amount {n}: amounts cannot be negative"));
    }
    // The shortest string that round-trips the f64 is what the user wrote
    // (for amounts with a sane number of digits), so go through it.
    parse(&n.to_string())
        .map_err(|_| format!("invalid amount {n}: write it as a decimal string like \"5000.00\""))
}

struct Visitor;

impl de::Visitor<'_> for Visitor {
    type Value = Option<Decimal>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount like \"5000.00\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse(v).map(Some).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if v < 0 {
            return Err(E::custom(format!(
                "invalid amount {v}: amounts cannot be negative"
            )));
        }
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        from_number(v).map(Some).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// `#[serde(with = "money")]` for `Option<Decimal>` fields.
pub fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    deserializer.deserialize_any(Visitor)
}

pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => serializer.collect_str(d),
        None => serializer.serialize_none(),
    }
}

/// Schema for an optional amount: a decimal string or a non-negative number.
pub fn schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A non-negative amount in the account's currency: a decimal string (exact) or a number.",
        "anyOf": [
            { "type": "string", "pattern": MONEY_PATTERN },
            { "type": "number", "minimum": 0 }
        ],
        "examples": ["5000.00"]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de(v: serde_json::Value) -> Result<Option<Decimal>, String> {
        deserialize(v).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_strings_and_numbers() {
        assert_eq!(
            de(serde_json::json!("5000.00")).unwrap(),
            Some(Decimal::new(500000, 2))
        );
        assert_eq!(
            de(serde_json::json!(800)).unwrap(),
            Some(Decimal::from(800))
        );
        assert_eq!(
            de(serde_json::json!(0.1)).unwrap(),
            Some(Decimal::new(1, 1))
        );
        assert_eq!(
            de(serde_json::json!(1234.56)).unwrap(),
            Some(Decimal::new(123456, 2))
        );
        assert_eq!(de(serde_json::Value::Null).unwrap(), None);
    }

    #[test]
    fn rejects_negative_and_garbage() {
        assert!(de(serde_json::json!("-1"))
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(de(serde_json::json!(-1))
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(de(serde_json::json!(-1.5))
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(de(serde_json::json!("5k"))
            .unwrap_err()
            .contains("expected a decimal amount"));
        assert!(de(serde_json::json!("1e3"))
            .unwrap_err()
            .contains("expected a decimal amount"));
        assert!(de(serde_json::json!(1e300))
            .unwrap_err()
            .contains("decimal string"));
        assert!(de(serde_json::json!("99999999999999999999999999999999"))
            .unwrap_err()
            .contains("too many digits"));
        assert!(de(serde_json::json!(true))
            .unwrap_err()
            .contains("expected a decimal amount"));
    }
}
