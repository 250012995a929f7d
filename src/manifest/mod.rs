//! Manifests: YAML files → validated desired state.
//!
//! - `load` reads `-f` files/directories into a [`ManifestSet`], reporting
//!   every problem of every file in one run as [`Diagnostic`]s with
//!   file:line:column and key path.
//! - `resolve` (pure) matches the set against the live [`Inventory`] and
//!   yields one [`Desired`] per managed main resource.
//!
//! Pipeline inside `load`: `yaml` (marked tree) → `keys` (unknown keys) →
//! `decode` (serde, one entry at a time) → `validate` (cross-key and
//! cross-file rules).
//!
//! [`Inventory`]: crate::live::Inventory

pub mod base_ref;
pub mod decode;
pub mod diagnostic;
pub mod duration;
pub mod keys;
pub mod load;
pub mod money;
pub mod origin;
pub mod resolve;
pub mod selector;
pub mod types;
pub mod validate;
pub mod yaml;

pub use crate::plan::model::RenewPeriod;
pub use diagnostic::{Diagnostic, Severity};
pub use duration::Duration;
pub use load::{load, load_str, Loaded, ManifestSet};
pub use origin::{Located, Origin};
pub use resolve::{resolve, Desired, Resolution};
pub use types::{
    json_schema, json_schema_pretty, AutoRenewPeriod, AutoRenewSpec, Defaults, DesiredState,
    ExpireDay, Match, OnExpiry, Policy, RenewAhead, RenewAheadSetting, RenewalSettings,
    ResourceEntry, SelectorEntry, Settings,
};
