//! # resile
//!
//! Resilience for async Rust as attribute macros: annotate an `async fn`, declare the
//! policy in code, and get retries, timeouts, circuit breakers and hedging that cost almost
//! nothing on the success path and explain invalid configuration as compile errors.
//!
//! ```
//! use resile::Rejection;
//!
//! #[derive(Debug)]
//! enum DbError {
//!     Unavailable,
//!     Rejected(Rejection),
//! }
//! impl From<Rejection> for DbError {
//!     fn from(r: Rejection) -> Self {
//!         DbError::Rejected(r)
//!     }
//! }
//!
//! #[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
//! #[resile::timeout("200ms")]
//! async fn load_user(id: u64) -> Result<String, DbError> {
//!     if id == 0 { Err(DbError::Unavailable) } else { Ok(format!("user {id}")) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! assert_eq!(load_user(7).await.unwrap(), "user 7");
//! assert!(matches!(load_user(0).await, Err(DbError::Unavailable)));
//! # }
//! ```
//!
//! | attribute | what it does | runtime value |
//! |---|---|---|
//! | [`retry`] | runs the body again on `Err`, with backoff and jitter | [`Retry`] |
//! | [`timeout`] | bounds the call; drops the body at the deadline | [`Timeout`] |
//!
//! Attributes apply in source order, the first listed outermost: see [`docs::stacking`].
//! Every policy is also a plain value with `call(|| fut)`, usable without macros.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

pub use resile_macros::{retry, timeout};
pub use resile_runtime::*;
