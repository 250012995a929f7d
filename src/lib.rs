//! bssctl: a declarative reconciler for Huawei Cloud yearly/monthly
//! subscriptions. See README.md for the architecture map.

pub mod apply;
pub mod bss;
pub mod clock;
pub mod fsutil;
pub mod last_applied;
pub mod live;
pub mod manifest;
pub mod plan;
pub mod pricing;
pub mod render;
