//! [`isolated`] and [`Scope`]: named instances private to a future.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::registry::listing::Listing;
use super::{NamedPolicy, Registry};
use crate::sync::{counted, std_lock as lock};

tokio::task_local! {
    /// The scope the current task runs in.
    static SCOPE: Scope;
}

/// How many scopes are being polled or waiting to be, process-wide: while it is zero, a
/// call site pays one `Relaxed` load for `resile::testing` and looks nothing up.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Runs `fut` with named instances private to it: every breaker, hedge tracker and retry
/// budget that `fut` reaches by name (through a call site, a handle such as
/// `circuit_breaker("db")`, `CircuitBreaker::named`, or [`registry::names`]) is the
/// scope's own, created on first use as the process-wide one would be (with the same
/// declaration rule), and shared by everything inside the scope. Outside it, the same names
/// are the process-wide instances, which `fut` neither sees nor changes.
///
/// So tests that run in parallel in one test binary, and use the same names, do not share
/// state:
///
/// ```
/// # #[derive(Debug, PartialEq)] enum DbError { Down, Rejected(resile_runtime::Rejection) }
/// # impl From<resile_runtime::Rejection> for DbError {
/// #     fn from(r: resile_runtime::Rejection) -> Self { DbError::Rejected(r) }
/// # }
/// # use resile_runtime as resile;
/// use resile::{circuit_breaker, testing, State};
/// use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// testing::isolated(async {
///     let db = CircuitBreaker::named("db", CircuitBreakerConfig::new().minimum_calls(1));
///     let _ = db.call(|| async { Err::<(), _>(DbError::Down) }).await;
///     assert_eq!(circuit_breaker("db").state(), State::Open); // this scope's `db`
/// })
/// .await;
/// assert_eq!(circuit_breaker("db").state(), State::Closed); // the process-wide `db`
/// # }
/// ```
///
/// # Limits
/// - The scope is a tokio task-local: a future spawned inside it (`tokio::spawn`) runs
///   outside it and sees the process-wide instances. Take the scope with [`scope()`] and run
///   the spawned future in it: `tokio::spawn(testing::scope().unwrap().run(fut))`. Hedged
///   attempts run in the caller's task, so they are inside.
/// - Scopes nest: an inner `isolated` has instances of its own, not the outer one's.
/// - An unnamed hedge site's own tracker belongs to its call site, not to a name, and is
///   not made private.
///
/// # Cost
/// A scope's instances are leaked, as the process-wide ones are (a call site or a
/// `X::named` caller may keep a `&'static` reference to them): a few hundred bytes per
/// instance (a breaker's count window adds a few bytes per call of its `window_size`), once
/// per scope. Inside a scope, a call site finds its instance with a task-local read, a lock
/// and a hash lookup; outside any scope, with the feature on, each call pays one `Relaxed`
/// load more; with the feature off, nothing.
///
/// [`registry::names`]: crate::registry::names
pub async fn isolated<F: Future>(fut: F) -> F::Output {
    Scope::new().run(fut).await
}

/// The scope the current task runs in, if any: to run a spawned future in it with
/// [`Scope::run`].
pub fn scope() -> Option<Scope> {
    if live() { SCOPE.try_with(Scope::clone).ok() } else { None }
}

/// A set of private named instances: what [`isolated`] runs a future in. Cloning it gives
/// another reference to the same instances.
#[derive(Clone)]
pub struct Scope {
    inner: Arc<Inner>,
}

struct Inner {
    /// One registry per kind, created on the kind's first use in the scope.
    registries: Mutex<Vec<Private>>,
    /// The instance each call site resolved to in this scope, by the site's kind and
    /// address (with its name, in case a site value was dropped and another one took its
    /// place).
    sites: Mutex<HashMap<(TypeId, usize), Resolved>>,
}

/// One kind's registry in a scope.
struct Private {
    kind: TypeId,
    /// The `&'static Registry<P>`.
    registry: &'static (dyn Any + Send + Sync),
    listing: &'static dyn Listing,
}

/// A call site's instance in a scope.
struct Resolved {
    /// What the site said ([`ScopedSite::says`]): a site at an address that another one used before (a plain
    /// value on the heap, dropped and replaced) is resolved anew if it says anything else.
    says: Box<dyn Any + Send + Sync>,
    /// The `&'static P`.
    instance: &'static (dyn Any + Send + Sync),
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<_> = lock(&self.inner.registries).iter().map(|p| p.listing.kind()).collect();
        f.debug_struct("Scope").field("kinds", &kinds).finish_non_exhaustive()
    }
}

impl Default for Scope {
    fn default() -> Self {
        Self::new()
    }
}

impl Scope {
    /// A new scope with no instances yet.
    pub fn new() -> Self {
        Scope { inner: Arc::new(Inner { registries: Mutex::default(), sites: Mutex::default() }) }
    }

    /// Runs `fut` in this scope: by name, it reaches this scope's instances.
    pub async fn run<F: Future>(self, fut: F) -> F::Output {
        SCOPE.scope(self, counted(&LIVE, fut)).await
    }

    /// This scope's registry of `P`, created on first use.
    fn registry<P: NamedPolicy>(&self) -> &'static Registry<P> {
        let kind = TypeId::of::<P>();
        let mut registries = lock(&self.inner.registries);
        let found = registries.iter().find(|p| p.kind == kind).map(|p| p.registry);
        let registry = found.unwrap_or_else(|| {
            // Leaked: see "Cost" on `isolated`.
            let registry: &'static Registry<P> = Box::leak(Box::new(Registry::unlisted()));
            registries.push(Private { kind, registry, listing: registry });
            registry
        });
        registry.downcast_ref().expect("a scope keeps each kind's registry under its `TypeId`")
    }

    /// The instance `site` uses in this scope, resolved (declared or referred to, and its
    /// `on_resolve` run) on its first call here.
    fn site<P: NamedPolicy, S: ScopedSite<P>>(&self, site: &S) -> &'static P {
        let key = (TypeId::of::<P>(), std::ptr::from_ref(site).cast::<()>() as usize);
        // Held while resolving, so two tasks in one scope resolve a site once.
        let mut sites = lock(&self.inner.sites);
        let says = site.says();
        if let Some(resolved) = sites.get(&key)
            && resolved.says.downcast_ref() == Some(&says)
        {
            return resolved.instance.downcast_ref().expect("a site's instance is kept under its kind");
        }
        let instance = site.resolve_in(self.registry::<P>());
        sites.insert(key, Resolved { says: Box::new(says), instance });
        instance
    }

    fn listings(&self) -> Vec<&'static dyn Listing> {
        lock(&self.inner.registries).iter().map(|p| p.listing).collect()
    }
}

/// Whether a scope is live anywhere: one `Relaxed` load (see `crate::sync::counted`).
#[inline(always)]
pub(crate) fn live() -> bool {
    LIVE.load(Ordering::Relaxed) != 0
}

/// What a scope needs of a call site ([`Site`](super::Site) implements it): a call site
/// keeps its process-wide instance, and a scope resolves it again, privately.
pub(crate) trait ScopedSite<P: NamedPolicy> {
    /// What the site says about its instance (its name, declaration and seed), to tell two
    /// sites at one address apart.
    type Says: PartialEq + Send + Sync + 'static;
    /// What the site says.
    fn says(&self) -> Self::Says;
    /// The instance the site resolves to in `registry` (declared or referred to, and its
    /// `on_resolve` run).
    fn resolve_in(&self, registry: &'static Registry<P>) -> &'static P;
}

/// The current task's scope's instance for `site`, if the task is in a scope.
#[cold]
#[inline(never)]
pub(crate) fn site<P: NamedPolicy, S: ScopedSite<P>>(site: &S) -> Option<&'static P> {
    let scope = SCOPE.try_with(Scope::clone).ok()?;
    Some(scope.site(site))
}

/// The current task's scope's registry of `P`, if the task is in a scope.
#[cold]
#[inline(never)]
pub(crate) fn registry<P: NamedPolicy>() -> Option<&'static Registry<P>> {
    let scope = SCOPE.try_with(Scope::clone).ok()?;
    Some(scope.registry::<P>())
}

/// The current task's scope's registries, if the task is in a scope.
pub(crate) fn listings() -> Option<Vec<&'static dyn Listing>> {
    SCOPE.try_with(Scope::listings).ok()
}
