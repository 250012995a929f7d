//! Forecast and risk (DESIGN §11): the next months of renewals for every
//! main resource of the account, managed or not.
//!
//! - `model`: the forecast as plain data.
//! - `project`: the pure projection (calendar, chained renewals, months,
//!   runway, risks).
//! - `inputs`: live rows, plan changes and last-applied records turned into
//!   the projection's subjects (pure).
//! - `fetch`: the I/O — one listing, renew-rate calls, the balance.
//! - `outlook`: the risk section and 12-month line `plan` shows.
//! - `render`: text, JSON and markdown views.

pub mod fetch;
pub mod inputs;
pub mod model;
pub mod outlook;
pub mod project;
pub mod render;

pub use model::*;
