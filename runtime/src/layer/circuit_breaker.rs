//! [`CircuitBreakerLayer`]: `#[circuit_breaker]` as a `tower::Layer`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tower_layer::Layer;
use tower_service::Service;

use crate::circuit_breaker::{CircuitBreaker, Permit};
use crate::kit::Site;
use crate::telemetry::{CallSpan, Free};
use crate::{CircuitBreakerPolicy, Outcome, Rejection};

const FUNCTION: &str = "resile::layer::CircuitBreakerLayer";

/// A named, shared circuit breaker in front of a service: the breaker an attribute of the
/// same name uses (`#[circuit_breaker(name = "db")]` and `CircuitBreakerLayer::named("db")`
/// are one breaker).
///
/// # Reserves and releases
/// `poll_ready` asks the breaker first: admitted, it keeps the [`Permit`] (a half-open
/// probe slot, if the breaker is half-open) and then polls the inner service's readiness;
/// refused, it returns `Ready` without polling the inner service, and the next `call`
/// returns `S::Error::from(Rejection::CircuitOpen { name })` without calling it (a
/// `poll_ready` before that `call` asks the breaker again). `call`
/// moves the permit into the response future, which records the outcome when it ends
/// (`Ok` a success, `Err` a failure). A service dropped after `poll_ready` without `call`,
/// or a response future dropped before its end, records nothing and gives a probe slot
/// back (the permit's `Drop`). A clone of the service holds no permit.
///
/// # Panics
/// `call` without a `Ready` from `poll_ready` first (tower's contract).
///
/// # Cost
/// No allocation: the response future is the inner future and the permit (three words).
/// Closed, the decision is one `Acquire` load (see the breaker's
/// [Performance](mod@crate::circuit_breaker#performance)).
///
/// ```
/// # use resile_runtime as resile;
/// use resile::{Rejection, layer::CircuitBreakerLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let service = ServiceBuilder::new()
///     .layer(CircuitBreakerLayer::named("layer-doc-db"))
///     .service(service_fn(|n: u32| async move { Ok::<_, Rejection>(n + 1) }));
/// assert_eq!(service.clone().oneshot(1).await, Ok(2));
///
/// resile::circuit_breaker("layer-doc-db").force_open();
/// assert_eq!(service.oneshot(1).await, Err(Rejection::CircuitOpen { name: "layer-doc-db" }));
/// # }
/// ```
#[derive(Clone)]
pub struct CircuitBreakerLayer {
    site: Arc<Site<CircuitBreaker>>,
}

impl fmt::Debug for CircuitBreakerLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerLayer").field("site", &self.site).finish()
    }
}

impl CircuitBreakerLayer {
    /// The breaker `name`, as it is: its declared or live settings, or the defaults until
    /// someone declares it (an attribute, [`CircuitBreaker::named`], or a layer's
    /// [`new`](Self::new)). Resolved at the first request.
    pub fn named(name: &'static str) -> Self {
        CircuitBreakerLayer { site: Arc::new(Site::reference(FUNCTION, name)) }
    }

    /// The breaker `policy.name`, declared with `policy.config` (the declaration rule of
    /// [`Registry`](crate::kit::Registry)).
    ///
    /// # Panics
    /// If the policy is invalid (a `const` policy checked with
    /// [`check`](CircuitBreakerPolicy::check) cannot be); at the first request, in debug
    /// builds, if the name was declared with other settings.
    pub fn new(policy: CircuitBreakerPolicy) -> Self {
        if let Err(e) = policy.validate() {
            panic!("invalid circuit breaker policy for `{}`: {e}", policy.name);
        }
        CircuitBreakerLayer { site: Arc::new(Site::declaring(FUNCTION, policy.name, policy.config)) }
    }

    /// Names the guarded call in telemetry (the `function` of a rejection); by default
    /// `resile::layer::CircuitBreakerLayer`.
    pub fn function(self, name: &'static str) -> Self {
        let site = match self.site.declaration() {
            Some(config) => Site::declaring(name, self.site.name(), *config),
            None => Site::reference(name, self.site.name()),
        };
        CircuitBreakerLayer { site: Arc::new(site) }
    }

    /// The breaker (resolved now if it was not yet).
    pub fn breaker(&self) -> &'static CircuitBreaker {
        self.site.get()
    }
}

impl<S> Layer<S> for CircuitBreakerLayer {
    type Service = CircuitBreakerService<S>;

    fn layer(&self, inner: S) -> CircuitBreakerService<S> {
        CircuitBreakerService { inner, site: Arc::clone(&self.site), state: State::Idle }
    }
}

/// What `poll_ready` decided, for the next `call`.
enum State {
    /// Nothing asked yet (or spent by `call`).
    Idle,
    /// Admitted: the permit, kept until `call` (or the service's drop).
    Admitted(Permit<'static>),
    /// Refused: the permit that says so (dropping it does nothing).
    Refused(Permit<'static>),
}

/// A service behind a circuit breaker; see [`CircuitBreakerLayer`].
pub struct CircuitBreakerService<S> {
    inner: S,
    site: Arc<Site<CircuitBreaker>>,
    state: State,
}

impl<S> CircuitBreakerService<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// A clone has not been polled ready: it holds no permit (tower's contract).
impl<S: Clone> Clone for CircuitBreakerService<S> {
    fn clone(&self) -> Self {
        CircuitBreakerService { inner: self.inner.clone(), site: Arc::clone(&self.site), state: State::Idle }
    }
}

impl<S: fmt::Debug> fmt::Debug for CircuitBreakerService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle => "idle",
            State::Admitted(_) => "admitted",
            State::Refused(_) => "refused",
        };
        f.debug_struct("CircuitBreakerService")
            .field("inner", &self.inner)
            .field("breaker", &self.site.name())
            .field("state", &state)
            .finish()
    }
}

impl<S, Req> Service<Req> for CircuitBreakerService<S>
where
    S: Service<Req>,
    S::Error: From<Rejection>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = CircuitBreakerResponse<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Asked again after a refusal: a later `poll_ready` supersedes an earlier one, so a
        // service refused while the breaker was open is admitted once it lets calls through.
        if let State::Idle | State::Refused(_) = self.state {
            let permit = self.site.admit();
            self.state = if permit.admitted() { State::Admitted(permit) } else { State::Refused(permit) };
        }
        match self.state {
            State::Refused(_) => Poll::Ready(Ok(())),
            _ => match ready!(self.inner.poll_ready(cx)) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(e) => {
                    // The inner service failed: the permit goes (a probe slot back).
                    self.state = State::Idle;
                    Poll::Ready(Err(e))
                }
            },
        }
    }

    #[inline]
    fn call(&mut self, req: Req) -> CircuitBreakerResponse<S::Future> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Admitted(permit) => {
                CircuitBreakerResponse { inner: Some(self.inner.call(req)), permit: Some(permit), rejection: None }
            }
            State::Refused(permit) => {
                let rejection = self.site.rejected(permit, CallSpan::detached(), Free);
                CircuitBreakerResponse { inner: None, permit: None, rejection: Some(rejection) }
            }
            State::Idle => super::not_ready("CircuitBreakerService"),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of a [`CircuitBreakerService`]: the inner future and the
    /// breaker's permit, which records the outcome when the future ends; or the refusal.
    #[must_use = "futures do nothing unless polled"]
    pub struct CircuitBreakerResponse<F> {
        #[pin]
        inner: Option<F>,
        permit: Option<Permit<'static>>,
        rejection: Option<Rejection>,
    }
}

impl<F> fmt::Debug for CircuitBreakerResponse<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerResponse")
            .field("permit", &self.permit)
            .field("rejection", &self.rejection)
            .finish_non_exhaustive()
    }
}

impl<T, E, F> Future for CircuitBreakerResponse<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            let rejection = this.rejection.take().expect("`CircuitBreakerResponse` polled after completion");
            return Poll::Ready(Err(E::from(rejection)));
        };
        let result = ready!(inner.poll(cx));
        if let Some(permit) = this.permit.take() {
            permit.record(Outcome::of(&result));
        }
        Poll::Ready(result)
    }
}
