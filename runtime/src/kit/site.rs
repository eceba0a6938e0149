//! [`Site`]: one call site's reference to a named instance, resolved once.

use std::fmt;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

use super::registry::{NamedPolicy, Registry};

/// One call site of a named policy: the name it uses, the settings it declares (if any),
/// and, once resolved, the shared instance. The attribute's expansion keeps one in a
/// `static`; the first call resolves it through the [`Registry`](super::Registry) (taking
/// its lock once), every later call reads it with one `Acquire` load and a test.
///
/// With the `testing` cargo feature, each call first asks whether a `resile::testing`
/// scope is live anywhere (one `Relaxed` load); only then does it look for the current
/// task's scope, whose private instance it uses instead (resolved once per scope). Without
/// the feature, that check is not compiled.
pub struct Site<P: NamedPolicy> {
    function: &'static str,
    name: &'static str,
    declaration: Option<P::Config>,
    /// For a reference: the settings to create a missing instance with (see
    /// [`Registry::reference_seeded`](super::Registry::reference_seeded)).
    seed: Option<P::Config>,
    on_resolve: Option<fn(&'static P)>,
    /// The instance once resolved (null before): one load and a test per call.
    resolved: AtomicPtr<P>,
    /// Resolves the site once, whichever thread gets there first.
    resolving: OnceLock<&'static P>,
}

impl<P: NamedPolicy> fmt::Debug for Site<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("kind", &P::KIND)
            .field("name", &self.name)
            .field("function", &self.function)
            .field("declaration", &self.declaration)
            .finish_non_exhaustive()
    }
}

impl<P: NamedPolicy> Site<P> {
    /// A call site in `function` that uses the instance `name` without declaring settings.
    pub const fn reference(function: &'static str, name: &'static str) -> Self {
        Site::unresolved(function, name, None, None)
    }

    /// A call site in `function` that declares `name` with `config` (checked by the caller:
    /// the attribute checks it at compile time).
    pub const fn declaring(function: &'static str, name: &'static str, config: P::Config) -> Self {
        Site::unresolved(function, name, Some(config), None)
    }

    /// A call site in `function` that uses the instance `name` without declaring settings,
    /// and creates it from `seed` if it does not exist (`seed` must declare nothing: the
    /// same declaration as the defaults, with only the call site's own keys set).
    pub const fn seeded(function: &'static str, name: &'static str, seed: P::Config) -> Self {
        Site::unresolved(function, name, None, Some(seed))
    }

    const fn unresolved(
        function: &'static str,
        name: &'static str,
        declaration: Option<P::Config>,
        seed: Option<P::Config>,
    ) -> Self {
        Site {
            function,
            name,
            declaration,
            seed,
            on_resolve: None,
            resolved: AtomicPtr::new(ptr::null_mut()),
            resolving: OnceLock::new(),
        }
    }

    /// Also runs `f` on the instance once, when the site is resolved (to register a call
    /// site's callback on the shared instance).
    pub const fn on_resolve(mut self, f: fn(&'static P)) -> Self {
        self.on_resolve = Some(f);
        self
    }

    /// The instance's name.
    #[inline]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The function this site guards (`module::path::fn_name`).
    #[inline]
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// The settings this site declares; `None` for a reference.
    pub fn declaration(&self) -> Option<&P::Config> {
        self.declaration.as_ref()
    }

    /// The shared instance: one `Acquire` load once resolved (inside a `resile::testing`
    /// scope, the scope's instance).
    ///
    /// # Panics
    /// On first use, in debug builds, if this site declares other settings than an earlier
    /// declaration of the same name (see [`Registry`](super::Registry)).
    #[inline]
    pub fn get(&self) -> &'static P {
        if let Some(private) = super::isolation::site(self) {
            return private;
        }
        // Orderings: `Acquire` pairs with the `Release` store in `resolve`, so a call that
        // sees the pointer sees the instance it points to.
        let policy = self.resolved.load(Ordering::Acquire);
        if policy.is_null() {
            return self.resolve();
        }
        // SAFETY: a non-null pointer is a `&'static P` stored by `resolve`.
        unsafe { &*policy }
    }

    #[cold]
    #[inline(never)]
    fn resolve(&self) -> &'static P {
        let policy = *self.resolving.get_or_init(|| self.resolve_in(P::registry()));
        self.resolved.store(ptr::from_ref(policy).cast_mut(), Ordering::Release);
        policy
    }

    /// Resolves the site in `registry` (declares or refers to its name, then runs
    /// `on_resolve`): the process-wide registry once, or a `resile::testing` scope's once
    /// per scope.
    pub(crate) fn resolve_in(&self, registry: &'static Registry<P>) -> &'static P {
        let policy = match (self.declaration, self.seed) {
            (Some(config), _) => registry.declare(self.name, config, self.function),
            (None, Some(seed)) => registry.reference_seeded(self.name, self.function, seed),
            (None, None) => registry.reference(self.name, self.function),
        };
        if let Some(own) = self.declaration.as_ref().or(self.seed.as_ref()) {
            policy.site_resolved(own);
        }
        if let Some(f) = self.on_resolve {
            f(policy);
        }
        policy
    }
}

#[cfg(feature = "testing")]
impl<P: NamedPolicy> super::scope::ScopedSite<P> for Site<P> {
    type Says = (&'static str, Option<P::Config>, Option<P::Config>);

    fn says(&self) -> Self::Says {
        (self.name, self.declaration, self.seed)
    }

    fn resolve_in(&self, registry: &'static Registry<P>) -> &'static P {
        Site::resolve_in(self, registry)
    }
}
