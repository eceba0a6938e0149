//! [`BulkheadLayer`]: `#[bulkhead]` as a `tower::Layer`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tower_layer::Layer;
use tower_service::Service;

use crate::bulkhead::{AdaptivePermit, Bulkhead, BulkheadConfig, BulkheadPermit};
use crate::kit::Site;
use crate::telemetry::{self, CallSpan, Function};
use crate::{BulkheadPolicy, Rejection};

const FUNCTION: &str = "resile::layer::BulkheadLayer";

/// A named, shared bulkhead in front of a service: the bulkhead an attribute of the same
/// name uses (`#[bulkhead(name = "pool", ..)]` and `BulkheadLayer::named("pool")` share its
/// permits, its FIFO queue and its stats).
///
/// # Reserves and releases
/// `poll_ready` takes the permits (`weight` of them) as tower's `ConcurrencyLimit` does:
/// free, it takes them at once and then polls the inner service's readiness; not free, it
/// queues for them (FIFO) and returns `Pending` for up to `max_wait`, then `Ready` with a
/// refusal that the next `call` returns as `S::Error::from(Rejection::BulkheadFull { name })`
/// without calling the inner service (with `max_wait` zero, at once). `call` moves the
/// permits into the response future, which returns them when it ends or is dropped. A
/// service dropped after `poll_ready` without `call` returns them at once (and a service
/// dropped while queued leaves the queue); a clone holds no permits.
///
/// An adaptive bulkhead (`adaptive = ..` in its policy) learns from the layer's calls as
/// from the attribute's: each response future gives the limit a latency sample from `call`
/// to its end (or drop), the time between `poll_ready` and `call` left out.
///
/// # Panics
/// `call` without a `Ready` from `poll_ready` first (tower's contract).
///
/// # Cost
/// The permits free: no allocation, the bulkhead's compare-exchange (see its
/// [Performance](mod@crate::bulkhead#performance)); the response future is the inner
/// future and the permit (five words: an adaptive bulkhead's permit holds its start and
/// the calls in flight). A wait allocates its timer and queue entry. An adaptive bulkhead
/// reads the clock at `call` and at the end.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::{BulkheadPolicy, Rejection, layer::BulkheadLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-doc-pool", 1);
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut service = ServiceBuilder::new()
///     .layer(BulkheadLayer::new(POOL))
///     .service(service_fn(|n: u32| async move { Ok::<_, Rejection>(n) }));
/// service.ready().await.unwrap(); // the permit is taken here
/// assert_eq!(resile::bulkhead("layer-doc-pool").stats().in_use, 1);
/// let second = service.clone().oneshot(2).await; // no permit left, `max_wait` is zero
/// assert_eq!(second, Err(Rejection::BulkheadFull { name: "layer-doc-pool" }));
/// drop(service); // polled ready but never called: the permit goes back
/// assert_eq!(resile::bulkhead("layer-doc-pool").stats().in_use, 0);
/// # }
/// ```
#[derive(Clone)]
pub struct BulkheadLayer {
    site: Arc<Site<Bulkhead>>,
    weight: u32,
    max_wait: Duration,
}

impl fmt::Debug for BulkheadLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkheadLayer")
            .field("site", &self.site)
            .field("weight", &self.weight)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl BulkheadLayer {
    /// The bulkhead `name`, as it is (its `max_concurrent` declared elsewhere, or live;
    /// until then the safe default of one call at a time, see
    /// [`bulkhead`](crate::bulkhead::bulkhead)), with this layer's own `weight` 1 and
    /// `max_wait` zero (the attribute's defaults), set with [`weight`](Self::weight) and
    /// [`max_wait`](Self::max_wait). Resolved at the first request.
    pub fn named(name: &'static str) -> Self {
        BulkheadLayer::of(FUNCTION, name, None, 1, Duration::ZERO)
    }

    /// The bulkhead `policy.name`, declared with `policy.config`'s `max_concurrent` (the
    /// declaration rule of [`Registry`](crate::kit::Registry)); this layer takes its
    /// `weight` and `max_wait`.
    ///
    /// # Panics
    /// If the policy is invalid (a `const` policy checked with
    /// [`check`](BulkheadPolicy::check) cannot be); at the first request, in debug builds,
    /// if the name was declared with another `max_concurrent`.
    pub fn new(policy: BulkheadPolicy) -> Self {
        if let Err(e) = policy.validate() {
            panic!("invalid bulkhead policy for `{}`: {e}", policy.name);
        }
        let config = policy.config;
        BulkheadLayer::of(FUNCTION, policy.name, Some(config), config.weight, config.max_wait)
    }

    fn of(
        function: &'static str,
        name: &'static str,
        declared: Option<BulkheadConfig>,
        weight: u32,
        max_wait: Duration,
    ) -> Self {
        let site = match declared {
            Some(config) => Site::declaring(function, name, config.weight(weight).max_wait(max_wait)),
            // Seeded with the defaults and this layer's own keys: records its `weight`,
            // which live settings' `max_concurrent` must hold.
            None => Site::seeded(function, name, BulkheadConfig::new(1).weight(weight).max_wait(max_wait)),
        };
        BulkheadLayer { site: Arc::new(site), weight, max_wait }
    }

    fn rebuild(self, function: &'static str, weight: u32, max_wait: Duration) -> Self {
        let declared = self.site.declaration().copied();
        BulkheadLayer::of(function, self.site.name(), declared, weight, max_wait)
    }

    /// The permits each request takes (≥ 1, at most the bulkhead's `max_concurrent`: a
    /// heavier request is refused).
    ///
    /// # Panics
    /// If `weight` is zero.
    pub fn weight(self, weight: u32) -> Self {
        assert!(weight >= 1, "a bulkhead's `weight` must be at least 1");
        let (function, max_wait) = (self.site.function(), self.max_wait);
        self.rebuild(function, weight, max_wait)
    }

    /// How long `poll_ready` queues for the permits before the refusal (tokio's clock, whose
    /// timer rounds it up to the next millisecond); zero (the default) refuses at once.
    pub fn max_wait(self, max_wait: Duration) -> Self {
        let (function, weight) = (self.site.function(), self.weight);
        self.rebuild(function, weight, max_wait)
    }

    /// Names the guarded call in telemetry (the `function` of a wait or a rejection); by
    /// default `resile::layer::BulkheadLayer`.
    pub fn function(self, name: &'static str) -> Self {
        let (weight, max_wait) = (self.weight, self.max_wait);
        self.rebuild(name, weight, max_wait)
    }

    /// The bulkhead (resolved now if it was not yet).
    pub fn bulkhead(&self) -> &'static Bulkhead {
        self.site.get()
    }
}

impl<S> Layer<S> for BulkheadLayer {
    type Service = BulkheadService<S>;

    fn layer(&self, inner: S) -> BulkheadService<S> {
        BulkheadService { inner, layer: self.clone(), state: State::Idle }
    }
}

/// The wait for permits, boxed: only a request that finds them taken waits.
type Waiting = Exclusive<Pin<Box<dyn Future<Output = Result<BulkheadPermit<'static>, Rejection>> + Send>>>;

/// A value reached only through `&mut` (polled by the one task that owns the service), so
/// the service is `Sync` whenever the inner service is, as tower's `ConcurrencyLimit` is: a
/// `&Exclusive` gives no access to what it holds (the `SyncWrapper` pattern).
struct Exclusive<T>(T);

// SAFETY: no method gives access to the value through `&self`; only `get_mut` (`&mut self`)
// does, and `&mut` access from one thread at a time is what `Send` allows.
unsafe impl<T: Send> Sync for Exclusive<T> {}

impl<T> Exclusive<T> {
    fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// What `poll_ready` reserved, for the next `call`.
enum State {
    /// Nothing reserved (or spent by `call`).
    Idle,
    /// Queued for the permits.
    Waiting(Waiting),
    /// The permits, kept until `call` (or the service's drop).
    Admitted(BulkheadPermit<'static>),
    /// Refused at once (`max_wait` zero): the rejection is reported by `call`.
    Full,
    /// Refused after waiting `max_wait`: the rejection, already reported.
    Refused(Rejection),
}

/// A service behind a bulkhead; see [`BulkheadLayer`].
pub struct BulkheadService<S> {
    inner: S,
    layer: BulkheadLayer,
    state: State,
}

impl<S> BulkheadService<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// A clone has not been polled ready: it holds no permits (tower's contract).
impl<S: Clone> Clone for BulkheadService<S> {
    fn clone(&self) -> Self {
        BulkheadService { inner: self.inner.clone(), layer: self.layer.clone(), state: State::Idle }
    }
}

impl<S: fmt::Debug> fmt::Debug for BulkheadService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle => "idle",
            State::Waiting(_) => "waiting",
            State::Admitted(_) => "admitted",
            State::Full | State::Refused(_) => "refused",
        };
        f.debug_struct("BulkheadService")
            .field("inner", &self.inner)
            .field("bulkhead", &self.layer.site.name())
            .field("state", &state)
            .finish()
    }
}

impl<S, Req> Service<Req> for BulkheadService<S>
where
    S: Service<Req>,
    S::Error: From<Rejection>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BulkheadResponse<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        loop {
            match &mut self.state {
                State::Idle => {
                    let bulkhead = self.layer.site.get();
                    self.state = match bulkhead.try_acquire(self.layer.weight) {
                        Some(permit) => State::Admitted(permit),
                        None if self.layer.max_wait.is_zero() => State::Full,
                        None => {
                            let function = Function::free(self.layer.site.function());
                            let (weight, max_wait) = (self.layer.weight, self.layer.max_wait);
                            let wait = bulkhead.acquire(weight, max_wait, CallSpan::detached(), function);
                            State::Waiting(Exclusive(Box::pin(wait)))
                        }
                    };
                }
                State::Waiting(wait) => {
                    self.state = match ready!(wait.get_mut().as_mut().poll(cx)) {
                        Ok(permit) => State::Admitted(permit),
                        Err(rejection) => State::Refused(rejection),
                    };
                }
                State::Admitted(_) => {
                    return match ready!(self.inner.poll_ready(cx)) {
                        Ok(()) => Poll::Ready(Ok(())),
                        Err(e) => {
                            // The inner service failed: the permits go back.
                            self.state = State::Idle;
                            Poll::Ready(Err(e))
                        }
                    };
                }
                // Asked again at once (`max_wait` zero): a later `poll_ready` supersedes an
                // earlier one. A refusal after waiting `max_wait` stays until `call`.
                State::Full => match self.layer.site.get().try_acquire(self.layer.weight) {
                    Some(permit) => self.state = State::Admitted(permit),
                    None => return Poll::Ready(Ok(())),
                },
                State::Refused(_) => return Poll::Ready(Ok(())),
            }
        }
    }

    #[inline]
    fn call(&mut self, req: Req) -> BulkheadResponse<S::Future> {
        let refused = |rejection| BulkheadResponse { state: Response::Refused { rejection: Some(rejection) } };
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Admitted(permit) => {
                // An adaptive bulkhead's latency sample runs from here, where the request
                // goes in, to the end or drop of the response future; not from `poll_ready`.
                let permit = AdaptivePermit::new(permit);
                BulkheadResponse { state: Response::Admitted { inner: self.inner.call(req), permit: Some(permit) } }
            }
            State::Full => {
                let name = self.layer.site.name();
                let function = self.layer.site.function();
                refused(telemetry::rejected(
                    CallSpan::detached(),
                    || Function::free(function),
                    "bulkhead",
                    Some(name),
                    Rejection::BulkheadFull { name },
                ))
            }
            State::Refused(rejection) => refused(rejection),
            State::Idle | State::Waiting(_) => super::not_ready("BulkheadService"),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of a [`BulkheadService`]: the inner future and the permits,
    /// returned when it ends or is dropped; or the refusal.
    #[must_use = "futures do nothing unless polled"]
    pub struct BulkheadResponse<F> {
        #[pin]
        state: Response<F>,
    }
}

pin_project_lite::pin_project! {
    /// Admitted or refused: one or the other, so the refusal takes no room beside the
    /// inner future and the permits.
    #[project = ResponseProj]
    enum Response<F> {
        Admitted {
            #[pin]
            inner: F,
            // `None` once the inner future is ready: the permits went back then.
            permit: Option<AdaptivePermit<'static>>,
        },
        Refused {
            // `None` once returned.
            rejection: Option<Rejection>,
        },
    }
}

impl<F> fmt::Debug for BulkheadResponse<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            Response::Admitted { permit, .. } => {
                f.debug_struct("BulkheadResponse").field("permit", permit).finish_non_exhaustive()
            }
            Response::Refused { rejection } => {
                f.debug_struct("BulkheadResponse").field("rejection", rejection).finish()
            }
        }
    }
}

impl<T, E, F> Future for BulkheadResponse<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            ResponseProj::Admitted { inner, permit } => {
                let result = ready!(inner.poll(cx));
                // The call ended: its permits go back now, not when the future is dropped.
                permit.take();
                Poll::Ready(result)
            }
            ResponseProj::Refused { rejection } => {
                let rejection = rejection.take().expect("`BulkheadResponse` polled after completion");
                Poll::Ready(Err(E::from(rejection)))
            }
        }
    }
}
