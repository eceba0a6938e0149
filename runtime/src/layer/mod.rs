//! Every policy as a [`tower::Layer`](tower_layer::Layer) (cargo feature `tower`):
//! the same policies, the same named instances and the same telemetry as the attributes,
//! around a [`tower::Service`](tower_service::Service).
//!
//! | layer | built from | needs |
//! |---|---|---|
//! | [`CircuitBreakerLayer`] | [`named("db")`](CircuitBreakerLayer::named) or [`new(POLICY)`](CircuitBreakerLayer::new) ([`CircuitBreakerPolicy`](crate::CircuitBreakerPolicy)) | `S::Error: From<Rejection>` |
//! | [`BulkheadLayer`] | [`named("pool")`](BulkheadLayer::named) or [`new(POLICY)`](BulkheadLayer::new) ([`BulkheadPolicy`](crate::BulkheadPolicy)) | `S::Error: From<Rejection>` |
//! | [`RateLimitLayer`] | [`named("api")`](RateLimitLayer::named) or [`new(POLICY)`](RateLimitLayer::new) ([`RateLimitPolicy`](crate::RateLimitPolicy)) | `S::Error: From<Rejection>`, `S: Clone` |
//! | [`RetryLayer`] | [`new(POLICY)`](RetryLayer::new) ([`RetryPolicy`](crate::RetryPolicy)) | `S: Clone`, `Req: Clone` |
//! | [`HedgeLayer`] | [`new(POLICY)`](HedgeLayer::new) ([`HedgePolicy`](crate::HedgePolicy)) | `S: Clone`, `Req: Clone`, `S::Error: From<Rejection>`, everything `Send + 'static` |
//! | [`TimeoutLayer`] | [`new(Duration)`](TimeoutLayer::new) | `S::Error: From<Rejection>` |
//!
//! # One instance per name
//! A named layer resolves its name through the same registry as the attributes (a
//! [`Site`](crate::kit::Site), as an attribute's call site does, resolved at the first
//! request): `CircuitBreakerLayer::named("db")` and `#[circuit_breaker(name = "db")]` are one
//! breaker, whose failures from either side trip it for both, and
//! `resile::circuit_breaker("db")` reaches it. `named(..)` only refers to the name (it
//! declares nothing: the instance keeps its declared or live settings, or the defaults until
//! someone declares it); `new(POLICY)` declares it with the policy's settings, under the
//! declaration rule of [`Registry`](crate::kit::Registry) (a second, different declaration
//! is reported, and panics in debug builds). Inside a `resile::testing::isolated` scope, a
//! named layer reaches the scope's instance, as an attribute does.
//!
//! # Types
//! The wrapped service keeps its `Response` and `Error` types: a refusal (`CircuitOpen`,
//! `BulkheadFull`, `RateLimited`, `TimedOut`) reaches the caller as
//! `S::Error::from(rejection)`, so `S::Error: From<Rejection>` is required where a layer
//! can refuse. `tower::BoxError` has that `From` already.
//!
//! An axum `Router`'s routes have `Infallible` errors, which a refusal cannot become: put
//! axum's `HandleErrorLayer` outermost to turn an error into a response, the resile layers
//! under it, and `map_err(BoxError::from)` innermost, so that the resile layers see
//! `BoxError`:
//!
//! ```ignore
//! use axum::{BoxError, Router, error_handling::HandleErrorLayer, http::StatusCode, routing::get};
//! use resile::{Rejection, layer::{BulkheadLayer, TimeoutLayer}};
//! use tower::ServiceBuilder;
//!
//! async fn on_error(e: BoxError) -> StatusCode {
//!     match e.downcast_ref::<Rejection>() {
//!         Some(Rejection::TimedOut { .. }) => StatusCode::GATEWAY_TIMEOUT,
//!         Some(_) => StatusCode::SERVICE_UNAVAILABLE, // refused: shed load
//!         None => StatusCode::INTERNAL_SERVER_ERROR,
//!     }
//! }
//!
//! let app: Router = Router::new().route("/", get(|| async { "hello" })).layer(
//!     ServiceBuilder::new()
//!         .layer(HandleErrorLayer::new(on_error))
//!         .layer(BulkheadLayer::new(resile::BulkheadPolicy::named("http", 64)))
//!         .layer(TimeoutLayer::new(std::time::Duration::from_secs(1)))
//!         .map_err(BoxError::from),
//! );
//! ```
//!
//! The stacking checks of the attributes (`docs::stacking`: a retry into an open breaker,
//! a timeout no retry fits in) see only attributes: a layer stack is not checked, so order
//! it by the same rules.
//!
//! # When each layer reserves and releases
//! tower's contract ([`Service::poll_ready`](tower_service::Service::poll_ready)): a service
//! that returns `Ready` from `poll_ready` has reserved what one `call` needs, and keeps it
//! until that `call`; a clone of a service is a new handle that has reserved nothing, and
//! must be polled ready itself. resile's layers follow it, and give back what `poll_ready`
//! reserved when the service is dropped without `call`:
//!
//! | layer | reserves in | holds across | releases at | dropped without `call` |
//! |---|---|---|---|---|
//! | [`BulkheadLayer`] | `poll_ready`: the permits (a FIFO wait up to `max_wait` is `Pending`; past it, `Ready` and `call` refuses) | the inner service's readiness, then the response future | the response future's end or drop | the permits return at once (the service's drop) |
//! | [`CircuitBreakerLayer`] | `poll_ready`: the breaker's decision (a half-open probe slot if it is half-open; a refusal is `Ready`, and `call` refuses without calling the inner service) | the inner service's readiness, then the response future | the response future's end (the outcome is recorded) or drop (nothing recorded, a probe slot given back) | the probe slot is given back; nothing is recorded |
//! | [`RateLimitLayer`] | nothing: the tokens are taken in `call` | a wait (`max_wait`), inside the response future | tokens are spent when taken | nothing to give back |
//! | [`RetryLayer`], [`HedgeLayer`] | nothing of their own: `poll_ready` is the inner service's | a clone of the inner service for the next attempts, polled ready before each | the response future's end or drop (a retry budget's reservation is given back) | nothing to give back |
//! | [`TimeoutLayer`] | nothing: `poll_ready` is the inner service's, not bounded by the timeout (as tower's `Timeout`) | the timer, inside the response future, from `call` | the response future's end or drop | nothing to give back |
//!
//! Why the rate limiter decides in `call`: tokens taken at once cannot be given back (only
//! a waiting call's reservation can, and only while no later call took tokens, see
//! [`Reservation::give_back`](crate::rate_limit::Reservation::give_back)), so tokens taken
//! in `poll_ready` by a service that is then dropped would be lost for good. Deciding in
//! `call` takes them only for a request that is sent. A call that must wait holds the inner
//! service it polled ready and a clone takes its place (tower's pattern for a service moved
//! into its response future), hence `S: Clone`.
//!
//! Why the breaker decides in `poll_ready`: a half-open breaker lets a bounded number of
//! probes through, and tower's readiness is where a service says whether it can take one;
//! its [`Permit`](crate::circuit_breaker::Permit) gives the slot back when dropped, so a
//! service dropped between `poll_ready` and `call` leaks nothing. A refusal is `Ready` (as
//! tower's `LoadShed`), not `Pending`: a breaker fails fast, it does not queue.
//!
//! A `Ready` from `poll_ready` is valid until `call`, and a later `poll_ready` supersedes
//! it: a service refused by an open breaker or a full bulkhead (`max_wait` zero) asks again
//! when polled again. An admission taken there is used by the next `call` however long after (a breaker's permit of an older generation records
//! nothing, as an attribute's call that outlives a state change). Calling `call` without a
//! `Ready` from `poll_ready` first breaks tower's contract, and panics (as tower's
//! `ConcurrencyLimit`).
//!
//! # Telemetry
//! The layers report the events an attribute reports (retries, exhaustion, rejections,
//! waits, hedges) with their `resilience.policy` and `resilience.name`, and the
//! per-instance metrics (breaker state and transitions, rejections, bulkhead gauges, rate
//! limiter tokens, hedges). The `function` of those events is the layer's
//! `function(..)` if it was given one, else `resile::layer::<Layer>` (as the plain values
//! name theirs `resile::Retry`, ...). The per-function call metrics
//! (`resile_calls_total`, `resile_call_duration_seconds`) belong to a guarded function and
//! are not counted by the layers: a `tower` stack counts its requests with its own metrics
//! layer.
//!
//! # Cost
//! The admission layers and the timeout allocate nothing on the success path (tower's
//! `ConcurrencyLimit` and `Timeout` neither): the response future is the inner future plus
//! the permit. A bulkhead's wait (only when the permits are not free), a rate limiter's wait
//! (only when it must) and a retry's backoff box their timer. The retry layer clones the
//! request and the inner service once per request (as tower's `Retry`), to have them for a
//! second attempt. The hedge layer's response future is boxed (one allocation per request):
//! it runs attempts at once, through the hedge's own machinery. `tests/layer_alloc.rs`
//! counts the allocations of each layer and of a stack of them (none); `benches/README.md`
//! has their instructions per call against tower's `Timeout`, `ConcurrencyLimit` and
//! `Retry` (`benches/examples/probe_layer.rs`).
//!
//! # Example
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::layer::{BulkheadLayer, CircuitBreakerLayer, RetryLayer, TimeoutLayer};
//! use resile::{BulkheadPolicy, Rejection, RetryPolicy};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! #[derive(Debug, Clone, PartialEq)]
//! enum Error {
//!     Down,
//!     Refused(Rejection),
//! }
//! impl From<Rejection> for Error {
//!     fn from(r: Rejection) -> Self {
//!         Error::Refused(r)
//!     }
//! }
//!
//! const RETRY: RetryPolicy = RetryPolicy::new().max(3).base_delay(Duration::from_millis(10));
//! const POOL: BulkheadPolicy = BulkheadPolicy::named("example-pool", 8);
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let service = ServiceBuilder::new()
//!     // Not into an open breaker: its refusal ends the request at once.
//!     .layer(RetryLayer::new(RETRY).retry_if(|e| !matches!(e, Error::Refused(Rejection::CircuitOpen { .. }))))
//!     .layer(CircuitBreakerLayer::named("example-db"))
//!     .layer(BulkheadLayer::new(POOL))
//!     .layer(TimeoutLayer::new(Duration::from_secs(1)))
//!     .service(service_fn(|id: u64| async move { if id == 0 { Err(Error::Down) } else { Ok(id * 2) } }));
//!
//! assert_eq!(service.clone().oneshot(21).await, Ok(42));
//! assert_eq!(service.oneshot(0).await, Err(Error::Down)); // after 3 attempts
//! assert_eq!(resile::bulkhead("example-pool").stats().in_use, 0);
//! # }
//! ```

mod bulkhead;
mod circuit_breaker;
mod hedge;
mod rate_limit;
mod retry;
mod timeout;

pub use bulkhead::{BulkheadLayer, BulkheadResponse, BulkheadService};
pub use circuit_breaker::{CircuitBreakerLayer, CircuitBreakerResponse, CircuitBreakerService};
pub use hedge::{HedgeLayer, HedgeResponse, HedgeService};
pub use rate_limit::{RateLimitLayer, RateLimitResponse, RateLimitService};
pub use retry::{RetryLayer, RetryResponse, RetryService};
pub use timeout::{TimeoutLayer, TimeoutResponse, TimeoutService};

/// The panic of a `call` without a `Ready` from `poll_ready` first: tower's contract.
#[cold]
#[inline(never)]
#[track_caller]
fn not_ready(layer: &str) -> ! {
    panic!("`{layer}`: `call` without `poll_ready` returning `Ready` first (tower's `Service` contract)")
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use tower::{Layer, Service, service_fn};

    use super::*;
    use crate::{BulkheadPolicy, HedgePolicy, RateLimitPolicy, Rejection, RetryPolicy};

    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_send<T: Send>(_: &T) {}

    async fn echo(n: u32) -> Result<u32, Rejection> {
        Ok(n)
    }

    /// The services and their response futures are `Send` (and the services `Sync`) when
    /// the inner ones are: what a multi-threaded server (hyper, axum) needs.
    #[test]
    fn services_and_response_futures_are_send() {
        let mut timeout = TimeoutLayer::new(Duration::from_secs(1)).layer(service_fn(echo));
        let mut breaker = CircuitBreakerLayer::named("layer-unit-send").layer(service_fn(echo));
        let mut bulkhead = BulkheadLayer::new(BulkheadPolicy::named("layer-unit-send", 1)).layer(service_fn(echo));
        let mut limit = RateLimitLayer::new(RateLimitPolicy::named("layer-unit-send", 1.0)).layer(service_fn(echo));
        let mut retry = RetryLayer::new(RetryPolicy::new()).layer(service_fn(echo));
        let mut hedge = HedgeLayer::new(HedgePolicy::new()).layer(service_fn(echo));
        assert_send_sync(&timeout);
        assert_send_sync(&breaker);
        assert_send_sync(&bulkhead);
        assert_send_sync(&limit);
        assert_send_sync(&retry);
        assert_send_sync(&hedge);
        // Futures only, never polled: `call` on a service that was not polled ready would
        // break tower's contract for the admission layers, so only their types are checked.
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let _guard = rt.enter();
        assert_send(&timeout.call(1));
        assert_send(&limit.call(1));
        assert_send(&retry.call(1));
        assert_send(&hedge.call(1));
        fn response_of<S: Service<u32>>(_: &S) -> Option<S::Future> {
            None
        }
        assert_send(&response_of(&breaker));
        assert_send(&response_of(&bulkhead));
        let _ = (&mut breaker, &mut bulkhead);
    }

    #[test]
    #[should_panic(expected = "`call` without `poll_ready`")]
    fn call_without_poll_ready_panics() {
        let mut breaker = CircuitBreakerLayer::named("layer-unit-panics").layer(service_fn(echo));
        drop(breaker.call(1));
    }
}
