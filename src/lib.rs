//! bssctl: a declarative reconciler for Huawei Cloud yearly/monthly
//! subscriptions. See README.md for the architecture map.

pub mod apply;
pub mod bss;
pub mod cli;
pub mod clock;
pub mod comment;
pub mod export;
pub mod forecast;
pub mod fsutil;
pub mod hints;
pub mod last_applied;
pub mod live;
pub mod live_fetch;
pub mod manifest;
pub mod orders;
pub mod plan;
pub mod planner;
pub mod pricing;
pub mod render;
pub mod sandbox;
pub mod state;
