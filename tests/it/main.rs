//! The integration tests, one binary (linking the crate once instead of once
//! per file): a module per feature, sharing `common`.

mod common;

mod api_examples;
mod apply_e2e;
mod apply_json;
mod apply_speed;
mod ci_examples;
mod cli_sandbox_server;
mod client_resilience;
mod client_sandbox;
mod client_wire_shapes;
mod completions;
mod connectivity;
mod cost_diff;
mod drift;
mod enterprise;
mod export_round_trip;
mod fake_forge;
mod first_hour;
mod forecast;
mod guardrails;
mod hints;
mod layering;
mod money_e2e;
mod money_safety;
mod no_secrets_in_output;
mod notify;
mod order_offers;
mod orders_cli;
mod output_safety;
mod plan_cli;
mod plan_props;
mod plan_semantics;
mod pr_comment;
mod sandbox_http;
mod signing_vectors;
mod target_exclude;
mod team_safety;
