//! [`TimeoutLayer`]: `#[timeout]` as a `tower::Layer`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

use crate::Rejection;
use crate::telemetry::{self, CallSpan, Function};

/// Bounds each request's response future by a timeout: at the deadline the inner future is
/// dropped and the caller gets `S::Error::from(Rejection::TimedOut { after })`, reported as
/// a rejection by `timeout` (as `#[timeout]` does).
///
/// The deadline starts in `call`; `poll_ready` is the inner service's and is not bounded
/// (as tower's `Timeout`). While the response future is polled, the deadline is published
/// to what it runs ([`deadline()`](crate::deadline())), so a `#[retry]` inside the inner
/// service starts no sleep past it.
///
/// Reserves nothing; the response future holds tokio's timer once pending (no allocation: tower's
/// `Timeout` does not allocate either). Dropping it drops the inner future and the timer.
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::{Rejection, layer::TimeoutLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let slow = ServiceBuilder::new().layer(TimeoutLayer::new(Duration::from_millis(50))).service(service_fn(
///     |()| async {
///         tokio::time::sleep(Duration::from_secs(1)).await;
///         Ok::<_, Rejection>("late")
///     },
/// ));
/// let after = Duration::from_millis(50);
/// assert_eq!(slow.oneshot(()).await, Err(Rejection::TimedOut { after }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutLayer {
    after: Duration,
    function: &'static str,
}

impl TimeoutLayer {
    /// A timeout of `after` for each request.
    ///
    /// # Panics
    /// If `after` is zero (the rule of `#[timeout]`).
    pub const fn new(after: Duration) -> Self {
        assert!(!after.is_zero(), "a timeout must be greater than zero");
        TimeoutLayer { after, function: "resile::layer::TimeoutLayer" }
    }

    /// Names the guarded call in telemetry (the `function` of its events); by default
    /// `resile::layer::TimeoutLayer`.
    pub const fn function(mut self, name: &'static str) -> Self {
        self.function = name;
        self
    }

    /// The timeout.
    pub const fn after(&self) -> Duration {
        self.after
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = TimeoutService<S>;

    fn layer(&self, inner: S) -> TimeoutService<S> {
        TimeoutService { inner, layer: *self }
    }
}

/// A service whose requests are bounded by a timeout; see [`TimeoutLayer`].
#[derive(Debug, Clone)]
pub struct TimeoutService<S> {
    inner: S,
    layer: TimeoutLayer,
}

impl<S> TimeoutService<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, Req> Service<Req> for TimeoutService<S>
where
    S: Service<Req>,
    S::Error: From<Rejection>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TimeoutResponse<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Req) -> TimeoutResponse<S::Future> {
        // With every policy turned off (`resile::config::set_enabled(false)`), no deadline.
        let deadline =
            if crate::config::switch::all_off() { None } else { Instant::now().checked_add(self.layer.after) };
        TimeoutResponse { inner: self.inner.call(req), deadline, sleep: None, layer: self.layer }
    }
}

pin_project_lite::pin_project! {
    /// The response future of a [`TimeoutService`]: the inner future, and tokio's timer for
    /// its deadline, armed only if the inner future is still pending after a poll (as
    /// `#[timeout]` does: a response ready in its first poll never touches the timer).
    #[must_use = "futures do nothing unless polled"]
    pub struct TimeoutResponse<F> {
        #[pin]
        inner: F,
        deadline: Option<Instant>,
        #[pin]
        sleep: Option<tokio::time::Sleep>,
        layer: TimeoutLayer,
    }
}

impl<F> std::fmt::Debug for TimeoutResponse<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeoutResponse").field("deadline", &self.deadline).field("layer", &self.layer).finish()
    }
}

impl<T, E, F> Future for TimeoutResponse<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match crate::timeout::poll_guarded(this.inner, this.deadline, this.sleep, cx) {
            Poll::Ready(Some(result)) => Poll::Ready(result),
            Poll::Ready(None) => {
                let layer = *this.layer;
                let rejection = telemetry::rejected(
                    CallSpan::detached(),
                    || Function::free(layer.function),
                    "timeout",
                    None,
                    Rejection::TimedOut { after: layer.after },
                );
                Poll::Ready(Err(E::from(rejection)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
