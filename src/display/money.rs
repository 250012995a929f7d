//! Money for people: `CNY 12,345.60`, signed where a direction matters.

use rust_decimal::Decimal;

/// Money in a JSON document: a decimal string with two decimals at least
/// (`"70000.00"`, `"60275.70"`, `"0.00"`); an amount the API gave with
/// more digits keeps them.
pub fn json_amount(amount: Decimal) -> String {
    let mut d = amount.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// serde's `serialize_with` for [`json_amount`].
pub fn serialize_json_amount<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&json_amount(*d))
}

/// `CNY 1,234.50`
pub fn money(currency: &str, amount: Decimal) -> String {
    let amount = amount.round_dp(2);
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    // The currency comes from the API.
    let currency = super::untrusted::text(currency);
    format!("{currency} {sign}{}", group(amount.abs()))
}

/// `+CNY 1,234.50` / `-CNY 10.00` / `CNY 0.00`
pub fn signed(currency: &str, amount: Decimal) -> String {
    let amount = amount.round_dp(2);
    let body = format!(
        "{} {}",
        super::untrusted::text(currency),
        group(amount.abs())
    );
    if amount.is_zero() {
        body
    } else if amount.is_sign_negative() {
        format!("-{body}")
    } else {
        format!("+{body}")
    }
}

fn group(amount: Decimal) -> String {
    let text = format!("{amount:.2}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn formats() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(money("CNY", d("3852")), "CNY 3,852.00");
        assert_eq!(money("CNY", d("1234567.891")), "CNY 1,234,567.89");
        assert_eq!(money("CNY", d("0")), "CNY 0.00");
        assert_eq!(money("CNY", d("-12.5")), "CNY -12.50");
        assert_eq!(signed("CNY", d("120")), "+CNY 120.00");
        assert_eq!(signed("CNY", d("-120")), "-CNY 120.00");
        assert_eq!(signed("CNY", d("0")), "CNY 0.00");
        assert_eq!(money("CNY", d("999.999")), "CNY 1,000.00");
    }
}
