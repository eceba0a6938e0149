//! resile in a real HTTP service, over loopback: an [axum] front whose handler calls a
//! deliberately flaky downstream (a second axum server) with [reqwest], through functions
//! annotated with resile's attributes, and serves resile's metrics at `/metrics`.
//!
//! - [`downstream`]: the flaky downstream. Error bursts, `429`s with `Retry-After` and a
//!   latency tail, each decided by the item asked for and how often it was asked for, so
//!   every figure is predictable.
//! - [`client`]: the front's reqwest client, its error type, and the `retry_if` and
//!   `retry_after` functions the attributes take.
//! - [`mixes`]: the policy mixes, one annotated function each.
//! - [`front`]: the front server (`/item/{id}?mix=<name>`, `/metrics`).
//! - [`load`]: the load driver (requests at a steady pace, timed from the client's side)
//!   and the report table.
//!
//! ```sh
//! cargo run --release -p resile-http-example   # every mix, and the table
//! cargo test -p resile-http-example            # the end-to-end test over loopback
//! ```

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod client;
pub mod downstream;
pub mod front;
pub mod load;
pub mod mixes;

pub use client::{DownstreamClient, FetchError};
pub use downstream::{Answer, DownstreamServer, Pattern};
pub use front::{FrontServer, metrics_handle};
pub use load::{Run, Sample, Scenario, table};
pub use mixes::Mix;
