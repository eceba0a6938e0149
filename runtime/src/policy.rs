//! [`Policy`]: the one interface every resilience policy offers as a plain value. Each
//! policy implements it in its own `site.rs`, next to its plain value.

use std::future::Future;

/// A resilience policy: runs an operation, possibly several times (retry, hedge), possibly
/// refusing it (breaker, limiter, timeout), and returns the caller's own `Result<T, E>`.
///
/// `op` creates a fresh future for each attempt; the futures it returns do not borrow it,
/// so policies may keep several attempts in flight (hedging).
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::{Policy, Rejection, Timeout};
///
/// async fn guarded<P: Policy<Rejection>>(p: &P) -> Result<u32, Rejection> {
///     p.call(|| async { Ok(7) }).await
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(guarded(&Timeout::new(Duration::from_secs(1))).await, Ok(7));
/// # }
/// ```
pub trait Policy<E> {
    /// Runs `op` under this policy.
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>;
}
