//! The Huawei Cloud BSS v2 API: wire types, signing, credentials and the client.

pub mod api;
pub mod credentials;
pub mod cts;
pub mod model;
pub mod secret;
pub mod signer;
pub mod sts;

pub use api::{Api, ApiMeta, Safety, API_TABLE};
pub use secret::Secret;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod pacer;
pub mod retry;

pub use client::{ApiResponse, BssClient, ClientConfig, Page};
pub use error::ApiError;
