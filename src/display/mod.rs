//! Pure string helpers every layer may use, with no model of their own:
//! the one money formatter (`CNY 1,234.50`) and the escaping of untrusted
//! strings (names, API messages) for the terminal and markdown. Views live
//! in `render`; rules that build messages (pricing warnings, guardrails,
//! progress lines) use these without depending on the views.

pub mod money;
pub mod untrusted;

/// How a hint continues a warning (`render::split_hint` splits at it).
pub const HINT_LINE: &str = "\n  hint: ";
