//! [`RateLimitLayer`]: `#[rate_limit]` as a `tower::Layer`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tower_layer::Layer;
use tower_service::Service;

use crate::rate_limit::{RateLimitSite, RateLimiter};
use crate::telemetry::{CallSpan, Free};
use crate::{RateLimitPolicy, Rejection};

const FUNCTION: &str = "resile::layer::RateLimitLayer";

/// A named, shared rate limiter in front of a service: the token bucket an attribute of the
/// same name uses (`#[rate_limit(name = "api", ..)]` and `RateLimitLayer::named("api")`
/// draw on one bucket).
///
/// # Reserves and releases
/// `poll_ready` is the inner service's: the limiter decides in `call`, which takes
/// `weight` tokens for the request. Admitted now, `call` calls the inner service. Admitted
/// at a later instant (within `max_wait`), the tokens are taken, the ready inner service
/// moves into the response future (a clone takes its place in this service: tower's
/// pattern, hence `S: Clone`), which sleeps until that instant and then calls it; dropped
/// before, it gives the tokens back when no later request took tokens since. Refused, the
/// response future is `S::Error::from(Rejection::RateLimited { name, retry_after })` and no
/// tokens are taken. Why not in `poll_ready`: tokens taken at once cannot be given back, so
/// a service polled ready and then dropped would waste them (see the
/// [table](super#when-each-layer-reserves-and-releases)).
///
/// # Cost
/// Admitted now: no allocation; the limiter's clock read and compare-exchange (see its
/// [Performance](mod@crate::rate_limit#performance)). A wait clones the inner service and
/// allocates its timer.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::{RateLimitPolicy, Rejection, layer::RateLimitLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// const API: RateLimitPolicy = RateLimitPolicy::named("layer-doc-api", 1.0); // 1 per second, burst 1
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let service = ServiceBuilder::new()
///     .layer(RateLimitLayer::new(API))
///     .service(service_fn(|n: u32| async move { Ok::<_, Rejection>(n) }));
/// assert_eq!(service.clone().oneshot(1).await, Ok(1));
/// let retry_after = Duration::from_secs(1);
/// assert_eq!(service.oneshot(2).await, Err(Rejection::RateLimited { name: "layer-doc-api", retry_after }));
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimitLayer {
    site: Arc<RateLimitSite>,
    name: &'static str,
    function: &'static str,
    /// The declaration, for [`new`](Self::new).
    declared: Option<crate::RateLimitConfig>,
    weight: u32,
    max_wait: Duration,
}

impl fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("name", &self.name)
            .field("function", &self.function)
            .field("declared", &self.declared)
            .field("weight", &self.weight)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl RateLimitLayer {
    /// The limiter `name`, as it is (its rate declared elsewhere, or live; until then the
    /// defaults of [`rate_limiter`](crate::rate_limit::rate_limiter)), with this layer's
    /// own `weight` 1 and `max_wait` zero (the attribute's defaults), set with
    /// [`weight`](Self::weight) and [`max_wait`](Self::max_wait). Resolved at the first
    /// request.
    pub fn named(name: &'static str) -> Self {
        RateLimitLayer::of(name, FUNCTION, None, 1, Duration::ZERO)
    }

    /// The limiter `policy.name`, declared with `policy.config`'s `rate` and `burst_size`
    /// (the declaration rule of [`Registry`](crate::kit::Registry)); this layer takes its
    /// `weight` and `max_wait`.
    ///
    /// # Panics
    /// If the policy is invalid (a `const` policy checked with
    /// [`check`](RateLimitPolicy::check) cannot be); at the first request, in debug builds,
    /// if the name was declared with another rate or burst.
    pub fn new(policy: RateLimitPolicy) -> Self {
        if let Err(e) = policy.validate() {
            panic!("invalid rate limit policy for `{}`: {e}", policy.name);
        }
        let config = policy.config;
        RateLimitLayer::of(policy.name, FUNCTION, Some(config), config.weight, config.max_wait)
    }

    fn of(
        name: &'static str,
        function: &'static str,
        declared: Option<crate::RateLimitConfig>,
        weight: u32,
        max_wait: Duration,
    ) -> Self {
        let site = match declared {
            Some(config) => RateLimitSite::new(function, name, config.weight(weight).max_wait(max_wait)),
            None => RateLimitSite::reference(function, name, weight, max_wait),
        };
        RateLimitLayer { site: Arc::new(site), name, function, declared, weight, max_wait }
    }

    /// The tokens each request takes (≥ 1, at most the limiter's burst: a heavier request
    /// is refused).
    ///
    /// # Panics
    /// If `weight` is zero.
    pub fn weight(self, weight: u32) -> Self {
        assert!(weight >= 1, "a rate limit's `weight` must be at least 1");
        RateLimitLayer::of(self.name, self.function, self.declared, weight, self.max_wait)
    }

    /// How long a request may wait for its tokens (in its response future, before the
    /// inner service is called); zero (the default) refuses at once.
    pub fn max_wait(self, max_wait: Duration) -> Self {
        RateLimitLayer::of(self.name, self.function, self.declared, self.weight, max_wait)
    }

    /// Names the guarded call in telemetry (the `function` of a wait or a rejection); by
    /// default `resile::layer::RateLimitLayer`.
    pub fn function(self, name: &'static str) -> Self {
        RateLimitLayer::of(self.name, name, self.declared, self.weight, self.max_wait)
    }

    /// The limiter (resolved now if it was not yet).
    pub fn limiter(&self) -> &'static RateLimiter {
        self.site.limiter()
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimitService<S>;

    fn layer(&self, inner: S) -> RateLimitService<S> {
        RateLimitService { inner, site: Arc::clone(&self.site) }
    }
}

/// A service behind a rate limiter; see [`RateLimitLayer`].
#[derive(Clone)]
pub struct RateLimitService<S> {
    inner: S,
    site: Arc<RateLimitSite>,
}

impl<S> RateLimitService<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for RateLimitService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitService").field("inner", &self.inner).field("site", &self.site).finish()
    }
}

impl<S, Req> Service<Req> for RateLimitService<S>
where
    S: Service<Req> + Clone,
    S::Error: From<Rejection>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = RateLimitResponse<S, Req>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Req) -> RateLimitResponse<S, Req> {
        let response = |inner, waiting, rejection| RateLimitResponse { inner, waiting, rejection };
        if self.site.try_admit() {
            return response(Some(self.inner.call(req)), None, None);
        }
        match self.site.admit(CallSpan::detached(), Free) {
            Ok(None) => response(Some(self.inner.call(req)), None, None),
            Ok(Some(wait)) => {
                // The ready service goes with the request; its clone stays, not ready.
                let clone = self.inner.clone();
                let ready = std::mem::replace(&mut self.inner, clone);
                let sleep: Sleeping = Box::pin(wait.wait());
                response(None, Some(Waiting { sleep, service: ready, req: Some(req) }), None)
            }
            Err(rejection) => response(None, None, Some(rejection)),
        }
    }
}

/// The wait for a request's instant, holding its tokens (given back if dropped first).
type Sleeping = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A request waiting for its instant, with the ready service that will take it.
struct Waiting<S, Req> {
    sleep: Sleeping,
    service: S,
    req: Option<Req>,
}

pin_project_lite::pin_project! {
    /// The response future of a [`RateLimitService`]: the inner future; or the wait for the
    /// request's instant, then the inner future; or the refusal.
    #[must_use = "futures do nothing unless polled"]
    pub struct RateLimitResponse<S: Service<Req>, Req> {
        #[pin]
        inner: Option<S::Future>,
        waiting: Option<Waiting<S, Req>>,
        rejection: Option<Rejection>,
    }
}

impl<S: Service<Req>, Req> fmt::Debug for RateLimitResponse<S, Req> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitResponse")
            .field("waiting", &self.waiting.is_some())
            .field("rejection", &self.rejection)
            .finish_non_exhaustive()
    }
}

impl<S, Req> Future for RateLimitResponse<S, Req>
where
    S: Service<Req>,
    S::Error: From<Rejection>,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(waiting) = this.waiting.as_mut() {
            ready!(waiting.sleep.as_mut().poll(cx));
            let req = waiting.req.take().expect("a waiting request is sent once");
            let fut = waiting.service.call(req);
            *this.waiting = None;
            this.inner.set(Some(fut));
        }
        match this.inner.as_pin_mut() {
            Some(inner) => inner.poll(cx),
            None => {
                let rejection = this.rejection.take().expect("`RateLimitResponse` polled after completion");
                Poll::Ready(Err(S::Error::from(rejection)))
            }
        }
    }
}
