//! Remote rate limiting: a limit decided outside the process (`#[rate_limit(backend =
//! "redis")]`), so that every replica of a service shares one budget.
//!
//! The runtime does not know how a remote backend decides; it holds one process-wide slot
//! for it ([`install_remote`]), which a backend crate fills once at startup (`resile-redis`'s
//! `install`), and a call site ([`RemoteRateLimitSite`]) that asks the installed backend for
//! each call, with one `.await`. The local limiter's path is not involved: a site is local
//! or remote from its expansion on.
//!
//! A remote site whose backend is not installed refuses every call with
//! [`Rejection::NoBackend`]: never a silent local limit, and never a panic in a request
//! path. The refusal is reported to telemetry as any other (`reason = "no_backend"`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use super::config::RateLimitConfig;
use crate::Rejection;
use crate::telemetry::{self, CallSpan, Event, ImplType};

/// What a remote backend answers for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteDecision {
    /// The call took its tokens; it runs after `after` (zero: now; at most the call's
    /// `max_wait`).
    Admit {
        /// How long the call waits before it runs.
        after: Duration,
    },
    /// Refused, no tokens taken: the tokens would come `retry_after` from now, later than
    /// the call's `max_wait`.
    Deny {
        /// How long until the call would be admitted.
        retry_after: Duration,
    },
}

/// One call's question to a remote backend.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RemoteRequest {
    /// The limiter's name (one budget per name, across every replica).
    pub name: &'static str,
    /// The limiter's `rate` and `burst_size`, and the call site's `weight` and `max_wait`.
    pub config: RateLimitConfig,
}

impl RemoteRequest {
    /// A call of the limiter `name` with `config`.
    pub const fn new(name: &'static str, config: RateLimitConfig) -> Self {
        RemoteRequest { name, config }
    }
}

/// The future of one remote decision.
pub type RemoteFuture<'a> = Pin<Box<dyn Future<Output = RemoteDecision> + Send + 'a>>;

/// A backend that decides rate limits outside the process, installed once with
/// [`install_remote`].
///
/// `decide` always answers: what the backend does when it cannot reach its store (admit,
/// refuse, or decide locally) is its own documented choice, not an error for the caller.
pub trait RemoteRateLimiter: Send + Sync + fmt::Debug + 'static {
    /// The backend's name, as `#[rate_limit(backend = "..")]` writes it (`"redis"`).
    fn backend(&self) -> &'static str;

    /// The decision for one call.
    fn decide(&self, request: RemoteRequest) -> RemoteFuture<'_>;
}

static REMOTE: OnceLock<Box<dyn RemoteRateLimiter>> = OnceLock::new();

/// Installs `backend` for the whole process. Once: a second call hands its backend back.
///
/// # Errors
/// `Err(backend)` if a backend is installed already.
pub fn install_remote(backend: Box<dyn RemoteRateLimiter>) -> Result<(), Box<dyn RemoteRateLimiter>> {
    let mut offered = Some(backend);
    REMOTE.get_or_init(|| offered.take().expect("taken once"));
    match offered {
        None => Ok(()),
        Some(backend) => Err(backend),
    }
}

/// The installed backend named `backend`, if any. One `Acquire` load.
#[inline]
pub fn remote(backend: &str) -> Option<&'static dyn RemoteRateLimiter> {
    REMOTE.get().map(|b| &**b).filter(|b| b.backend() == backend)
}

/// One `#[rate_limit(backend = "..")]` call site: the limiter's name, the backend it names,
/// and its configuration. The expansion keeps one in a `static`.
#[derive(Debug)]
pub struct RemoteRateLimitSite {
    function: &'static str,
    name: &'static str,
    backend: &'static str,
    config: RateLimitConfig,
}

impl RemoteRateLimitSite {
    /// A call site of `function` that asks the backend `backend` about the limiter `name`
    /// with `config` (checked by the attribute at compile time).
    pub const fn new(
        function: &'static str,
        name: &'static str,
        backend: &'static str,
        config: RateLimitConfig,
    ) -> Self {
        RemoteRateLimitSite { function, name, backend, config }
    }

    /// Asks the backend; `Ok` once the call may run (after a wait within `max_wait`, when
    /// the backend gave one), else the rejection, reported to telemetry as an event of
    /// `span`: `RateLimited` from the backend, or `NoBackend` when it is not installed.
    ///
    /// Turned off (`resile::config::set_enabled(false)`): `Ok` at once, asking nothing.
    pub async fn admit(&self, span: &CallSpan, impl_type: impl ImplType) -> Result<(), Rejection> {
        if crate::config::switch::all_off() {
            return Ok(());
        }
        let name = self.name;
        let function = || impl_type.function(self.function);
        let Some(backend) = remote(self.backend) else {
            let rejection = Rejection::NoBackend { name, backend: self.backend };
            return Err(telemetry::rejected(span, function, "rate_limit", Some(name), rejection));
        };
        match backend.decide(RemoteRequest::new(name, self.config)).await {
            RemoteDecision::Admit { after } if after.is_zero() => Ok(()),
            RemoteDecision::Admit { after } => {
                let function = function();
                telemetry::emit_in(span, function, Event::RateLimitWait { function, name, waited: after });
                Box::pin(tokio::time::sleep(after)).await;
                Ok(())
            }
            RemoteDecision::Deny { retry_after } => Err(telemetry::rejected(
                span,
                function,
                "rate_limit",
                Some(name),
                Rejection::RateLimited { name, retry_after },
            )),
        }
    }

    /// The limiter's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}
