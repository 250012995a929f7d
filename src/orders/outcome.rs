//! What became of a pay or cancel, including when the answer was lost and
//! the order had to be re-read to learn it.

use crate::bss::model::{ORDER_STATUS_CANCELLED, ORDER_STATUS_COMPLETED};
use crate::bss::ApiError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Pay,
    Cancel,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Pay => "pay",
            Action::Cancel => "cancel",
        }
    }

    /// The order status that shows the action took effect.
    fn done_status(self) -> i32 {
        match self {
            Action::Pay => ORDER_STATUS_COMPLETED,
            Action::Cancel => ORDER_STATUS_CANCELLED,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Took effect (answered, or verified after a lost answer).
    Done,
    /// Did not take effect (refused, or verified not applied).
    Failed,
    /// Refused by bssctl before sending (nothing was sent).
    Refused,
    /// Unknown: the answer was lost and re-reading did not settle it.
    Unknown,
}

/// One order's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderOutcome {
    pub order_id: String,
    pub action: Action,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl OrderOutcome {
    pub fn new(order_id: &str, action: Action, status: Status) -> OrderOutcome {
        OrderOutcome {
            order_id: order_id.to_string(),
            action,
            status,
            error_code: None,
            error_msg: None,
            hint: None,
            request_id: None,
            note: None,
        }
    }

    /// A failure from an API error, with the error's code, message and hint.
    pub fn from_error(
        order_id: &str,
        action: Action,
        status: Status,
        e: &ApiError,
    ) -> OrderOutcome {
        let mut o = OrderOutcome::new(order_id, action, status);
        o.error_code = Some(match e {
            ApiError::Service { error_code, .. } => error_code.clone(),
            ApiError::Ambiguous { .. } => "AMBIGUOUS".into(),
            ApiError::Transport { .. } => "TRANSPORT".into(),
            ApiError::Decode { .. } => "DECODE".into(),
            ApiError::InvalidRequest { .. } => "INVALID_REQUEST".into(),
            ApiError::Config(_) => "CONFIG".into(),
        });
        o.error_msg = Some(match e {
            ApiError::Service { error_msg, .. } => error_msg.clone(),
            other => other.to_string(),
        });
        o.hint = crate::hints::hint_for_error(e);
        o.request_id = e.request_id().map(str::to_string);
        // The request id is shown once, beside the outcome, not again
        // inside the message that carries it.
        if let (Some(id), Some(msg)) = (&o.request_id, &mut o.error_msg) {
            let suffix = format!(" (request id {id})");
            while msg.ends_with(&suffix) {
                msg.truncate(msg.len() - suffix.len());
            }
        }
        o
    }

    /// A refusal before anything was sent.
    pub fn refused(order_id: &str, action: Action, why: String) -> OrderOutcome {
        let mut o = OrderOutcome::new(order_id, action, Status::Refused);
        o.note = Some(why);
        o
    }
}

/// After a pay or cancel whose answer was lost, what an immediate re-read
/// of the order says: (status, note). Only the status the action leads to
/// settles it; anything else (still pending, say) may be a late answer on
/// its way, so the outcome stays unknown until a re-read after the settle
/// time (`check_after`) — never "safe to run again" from one read.
pub fn after_lost_answer(
    action: Action,
    order_status: Option<i32>,
    check_after: &str,
) -> (Status, String) {
    let verb = action.verb();
    match order_status {
        Some(s) if s == action.done_status() => (
            Status::Done,
            format!(
                "the answer was lost, but re-reading the order shows it {} (status {s}): the {verb} took effect; it was not sent again",
                crate::orders::order_status_name(Some(s))
            ),
        ),
        other => (
            Status::Unknown,
            format!(
                "the answer was lost and {}, so whether the {verb} took effect is unknown; it was NOT sent again. Run bssctl orders {verb} again after {check_after} (the settle time): it re-reads the order first",
                match other {
                    Some(s) => format!(
                        "the order still reads {} (status {s}) right after",
                        crate::orders::order_status_name(Some(s))
                    ),
                    None => "the order could not be re-read".to_string(),
                }
            ),
        ),
    }
}

/// `CNY 1,234.50` (the one money formatter), or "amount unknown".
pub fn amount_text(amount: Option<rust_decimal::Decimal>, currency: &str) -> String {
    amount.map_or_else(
        || "amount unknown".into(),
        |a| crate::display::money::money(&crate::display::untrusted::text(currency), a),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_answer_is_settled_only_by_the_done_status() {
        let t = "2026-11-24T00:10:00Z";
        assert_eq!(after_lost_answer(Action::Pay, Some(5), t).0, Status::Done);
        let (status, note) = after_lost_answer(Action::Pay, Some(6), t);
        assert_eq!(status, Status::Unknown);
        assert!(!note.contains("safe to run"), "{note}");
        assert!(note.contains(t), "{note}");
        assert_eq!(
            after_lost_answer(Action::Pay, Some(3), t).0,
            Status::Unknown
        );
        assert_eq!(after_lost_answer(Action::Pay, None, t).0, Status::Unknown);
        assert_eq!(
            after_lost_answer(Action::Cancel, Some(4), t).0,
            Status::Done
        );
        assert_eq!(
            after_lost_answer(Action::Cancel, Some(5), t).0,
            Status::Unknown
        );
    }
}
