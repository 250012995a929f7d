//! bssctl: a declarative reconciler for Huawei Cloud yearly/monthly
//! subscriptions. See README.md for the architecture map.

pub mod bss;
pub mod clock;
pub mod live;
pub mod manifest;
