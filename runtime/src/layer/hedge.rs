//! [`HedgeLayer`]: `#[hedge]` as a `tower::Layer`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

use crate::hedge::{HedgeHooks, HedgeSite, HedgeTracker};
use crate::telemetry::{CallSpan, Free};
use crate::timeline::TimelineSite;
use crate::{HedgePolicy, Rejection};

const FUNCTION: &str = "resile::layer::HedgeLayer";

/// Sends a request again, to a clone of the inner service, when the first attempt is slow
/// (static `delay`, or adaptive from the latency percentile), up to `max_requests` attempts
/// running at once; the first `Ok` wins and the others are dropped: the hedging of
/// `#[hedge]` (the same tracker, hedge budget, `timeout` and events), around a service.
/// With `HedgePolicy::named(..)`, the tracker (latencies, budget, stats) is the named one,
/// shared with attributes of that name.
///
/// # Reserves and releases
/// Nothing of its own in `poll_ready`, which is the inner service's. `call` moves the ready
/// inner service into the response future for the first attempt (a clone takes its place:
/// tower's pattern, hence `S: Clone`); each extra attempt clones the service again, polls
/// the clone ready and calls it with a clone of the request (`Req: Clone`). Dropping the
/// response future drops every attempt running (the call counts as cancelled in the
/// tracker). With the policy's `timeout`, the whole call is cut at it with
/// `S::Error::from(Rejection::TimedOut { after })`.
///
/// # Cost
/// The response future is boxed (one allocation per request; the attempts run inside it
/// at once). An attempt that completes at once reads no clock and arms no timer.
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::{HedgePolicy, Rejection, layer::HedgeLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// const HEDGE: HedgePolicy = HedgePolicy::new().delay(Duration::from_millis(10)).max_requests(2);
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = tokio::time::Instant::now();
/// let service = ServiceBuilder::new().layer(HedgeLayer::new(HEDGE)).service(service_fn(|n: u32| async move {
///     // The first attempt takes 100 ms, the hedge sent at 10 ms takes 5 ms.
///     let took = if resile::attempt() == 1 { 100 } else { 5 };
///     tokio::time::sleep(Duration::from_millis(took)).await;
///     Ok::<_, Rejection>(n)
/// }));
/// assert_eq!(service.oneshot(3).await, Ok(3));
/// assert_eq!(start.elapsed(), Duration::from_millis(15));
/// # }
/// ```
pub struct HedgeLayer<E> {
    shared: Arc<Shared<E>>,
}

impl<E> Clone for HedgeLayer<E> {
    fn clone(&self) -> Self {
        HedgeLayer { shared: Arc::clone(&self.shared) }
    }
}

impl<E> fmt::Debug for HedgeLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HedgeLayer").field("site", &self.shared.site).field("hooks", &self.shared.hooks).finish()
    }
}

/// What a layer, its services and their response futures share: one call site.
struct Shared<E> {
    site: HedgeSite,
    hooks: HedgeHooks<E>,
    policy: HedgePolicy,
    function: &'static str,
}

impl<E: From<Rejection>> HedgeLayer<E> {
    /// Hedges with `policy`'s settings; its tracker is the named one if the policy has a
    /// name (declaring the tracker settings if the policy sets any, as an attribute does),
    /// else one of this layer's own.
    ///
    /// # Panics
    /// If the policy is invalid (a `const` policy checked with
    /// [`check`](HedgePolicy::check) cannot be).
    pub fn new(policy: HedgePolicy) -> Self {
        if let Err(e) = policy.validate() {
            panic!("invalid hedge policy: {e}");
        }
        let hooks = HedgeHooks { fatal: None, on_hedge: None, timed_out: Some(E::from) };
        HedgeLayer::of(policy, hooks, FUNCTION)
    }
}

impl<E> HedgeLayer<E> {
    fn of(policy: HedgePolicy, hooks: HedgeHooks<E>, function: &'static str) -> Self {
        let site = match policy.name {
            Some(name) => HedgeSite::named(function, policy.config, name, policy.declares_tracker()),
            None => HedgeSite::new(function, policy.config),
        };
        HedgeLayer { shared: Arc::new(Shared { site, hooks, policy, function }) }
    }

    fn with_hooks(self, f: impl FnOnce(&mut HedgeHooks<E>)) -> Self {
        let mut hooks = self.shared.hooks;
        f(&mut hooks);
        HedgeLayer::of(self.shared.policy, hooks, self.shared.function)
    }

    /// Ends the call at once on errors for which `f` returns `true` (`fatal`).
    pub fn fatal(self, f: fn(&E) -> bool) -> Self {
        self.with_hooks(|hooks| hooks.fatal = Some(f))
    }

    /// Calls `f(attempt)` when an extra attempt starts (`on_hedge`).
    pub fn on_hedge(self, f: fn(u32)) -> Self {
        self.with_hooks(|hooks| hooks.on_hedge = Some(f))
    }

    /// Names the guarded call in telemetry (the `function` of the hedge events, and of the
    /// tracker when it is the layer's own); by default `resile::layer::HedgeLayer`.
    pub fn function(self, name: &'static str) -> Self {
        HedgeLayer::of(self.shared.policy, self.shared.hooks, name)
    }

    /// The tracker: the named one, or the layer's own (shared by every service it makes).
    pub fn tracker(&self) -> &HedgeTracker {
        self.shared.site.tracker()
    }
}

impl<S, E> Layer<S> for HedgeLayer<E> {
    type Service = HedgeService<S, E>;

    fn layer(&self, inner: S) -> HedgeService<S, E> {
        HedgeService { inner, shared: Arc::clone(&self.shared) }
    }
}

/// A service whose slow requests are hedged; see [`HedgeLayer`].
pub struct HedgeService<S, E> {
    inner: S,
    shared: Arc<Shared<E>>,
}

impl<S, E> HedgeService<S, E> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Clone, E> Clone for HedgeService<S, E> {
    fn clone(&self) -> Self {
        HedgeService { inner: self.inner.clone(), shared: Arc::clone(&self.shared) }
    }
}

impl<S: fmt::Debug, E> fmt::Debug for HedgeService<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HedgeService").field("inner", &self.inner).field("site", &self.shared.site).finish()
    }
}

/// The response future of a [`HedgeService`]: every attempt of one request, boxed.
pub type HedgeResponse<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, Req> Service<Req> for HedgeService<S, S::Error>
where
    S: Service<Req> + Clone + Send + 'static,
    S::Future: Send,
    S::Response: Send,
    S::Error: Send + 'static,
    Req: Clone + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = HedgeResponse<S::Response, S::Error>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> HedgeResponse<S::Response, S::Error> {
        static TIMELINE: TimelineSite = TimelineSite::new();
        let shared = Arc::clone(&self.shared);
        // The ready service takes the first attempt; its clone stays, not ready.
        let clone = self.inner.clone();
        let mut first = Some(std::mem::replace(&mut self.inner, clone.clone()));
        Box::pin(async move {
            let make = move || {
                let (mut service, polled) = match first.take() {
                    Some(ready) => (ready, true),
                    None => (clone.clone(), false),
                };
                let req = req.clone();
                async move {
                    if !polled {
                        std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
                    }
                    service.call(req).await
                }
            };
            let mut span = CallSpan::new();
            span.start(&TIMELINE, shared.function, Free);
            let result = if shared.policy.config.timeout.is_some() {
                shared.site.call_timed(&span, Free, &shared.hooks, make).await
            } else {
                shared.site.call(&span, Free, &shared.hooks, make).await
            };
            span.finish(&result);
            result
        })
    }
}
