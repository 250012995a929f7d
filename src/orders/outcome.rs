//! What became of a pay or cancel, including when the answer was lost and
//! the order had to be re-read to learn it.

use crate::bss::model::{
    ORDER_STATUS_CANCELLED, ORDER_STATUS_COMPLETED, ORDER_STATUS_PENDING_PAYMENT,
};
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
        o
    }

    /// A refusal before anything was sent.
    pub fn refused(order_id: &str, action: Action, why: String) -> OrderOutcome {
        let mut o = OrderOutcome::new(order_id, action, Status::Refused);
        o.note = Some(why);
        o
    }
}

/// After a pay or cancel whose answer was lost, what the re-read order
/// status says: (status, note).
pub fn after_lost_answer(action: Action, order_status: Option<i32>) -> (Status, String) {
    let verb = action.verb();
    match order_status {
        Some(s) if s == action.done_status() => (
            Status::Done,
            format!(
                "the answer was lost, but re-reading the order shows it {} (status {s}): the {verb} took effect; it was not sent again",
                crate::orders::order_status_name(Some(s))
            ),
        ),
        Some(ORDER_STATUS_PENDING_PAYMENT) => (
            Status::Failed,
            format!(
                "the answer was lost; re-reading the order shows it still pending payment: the {verb} did NOT take effect{}. It is safe to run bssctl orders {verb} again",
                if action == Action::Pay { " and nothing was charged" } else { "" }
            ),
        ),
        Some(s) => (
            Status::Unknown,
            format!(
                "the answer was lost; the order is now {} (status {s}), so whether the {verb} took effect is unknown. It was NOT sent again: check with bssctl orders --all before retrying",
                crate::orders::order_status_name(Some(s))
            ),
        ),
        None => (
            Status::Unknown,
            format!(
                "the answer was lost and the order could not be re-read, so whether the {verb} took effect is unknown. It was NOT sent again: check with bssctl orders --all before retrying"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_answer_is_settled_only_by_the_order_status() {
        assert_eq!(after_lost_answer(Action::Pay, Some(5)).0, Status::Done);
        assert_eq!(after_lost_answer(Action::Pay, Some(6)).0, Status::Failed);
        assert!(after_lost_answer(Action::Pay, Some(6))
            .1
            .contains("nothing was charged"));
        assert_eq!(after_lost_answer(Action::Pay, Some(3)).0, Status::Unknown);
        assert_eq!(after_lost_answer(Action::Pay, None).0, Status::Unknown);
        assert_eq!(after_lost_answer(Action::Cancel, Some(4)).0, Status::Done);
        assert_eq!(
            after_lost_answer(Action::Cancel, Some(5)).0,
            Status::Unknown
        );
    }
}
