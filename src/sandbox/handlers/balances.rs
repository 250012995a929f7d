//! ShowCustomerAccountBalances.

use super::reply;
use crate::bss::model::{AccountBalanceV3, BalancesResp, ACCOUNT_TYPE_CREDIT};
use crate::sandbox::billing::money;
use crate::sandbox::errors::ApiError;
use crate::sandbox::state::State;
use rust_decimal::Decimal;
use serde_json::Value;

pub fn show(state: &State) -> Result<Value, ApiError> {
    let accounts = state
        .balances
        .iter()
        .map(|b| AccountBalanceV3 {
            account_id: Some(b.account_id.clone()),
            account_type: Some(b.account_type),
            amount: Some(money(b.amount)),
            currency: Some(state.currency.clone()),
            designated_amount: Some(money(b.designated_amount)),
            credit_amount: b.credit_amount.map(money),
            measure_id: Some(1),
        })
        .collect();
    // Debt is the credit used: the line minus what is still available.
    let debt: Decimal = state
        .balances
        .iter()
        .filter(|b| b.account_type == ACCOUNT_TYPE_CREDIT)
        .filter_map(|b| {
            b.credit_amount
                .map(|line| (line - b.amount).max(Decimal::ZERO))
        })
        .sum();
    reply(&BalancesResp {
        account_balances: Some(accounts),
        debt_amount: Some(money(debt)),
        measure_id: Some(1),
        currency: Some(state.currency.clone()),
    })
}
