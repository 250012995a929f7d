//! How an `Operation` is stored in saved plans and the journal: the API's
//! vocabulary (`period_type` 2/3, `is_auto_pay` 0/1, `unsubscribe_type` 1),
//! the shape those files have always had. Reading checks every code, so an
//! edited plan file cannot smuggle in a period or a mode the model has no
//! name for.

use super::period::{PeriodUnit, RenewPeriod};
use super::Operation;
use crate::bss::model::UNSUBSCRIBE_WITH_ATTACHED;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum OperationRepr {
    Renew {
        period_type: i32,
        period_num: i32,
        is_auto_pay: i32,
    },
    EnableAutoRenew {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto_renew_times: Option<i32>,
    },
    CancelAutoRenew {},
    SetOnDemand {},
    CancelOnDemand {},
    Unsubscribe {
        unsubscribe_type: i32,
    },
    SetRenewConfig {
        config_name: String,
        config_value: String,
    },
}

impl From<Operation> for OperationRepr {
    fn from(op: Operation) -> OperationRepr {
        match op {
            Operation::Renew { period, pay_now } => {
                let (period_type, period_num) = period.api_period();
                OperationRepr::Renew {
                    period_type,
                    period_num,
                    is_auto_pay: i32::from(pay_now),
                }
            }
            Operation::EnableAutoRenew { period, times } => OperationRepr::EnableAutoRenew {
                period_type: period.map(|p| p.api_name().to_string()),
                auto_renew_times: times.map(|t| i32::try_from(t).unwrap_or(i32::MAX)),
            },
            Operation::CancelAutoRenew => OperationRepr::CancelAutoRenew {},
            Operation::SetOnDemand => OperationRepr::SetOnDemand {},
            Operation::CancelOnDemand => OperationRepr::CancelOnDemand {},
            Operation::Unsubscribe => OperationRepr::Unsubscribe {
                unsubscribe_type: UNSUBSCRIBE_WITH_ATTACHED,
            },
            Operation::SetRenewConfig {
                config_name,
                config_value,
            } => OperationRepr::SetRenewConfig {
                config_name,
                config_value,
            },
        }
    }
}

impl TryFrom<OperationRepr> for Operation {
    type Error = String;

    fn try_from(repr: OperationRepr) -> Result<Operation, String> {
        Ok(match repr {
            OperationRepr::Renew {
                period_type,
                period_num,
                is_auto_pay,
            } => Operation::Renew {
                period: RenewPeriod::from_api(period_type, period_num).ok_or_else(|| {
                    format!("renew: period_type {period_type} with period_num {period_num} is not a period the renew API accepts")
                })?,
                pay_now: match is_auto_pay {
                    0 => false,
                    1 => true,
                    other => return Err(format!("renew: is_auto_pay must be 0 or 1, not {other}")),
                },
            },
            OperationRepr::EnableAutoRenew {
                period_type,
                auto_renew_times,
            } => Operation::EnableAutoRenew {
                period: match period_type {
                    None => None,
                    Some(name) => Some(PeriodUnit::from_api_name(&name).ok_or_else(|| {
                        format!("enable_auto_renew: period_type must be MONTH or YEAR, not {name:?}")
                    })?),
                },
                times: match auto_renew_times {
                    None => None,
                    Some(t) => Some(u32::try_from(t).map_err(|_| {
                        format!("enable_auto_renew: auto_renew_times must not be negative ({t})")
                    })?),
                },
            },
            OperationRepr::CancelAutoRenew {} => Operation::CancelAutoRenew,
            OperationRepr::SetOnDemand {} => Operation::SetOnDemand,
            OperationRepr::CancelOnDemand {} => Operation::CancelOnDemand,
            OperationRepr::Unsubscribe { unsubscribe_type } => {
                if unsubscribe_type != UNSUBSCRIBE_WITH_ATTACHED {
                    return Err(format!(
                        "unsubscribe: unsubscribe_type must be {UNSUBSCRIBE_WITH_ATTACHED} (with attached resources), not {unsubscribe_type}"
                    ));
                }
                Operation::Unsubscribe
            }
            OperationRepr::SetRenewConfig {
                config_name,
                config_value,
            } => Operation::SetRenewConfig {
                config_name,
                config_value,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_round_trips_in_the_stored_shape() {
        let ops = [
            Operation::Renew {
                period: RenewPeriod::Months(3),
                pay_now: true,
            },
            Operation::Renew {
                period: RenewPeriod::Years(1),
                pay_now: false,
            },
            Operation::EnableAutoRenew {
                period: Some(PeriodUnit::Year),
                times: Some(2),
            },
            Operation::EnableAutoRenew {
                period: None,
                times: None,
            },
            Operation::CancelAutoRenew,
            Operation::SetOnDemand,
            Operation::CancelOnDemand,
            Operation::Unsubscribe,
            Operation::SetRenewConfig {
                config_name: "DEDUCTION_DATE".into(),
                config_value: "5".into(),
            },
        ];
        for op in ops {
            let json = serde_json::to_string(&op).unwrap();
            let back: Operation = serde_json::from_str(&json).unwrap();
            assert_eq!(back, op, "{json}");
        }
    }

    #[test]
    fn the_stored_shape_uses_the_api_codes() {
        let cases = [
            (
                Operation::Renew {
                    period: RenewPeriod::Years(2),
                    pay_now: true,
                },
                r#"{"kind":"renew","period_type":3,"period_num":2,"is_auto_pay":1}"#,
            ),
            (
                Operation::EnableAutoRenew {
                    period: Some(PeriodUnit::Month),
                    times: None,
                },
                r#"{"kind":"enable_auto_renew","period_type":"MONTH"}"#,
            ),
            (
                Operation::CancelAutoRenew,
                r#"{"kind":"cancel_auto_renew"}"#,
            ),
            (
                Operation::Unsubscribe,
                r#"{"kind":"unsubscribe","unsubscribe_type":1}"#,
            ),
        ];
        for (op, want) in cases {
            assert_eq!(serde_json::to_string(&op).unwrap(), want);
        }
    }

    #[test]
    fn codes_the_model_has_no_name_for_are_refused() {
        let cases = [
            (
                r#"{"kind":"renew","period_type":2,"period_num":12,"is_auto_pay":1}"#,
                "not a period the renew API accepts",
            ),
            (
                r#"{"kind":"renew","period_type":3,"period_num":1,"is_auto_pay":2}"#,
                "is_auto_pay must be 0 or 1",
            ),
            (
                r#"{"kind":"enable_auto_renew","period_type":"WEEK"}"#,
                "MONTH or YEAR",
            ),
            (
                r#"{"kind":"unsubscribe","unsubscribe_type":2}"#,
                "unsubscribe_type must be 1",
            ),
        ];
        for (json, want) in cases {
            let err = serde_json::from_str::<Operation>(json).unwrap_err();
            assert!(err.to_string().contains(want), "{json}: {err}");
        }
    }
}
