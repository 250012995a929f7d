//! bssctl: a declarative reconciler for Huawei Cloud yearly/monthly
//! subscriptions. See README.md for the architecture map.
//!
//! Layering (dependencies point down; checked by `tests/it/layering.rs`):
//! `cli` runs the commands whose flags `arguments` (the command line's
//! grammar, clap) parses, calls a pipeline and hands its result to `render`
//! (views over the models, never imported back), written and asked through
//! `terminal` (stdout, stderr, prompts) or `comment` (posting a
//! rendered plan to a forge); below them `forecast` (the next months) reuses
//! the plan pipeline and its I/O, and `apply`, `orders` and `export` use the
//! plan pipeline (`plan`, its pure stages;
//! `planner` sequences its I/O, `pricing` fetches prices), which reads `manifest`,
//! `live` (inventory, fetching, re-verification of in-flight purchases) and
//! `state` (lock, journal, last-applied record, saved plans); `state` and
//! `live` store and check the plan model (`plan::model`, plain data in domain
//! terms, converted to API codes at the client edge; `manifest` shares its
//! renewal periods); all of
//! them talk to the account through `bss`. At the bottom, with no model:
//! `clock`, `fsutil` and `display` (the money formatter and the escaping of
//! untrusted strings), `config` (the optional config file's defaults) and
//! `version` (what `bssctl version` says). `sandbox` (the BSS test double)
//! uses only `bss`, and `connect` (from connection options to a client: an
//! account or the embedded sandbox) sits above it and `state`, below
//! everything that talks to an account; `hints` only `bss`. `cts` (who
//! changed a drifted resource: the audit trail) reads it through `bss` into
//! the plan model; `notify` posts a plan's summary to a chat webhook with
//! `render`'s words. `enterprise` (the accounts of an enterprise: `bssctl
//! accounts`, and one plan across declared accounts) connects each account
//! through `connect`, runs `planner` per account and applies each account's
//! `apply` session after its funding transfer; `render` shows it. No
//! two modules import each other.

pub mod apply;
pub mod arguments;
pub mod bss;
pub mod cli;
pub mod clock;
pub mod comment;
pub mod config;
pub mod connect;
pub mod cts;
pub mod display;
pub mod enterprise;
pub mod export;
pub mod forecast;
pub mod fsutil;
pub mod hints;
pub mod live;
pub mod manifest;
pub mod notify;
pub mod orders;
pub mod plan;
pub mod planner;
pub mod pricing;
pub mod render;
pub mod sandbox;
pub mod state;
pub mod terminal;
pub mod version;
