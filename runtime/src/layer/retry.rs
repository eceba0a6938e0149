//! [`RetryLayer`]: `#[retry]` as a `tower::Layer`.

use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tower_layer::Layer;
use tower_service::Service;

use crate::RetryPolicy;
use crate::attempt::Numbered;
use crate::retry::{BackoffSleep, RetryCall, RetryConfig, RetryHooks, RetrySite};
use crate::telemetry::{CallSpan, Free};
use crate::timeline::TimelineSite;

const FUNCTION: &str = "resile::layer::RetryLayer";

/// Retries a request when the inner service's response future returns `Err`, sleeping the
/// policy's backoff between attempts: the retry of `#[retry]` (the same backoff, jitter,
/// `budget`, retry budget, deadline rule and events), around a service.
///
/// # Reserves and releases
/// Nothing of its own in `poll_ready`, which is the inner service's. `call` sends the
/// request to the inner service (polled ready by the caller), and keeps a clone of the
/// request and a clone of the inner service for the next attempts (as tower's `Retry`,
/// hence `Req: Clone` and `S: Clone`). Before each retry the response future sleeps the
/// backoff, then polls its clone of the service ready (`Pending` while it is not: its own
/// readiness, so a bulkhead or a breaker below is asked again for each attempt), then calls
/// it. Dropped, it drops the running attempt or the sleep (a retry budget's reservation is
/// given back). `resile::attempt()` inside the inner service tells the attempt.
///
/// An error from the clone's `poll_ready` ends the call with that error (as tower's
/// `Retry`). The error type of the hooks is the inner service's.
///
/// # Cost
/// Per request, one clone of the request and one of the inner service (tower's `Retry`
/// does the same), and no allocation of its own on the success path; a retry's backoff
/// allocates its timer.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::{RetryPolicy, layer::RetryLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// const RETRY: RetryPolicy = RetryPolicy::new().max(3).base_delay(Duration::from_millis(10));
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// static CALLS: AtomicU32 = AtomicU32::new(0);
/// let service = ServiceBuilder::new().layer(RetryLayer::new(RETRY)).service(service_fn(|n: u32| async move {
///     if CALLS.fetch_add(1, Ordering::Relaxed) < 2 { Err("flaky") } else { Ok(n) }
/// }));
/// assert_eq!(service.oneshot(7).await, Ok(7));
/// assert_eq!(CALLS.load(Ordering::Relaxed), 3);
/// # }
/// ```
pub struct RetryLayer<E> {
    config: RetryConfig,
    hooks: RetryHooks<E>,
    budget: Option<&'static str>,
    function: &'static str,
}

impl<E> Clone for RetryLayer<E> {
    fn clone(&self) -> Self {
        RetryLayer { config: self.config, hooks: self.hooks, budget: self.budget, function: self.function }
    }
}

impl<E> fmt::Debug for RetryLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("config", &self.config)
            .field("hooks", &self.hooks)
            .field("budget", &self.budget)
            .field("function", &self.function)
            .finish()
    }
}

impl<E> RetryLayer<E> {
    /// Retries with `policy`'s settings (`resile::presets` has tested ones).
    ///
    /// # Panics
    /// If the policy is invalid (a `const` policy checked with
    /// [`check`](RetryPolicy::check) cannot be).
    pub fn new(policy: RetryPolicy) -> Self {
        if let Err(e) = policy.validate() {
            panic!("invalid retry policy: {e}");
        }
        RetryLayer { config: policy.config, hooks: RetryHooks::NONE, budget: None, function: FUNCTION }
    }

    /// Retries only errors for which `f` returns `true` (`retry_if`).
    pub fn retry_if(mut self, f: fn(&E) -> bool) -> Self {
        self.hooks.retry_if = Some(f);
        self
    }

    /// Calls `f(attempt, delay, &error)` before each sleep (`on_retry`).
    pub fn on_retry(mut self, f: fn(u32, Duration, &E)) -> Self {
        self.hooks.on_retry = Some(f);
        self
    }

    /// Waits at least as long as `f(&error)` asks before the next attempt (`retry_after`;
    /// [`Rejection::hint`](crate::Rejection::hint) for errors that carry a `Rejection`).
    pub fn retry_after(mut self, f: fn(&E) -> Option<Duration>) -> Self {
        self.hooks.retry_after = Some(f);
        self
    }

    /// Draws retries from the named, shared retry budget (`retry_budget`): the one
    /// attributes with `retry_budget = "name"` draw on.
    pub fn retry_budget(mut self, name: &'static str) -> Self {
        self.budget = Some(name);
        self
    }

    /// Names the guarded call in telemetry (the `function` of the retry events); by default
    /// `resile::layer::RetryLayer`.
    pub fn function(mut self, name: &'static str) -> Self {
        self.function = name;
        self
    }

    /// The settings.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }
}

impl<S, E> Layer<S> for RetryLayer<E> {
    type Service = RetryService<S, E>;

    /// Services made by one `layer` call, and their clones, share one call site (and its
    /// retry budget's resolution).
    fn layer(&self, inner: S) -> RetryService<S, E> {
        let site = RetrySite::new(self.function, self.config, self.budget);
        RetryService { inner, shared: Arc::new(Shared { site, hooks: self.hooks, function: self.function }) }
    }
}

/// What the services of one `layer` call and their response futures share.
struct Shared<E> {
    site: RetrySite,
    hooks: RetryHooks<E>,
    function: &'static str,
}

/// A service whose failed requests are retried; see [`RetryLayer`].
pub struct RetryService<S, E> {
    inner: S,
    shared: Arc<Shared<E>>,
}

impl<S, E> RetryService<S, E> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Clone, E> Clone for RetryService<S, E> {
    fn clone(&self) -> Self {
        RetryService { inner: self.inner.clone(), shared: Arc::clone(&self.shared) }
    }
}

impl<S: fmt::Debug, E> fmt::Debug for RetryService<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryService").field("inner", &self.inner).field("site", &self.shared.site).finish()
    }
}

impl<S, Req> Service<Req> for RetryService<S, S::Error>
where
    S: Service<Req> + Clone,
    Req: Clone,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = RetryResponse<S, Req>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Req) -> RetryResponse<S, Req> {
        static TIMELINE: TimelineSite = TimelineSite::new();
        let span = CallSpan::new();
        span.start(&TIMELINE, self.shared.function, Free);
        let call = self.shared.site.start();
        // A policy of one attempt keeps nothing for a second.
        let retries = self.shared.site.config().max > 1;
        let next = retries.then(|| (self.inner.clone(), req.clone()));
        let fut = self.inner.call(req);
        RetryResponse {
            state: Attempt::Running { fut: Numbered::new(1, fut) },
            next,
            call,
            span,
            shared: Arc::clone(&self.shared),
        }
    }
}

pin_project_lite::pin_project! {
    /// Where a retried request is.
    #[project = AttemptProj]
    enum Attempt<F> {
        /// An attempt is running.
        Running { #[pin] fut: Numbered<F> },
        /// Sleeping the backoff before the next attempt.
        Sleeping { sleep: BackoffSleep },
        /// The backoff is over: polling the service clone ready for the next attempt.
        Readying,
        /// Returned.
        Done,
    }
}

pin_project_lite::pin_project! {
    /// The response future of a [`RetryService`]: the running attempt, or the backoff
    /// before the next one, and what the next one needs (a clone of the request and of the
    /// inner service).
    #[must_use = "futures do nothing unless polled"]
    pub struct RetryResponse<S: Service<Req>, Req> {
        #[pin]
        state: Attempt<S::Future>,
        next: Option<(S, Req)>,
        call: RetryCall,
        span: CallSpan,
        shared: Arc<Shared<S::Error>>,
    }
}

impl<S: Service<Req>, Req> fmt::Debug for RetryResponse<S, Req> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryResponse")
            .field("call", &self.call)
            .field("site", &self.shared.site)
            .finish_non_exhaustive()
    }
}

impl<S, Req> Future for RetryResponse<S, Req>
where
    S: Service<Req>,
    Req: Clone,
{
    type Output = Result<S::Response, S::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                AttemptProj::Running { fut } => {
                    let result = match ready!(fut.poll(cx)) {
                        Ok(response) => Ok(response),
                        Err(error) if this.next.is_none() => Err(error),
                        Err(error) => {
                            let shared = &**this.shared;
                            match shared.site.on_error(this.call, this.span, error, &shared.hooks, None, Free) {
                                ControlFlow::Break(error) => Err(error),
                                ControlFlow::Continue(sleep) => {
                                    this.state.set(Attempt::Sleeping { sleep });
                                    continue;
                                }
                            }
                        }
                    };
                    this.state.set(Attempt::Done);
                    this.span.finish(&result);
                    return Poll::Ready(result);
                }
                AttemptProj::Sleeping { sleep } => {
                    ready!(Pin::new(sleep).poll(cx));
                    this.state.set(Attempt::Readying);
                }
                AttemptProj::Readying => {
                    let (service, req) = this.next.as_mut().expect("a retry keeps the service and the request");
                    if let Err(error) = ready!(service.poll_ready(cx)) {
                        let result = Err(error);
                        this.state.set(Attempt::Done);
                        this.span.finish(&result);
                        return Poll::Ready(result);
                    }
                    let fut = service.call(req.clone());
                    let n = this.call.attempt();
                    this.state.set(Attempt::Running { fut: Numbered::new(n, fut) });
                }
                AttemptProj::Done => panic!("`RetryResponse` polled after completion"),
            }
        }
    }
}
