//! §13 enterprise multi-accounts, answered for the master account:
//! ListEnterpriseSubCustomers, ShowMultiAccountTransferAmount,
//! ListEnterpriseMultiAccount and UpdateSubEnterpriseAmount with its
//! `trans_id` rule (a reused id is refused with `CBC.99007009`).

use super::validate::{self, json_body, Query};
use super::{reply, Ctx};
use crate::bss::model::{
    ListEnterpriseSubCustomersResp, MultiAccountAmountInfo, MultiAccountAmountResp,
    SubCustomerInfoV2, TransferEnterpriseMultiAccountReq, ACCOUNT_TYPE_BALANCE,
    ACCOUNT_TYPE_CREDIT, BALANCE_TYPE_CREDIT, BALANCE_TYPE_DEBIT, SUB_CUSTOMER_STATUS_NORMAL,
};
use crate::sandbox::billing::money;
use crate::sandbox::errors::{ApiError, CODE_INSUFFICIENT_BALANCE};
use crate::sandbox::state::{Balance, State, Transfer};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

pub const CODE_TRANS_ID_DUPLICATED: &str = "CBC.99007009";
pub const CODE_NO_ACCOUNT: &str = "CBC.99000047";

pub fn sub_customers(ctx: &Ctx<'_>, state: &State) -> Result<Value, ApiError> {
    let q = Query::new(
        ctx.query,
        &[
            "sub_customer_account_name",
            "sub_customer_display_name",
            "fuzzy_query",
            "offset",
            "limit",
            "org_id",
        ],
    )?;
    let fuzzy = match q.int("fuzzy_query")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "fuzzy_query {v} must be 0 or 1."
            )))
        }
    };
    let (offset, limit) = paging(&q)?;
    let matches = |filter: Option<&str>, value: &str| match filter {
        None => true,
        Some(f) if fuzzy => value.contains(f),
        Some(f) => value == f,
    };
    let rows: Vec<SubCustomerInfoV2> = state
        .sub_accounts
        .iter()
        .filter(|s| matches(q.str("sub_customer_account_name"), &s.name))
        .filter(|s| matches(q.str("sub_customer_display_name"), &s.display_name))
        .filter(|s| q.str("org_id").is_none_or(|o| o == s.org_id))
        .map(|s| SubCustomerInfoV2 {
            id: Some(s.id.clone()),
            name: Some(s.name.clone()),
            display_name: Some(s.display_name.clone()),
            status: Some(s.status),
            org_id: Some(s.org_id.clone()),
            org_name: s.org_name.clone(),
        })
        .collect();
    let total = rows.len() as i64;
    reply(&ListEnterpriseSubCustomersResp {
        total_count: Some(total),
        sub_customer_infos: Some(rows.into_iter().skip(offset).take(limit).collect()),
    })
}

/// `offset`/`limit` of the §13 lists: limit 1–100 (default 10), offset ≥ 0.
fn paging(q: &Query<'_>) -> Result<(usize, usize), ApiError> {
    let offset = q.int("offset")?.unwrap_or(0);
    let limit = q.int("limit")?.unwrap_or(10);
    validate::int_range("offset", offset, 0, i64::from(i32::MAX))?;
    validate::int_range("limit", limit, 1, 100)?;
    Ok((offset as usize, limit as usize))
}

fn balance_type(v: &str) -> Result<&str, ApiError> {
    if v == BALANCE_TYPE_DEBIT || v == BALANCE_TYPE_CREDIT {
        Ok(v)
    } else {
        Err(ApiError::invalid(format!(
            "balance_type {v:?} must be BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT."
        )))
    }
}

/// The amount infos of one account's ledgers: its cash account for debit,
/// one row per credit account for credit (sandbox ledgers never expire).
fn amount_infos(state: &State, kind: &str, retrieve: bool) -> Vec<MultiAccountAmountInfo> {
    let avail = |b: &Balance| Some(money(b.amount.max(Decimal::ZERO)));
    if kind == BALANCE_TYPE_DEBIT {
        let cash: Decimal = state
            .balances
            .iter()
            .filter(|b| b.account_type == ACCOUNT_TYPE_BALANCE)
            .map(|b| b.amount.max(Decimal::ZERO))
            .sum();
        let mut info = MultiAccountAmountInfo {
            measure_id: Some(1),
            currency: Some(state.currency.clone()),
            ..Default::default()
        };
        if retrieve {
            info.avail_retrieve_amount = Some(money(cash));
        } else {
            info.avail_transfer_amount = Some(money(cash));
        }
        return vec![info];
    }
    state
        .balances
        .iter()
        .filter(|b| b.account_type == ACCOUNT_TYPE_CREDIT)
        .map(|b| MultiAccountAmountInfo {
            avail_transfer_amount: if retrieve { None } else { avail(b) },
            avail_retrieve_amount: if retrieve { avail(b) } else { None },
            measure_id: Some(1),
            currency: Some(state.currency.clone()),
            amount: Some(money(b.amount)),
            credit_amount: b.credit_amount.map(money),
            expire_time: None,
        })
        .collect()
}

fn amounts_reply(
    infos: Vec<MultiAccountAmountInfo>,
    offset: usize,
    limit: usize,
    kind: &str,
) -> Result<Value, ApiError> {
    let total = infos.len() as i64;
    let page: Vec<_> = if kind == BALANCE_TYPE_CREDIT {
        infos.into_iter().skip(offset).take(limit).collect()
    } else {
        infos
    };
    reply(&MultiAccountAmountResp {
        total_count: Some(total),
        amount_infos: Some(page),
    })
}

pub fn transfer_amount(ctx: &Ctx<'_>, state: &State) -> Result<Value, ApiError> {
    let q = Query::new(ctx.query, &["balance_type", "offset", "limit"])?;
    let kind = balance_type(q.required("balance_type")?)?;
    let (offset, limit) = paging(&q)?;
    amounts_reply(amount_infos(state, kind, false), offset, limit, kind)
}

pub fn retrieve_amount(ctx: &Ctx<'_>, state: &State) -> Result<Value, ApiError> {
    let q = Query::new(
        ctx.query,
        &["sub_customer_id", "balance_type", "offset", "limit"],
    )?;
    let id = q.required("sub_customer_id")?;
    let kind = balance_type(q.required("balance_type")?)?;
    let (offset, limit) = paging(&q)?;
    let sub = state.sub_account(id).ok_or_else(|| no_account(id))?;
    amounts_reply(amount_infos(&sub.account, kind, true), offset, limit, kind)
}

fn no_account(id: &str) -> ApiError {
    ApiError::new(
        400,
        CODE_NO_ACCOUNT,
        format!("The sub-account {id} does not exist or is not linked to this enterprise."),
    )
}

/// `amount`: yuan, > 0, at most 2 decimals, at most 32 characters.
fn parse_amount(v: &str) -> Result<Decimal, ApiError> {
    let bad = || {
        ApiError::invalid(format!(
            "amount {v:?} must be a positive yuan amount with at most 2 decimals."
        ))
    };
    if v.is_empty() || v.len() > 32 || !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let d = Decimal::from_str(v).map_err(|_| bad())?;
    if d <= Decimal::ZERO || d.scale() > 2 {
        return Err(bad());
    }
    Ok(d)
}

pub fn transfer(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: TransferEnterpriseMultiAccountReq = json_body(
        ctx.body,
        &[
            "customer_id",
            "amount",
            "trans_id",
            "balance_type",
            "expire_time",
        ],
    )?;
    if req.customer_id.is_empty() || req.customer_id.len() > 64 {
        return Err(ApiError::invalid("customer_id must be 1 to 64 characters."));
    }
    let amount = parse_amount(&req.amount)?;
    let kind = match req.balance_type.as_deref() {
        None => BALANCE_TYPE_DEBIT,
        Some(v) => balance_type(v)?,
    };
    if req.expire_time.is_some() {
        // Every sandbox ledger never expires, and then the field must be absent.
        return Err(ApiError::invalid(
            "expire_time must be absent: the credit ledger never expires.",
        ));
    }
    let trans_id = match req.trans_id.as_deref() {
        Some(t) if t.len() > 32 => {
            return Err(ApiError::invalid("trans_id must be at most 32 characters."))
        }
        Some("") | None => format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        Some(t) => t.to_string(),
    };
    if state.transfers.iter().any(|t| t.trans_id == trans_id) {
        return Err(ApiError::new(
            400,
            CODE_TRANS_ID_DUPLICATED,
            format!("The transaction id {trans_id} has already been used."),
        ));
    }
    let sub_status = state
        .sub_account(&req.customer_id)
        .ok_or_else(|| no_account(&req.customer_id))?
        .status;
    if sub_status != SUB_CUSTOMER_STATUS_NORMAL {
        return Err(ApiError::new(
            400,
            "CBC.99000043",
            format!(
                "The sub-account {} is not in normal status ({sub_status}).",
                req.customer_id
            ),
        ));
    }
    let account_type = if kind == BALANCE_TYPE_DEBIT {
        ACCOUNT_TYPE_BALANCE
    } else {
        ACCOUNT_TYPE_CREDIT
    };
    let source = state
        .balances
        .iter_mut()
        .find(|b| b.account_type == account_type && b.amount >= amount);
    let Some(source) = source else {
        return Err(ApiError::new(
            400,
            CODE_INSUFFICIENT_BALANCE,
            format!(
                "Insufficient balance: the transfer of {} exceeds the transferable balance.",
                money(amount)
            ),
        ));
    };
    source.amount -= amount;
    let sub = state
        .sub_accounts
        .iter_mut()
        .find(|s| s.id == req.customer_id)
        .ok_or_else(|| no_account(&req.customer_id))?;
    match sub
        .account
        .balances
        .iter_mut()
        .find(|b| b.account_type == account_type)
    {
        Some(b) => b.amount += amount,
        None => sub.account.balances.push(Balance {
            account_id: format!("{}-{}", sub.id, account_type),
            account_type,
            amount,
            designated_amount: Decimal::ZERO,
            credit_amount: (account_type == ACCOUNT_TYPE_CREDIT).then_some(amount),
        }),
    }
    state.transfers.push(Transfer {
        trans_id,
        customer_id: req.customer_id,
        amount: money(amount),
        balance_type: kind.to_string(),
        at: ctx.now,
    });
    Ok(json!({}))
}
