//! Request parsing and the documented limits. Every failure is a 400
//! CBC.0100 whose message names the field and says why.

use crate::bss::{model, Api};
use crate::sandbox::errors::ApiError;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Page size limit of every list call: the SDK states none, the sandbox
/// accepts 1–1000.
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 10;

/// Parses a JSON body into a model type. `no_null` names fields for which
/// `null` is rejected although the type would read it as absent.
pub fn json_body<T: DeserializeOwned>(body: &[u8], no_null: &[&str]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("The request body is required."));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}.")))?;
    let Some(obj) = value.as_object() else {
        return Err(ApiError::invalid("The request body must be a JSON object."));
    };
    for field in no_null {
        if obj.get(*field).is_some_and(Value::is_null) {
            return Err(ApiError::invalid(format!("{field} must not be null.")));
        }
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            ApiError::invalid(format!("Invalid request body: {inner}."))
        } else {
            ApiError::invalid(format!("Invalid value for {path}: {inner}."))
        }
    })
}

/// The `resource_ids` of a call: `min` up to the call's documented id limit
/// (its API row in `bss::api`), none empty.
pub fn api_ids(api: Api, ids: &[String], min: usize) -> Result<(), ApiError> {
    self::ids(
        "resource_ids",
        ids,
        min,
        api.max_ids().unwrap_or(usize::MAX),
    )
}

/// A list of resource ids: `min`..=`max` entries, none empty.
pub fn ids(field: &str, ids: &[String], min: usize, max: usize) -> Result<(), ApiError> {
    if ids.len() < min {
        return Err(ApiError::invalid(format!(
            "{field} must hold at least {min} id(s)."
        )));
    }
    if ids.len() > max {
        return Err(ApiError::invalid(format!(
            "{field} holds {} ids; at most {max} are allowed.",
            ids.len()
        )));
    }
    if ids.iter().any(|id| id.trim().is_empty()) {
        return Err(ApiError::invalid(format!(
            "{field} must not contain empty ids."
        )));
    }
    Ok(())
}

/// `period_type` 2 (month, `period_num` 1–11) or 3 (year, 1–3).
pub fn period(period_type: i32, period_num: i32) -> Result<(), ApiError> {
    let max = match period_type {
        model::PERIOD_TYPE_MONTH => 11,
        model::PERIOD_TYPE_YEAR => 3,
        other => {
            return Err(ApiError::invalid(format!(
                "period_type {other} is invalid; use 2 (month) or 3 (year)."
            )))
        }
    };
    if !(1..=max).contains(&period_num) {
        let unit = if period_type == model::PERIOD_TYPE_MONTH {
            "months"
        } else {
            "years"
        };
        return Err(ApiError::invalid(format!(
            "period_num {period_num} is out of range: 1-{max} {unit}."
        )));
    }
    Ok(())
}

pub fn int_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), ApiError> {
    if value < min || value > max {
        return Err(ApiError::invalid(format!(
            "{field} {value} is out of range: {min}-{max}."
        )));
    }
    Ok(())
}

/// `offset` ≥ 0 (default 0) and `limit` 1–1000 (default 10).
pub fn paging(offset: Option<i64>, limit: Option<i64>) -> Result<(usize, usize), ApiError> {
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid(format!(
            "offset {offset} must be 0 or more."
        )));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    int_range("limit", limit, 1, MAX_LIMIT)?;
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(0),
    ))
}

/// The API's time format `yyyy-MM-dd'T'HH:mm:ss'Z'`; `None` for an absent
/// or empty value (no filter).
pub fn api_time(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%SZ")
            .map(|t| Some(t.and_utc()))
            .map_err(|_| {
                ApiError::invalid(format!(
                    "{field} {v:?} is not a UTC time like 2026-11-24T00:00:00Z."
                ))
            }),
    }
}

/// A window of at most one year, begin not after end.
pub fn one_year_window(
    name: &str,
    begin: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Result<(), ApiError> {
    if let (Some(b), Some(e)) = (begin, end) {
        if b > e {
            return Err(ApiError::invalid(format!(
                "{name}_time_begin must not be after {name}_time_end."
            )));
        }
        if b.checked_add_months(chrono::Months::new(12))
            .is_some_and(|limit| e > limit)
        {
            return Err(ApiError::invalid(format!(
                "The {name} time window may span at most 1 year."
            )));
        }
    }
    Ok(())
}

/// Query parameters of a GET call, checked against the names it accepts.
pub struct Query<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Query<'a> {
    pub fn new(pairs: &'a [(String, String)], allowed: &[&str]) -> Result<Query<'a>, ApiError> {
        for (name, _) in pairs {
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::invalid(format!(
                    "Unknown query parameter {name}; accepted: {}.",
                    allowed.join(", ")
                )));
            }
        }
        Ok(Query { pairs })
    }

    /// The value, `None` when absent or empty (the API treats both alike).
    pub fn str(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.str(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid(format!("{name} {v:?} is not an integer.")))
            })
            .transpose()
    }

    pub fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        self.str(name)
            .ok_or_else(|| ApiError::invalid(format!("The query parameter {name} is required.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct T {
        a: i32,
        b: Option<Vec<String>>,
    }

    #[test]
    fn body_errors_name_the_field() {
        let e = json_body::<T>(br#"{"a":"x"}"#, &[]).unwrap_err();
        assert!(e.msg.contains("a"), "{}", e.msg);
        let e = json_body::<T>(br#"{"a":1,"c":2}"#, &[]).unwrap_err();
        assert!(e.msg.contains("unknown field `c`"), "{}", e.msg);
        let e = json_body::<T>(br#"{"a":1,"b":null}"#, &["b"]).unwrap_err();
        assert!(e.msg.contains("b must not be null"), "{}", e.msg);
        let e = json_body::<T>(b"{", &[]).unwrap_err();
        assert_eq!(e.code, "CBC.0100");
        assert!(json_body::<T>(b"", &[]).is_err());
        assert!(json_body::<T>(b"[]", &[]).is_err());
    }

    #[test]
    fn periods_and_paging() {
        assert!(period(2, 11).is_ok() && period(3, 3).is_ok());
        assert!(period(2, 12).is_err() && period(3, 4).is_err() && period(1, 1).is_err());
        assert!(period(2, 0).is_err());
        assert_eq!(paging(None, None).unwrap(), (0, 10));
        assert!(paging(Some(-1), None).is_err());
        assert!(paging(None, Some(0)).is_err() && paging(None, Some(1001)).is_err());
    }

    #[test]
    fn windows_span_at_most_a_year() {
        let t = |s| api_time("x", Some(s)).unwrap();
        assert!(one_year_window(
            "create",
            t("2026-01-01T00:00:00Z"),
            t("2027-01-01T00:00:00Z")
        )
        .is_ok());
        assert!(one_year_window(
            "create",
            t("2026-01-01T00:00:00Z"),
            t("2027-01-01T00:00:01Z")
        )
        .is_err());
        assert!(one_year_window(
            "create",
            t("2026-02-01T00:00:00Z"),
            t("2026-01-01T00:00:00Z")
        )
        .is_err());
        assert!(api_time("x", Some("2026-01-01")).is_err());
        assert_eq!(api_time("x", Some("")).unwrap(), None);
    }
}
