//! Named instances: [`NamedPolicy`], what a policy with instances shared by name provides,
//! and [`Registry`], the instances of one kind and the rule that decides their settings.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock, RwLock};

use resile_config::KeySet;

use crate::ConfigError;

/// A policy whose instances are shared process-wide by name: one name is one instance,
/// whichever function, module or crate uses it.
///
/// Implementing it is all a policy needs to get the kit's [`Registry`] (with its declaration
/// rule), per-call-site resolution through [`Site`](super::Site), operator handles and
/// `resile::registry::names()`.
pub trait NamedPolicy: Send + Sync + Sized + 'static {
    /// The kind's name: the attribute or handle (`circuit_breaker`, `hedge`,
    /// `retry_budget`), which is also the TOML section and the `policy` label of metrics.
    const KIND: &'static str;

    /// The settings of one instance.
    type Config: Copy + PartialEq + fmt::Debug + Send + Sync + 'static;

    /// The process-wide registry of this kind (a `static` in the policy's `handle.rs`).
    fn registry() -> &'static Registry<Self>;

    /// The settings of an instance that nobody declared: the attribute's documented defaults.
    fn default_config() -> Self::Config;

    /// Checks `config` with the rules the attribute checks at compile time.
    ///
    /// # Errors
    /// The first rule `config` breaks, naming its key.
    fn validate(config: &Self::Config) -> Result<(), ConfigError>;

    /// A new instance called `name` with `config` (already validated).
    fn create(name: &'static str, config: Self::Config) -> Self;

    /// A new instance for one key of this instance's name (`key = ..`), with
    /// `config` (the name's settings in force); `key` is the key by its `Debug`, where the
    /// call site has it. [`create`](Self::create) by default; a breaker also takes this
    /// one's `on_state_change` callbacks, and keeps the key's text for its state-change
    /// events.
    fn create_for_key(&self, name: &'static str, config: Self::Config, key: Option<&dyn fmt::Debug>) -> Self {
        let _ = key;
        Self::create(name, config)
    }

    /// The settings in force.
    fn config(&self) -> Self::Config;

    /// Puts `config` (already validated) in force. Calls already running keep what they
    /// started with.
    fn reconfigure(&self, config: Self::Config);

    /// Back to the state of a new instance, keeping the settings in force: a breaker closes
    /// with a fresh window, a hedge tracker starts a fresh latency window with a full budget
    /// and zero counters, a retry budget a fresh window with zero counters. What
    /// [`Handle::reset`](super::Handle::reset) and `resile::testing::reset_all()` call.
    fn reset(&self);

    /// A call site whose own settings are `site` (its declaration, or the seed of a
    /// reference) resolved to this instance. Nothing by default; a policy whose sites keep
    /// keys of their own (a weight) records what live settings must leave room for.
    fn site_resolved(&self, site: &Self::Config) {
        let _ = site;
    }

    /// Checks live settings `config` (already validated) against the call sites that use
    /// this instance: a bulkhead's `max_concurrent` and a rate limiter's burst must hold the
    /// heaviest site's `weight`, not only the declaration's. `Ok` by default.
    ///
    /// # Errors
    /// The setting that is too small for a site, naming it and the site's key.
    fn fits_sites(&self, config: &Self::Config) -> Result<(), ConfigError> {
        let _ = config;
        Ok(())
    }

    /// Whether two declarations of one name say the same thing. Equal settings by default;
    /// a policy whose declarations carry per-call-site settings too compares only the
    /// shared ones.
    fn same_declaration(a: &Self::Config, b: &Self::Config) -> bool {
        a == b
    }

    /// The numeric settings of `config` by key (`window_size`), for the `resile_config`
    /// gauges (cargo feature `metrics`). None by default.
    #[cfg(feature = "metrics")]
    fn settings(config: &Self::Config) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        let _ = config;
        Vec::new()
    }

    /// Sets the gauges a new instance shows before anything happens to it (a breaker's
    /// state), called once by the registry that creates it, before anyone else can see it
    /// (cargo feature `metrics`). Nothing by default.
    #[cfg(feature = "metrics")]
    fn show_created(&self) {}
}

/// Where the settings in force of a named instance come from, in order of
/// precedence: live configuration, else the declaration in code, else the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Set at run time: by `reconfigure` (every key), or by a live configuration file
    /// (`resile::config`), whose section may set only some keys. An instance is `Live` when
    /// at least one of its keys is: the keys live configuration did not set keep their
    /// declared values (or the defaults), key by key.
    Live,
    /// Declared by a call site (`#[circuit_breaker(name = "db", window_size = 50)]`).
    Declared,
    /// Nobody declared it: the attribute's documented defaults.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Live => "live",
            Source::Declared => "declared",
            Source::Default => "default",
        })
    }
}

/// A declaration: the settings one call site gave for a name.
#[derive(Debug, Clone, Copy)]
struct Declaration<C> {
    config: C,
    by: &'static str,
}

/// Lays the keys `keys` of `live` over `base`: `base` with those keys set as `live` has them.
pub(crate) type Lay<C> = fn(C, &C, KeySet) -> C;

/// Which keys live configuration set.
#[derive(Clone, Copy)]
enum LiveKeys<C> {
    /// Every key (`reconfigure`): the live settings are the whole configuration.
    All,
    /// These keys (a file's section), laid over the declaration (or the defaults) by the
    /// function.
    Some(KeySet, Lay<C>),
}

/// Live configuration: a whole configuration, and which of its keys live configuration set.
#[derive(Clone, Copy)]
struct LiveSettings<C> {
    config: C,
    keys: LiveKeys<C>,
}

impl<C: Copy> LiveSettings<C> {
    /// The settings in force over `base` (the declaration's, else the defaults): `base` with
    /// the live keys laid over it.
    fn over(&self, base: C) -> C {
        match self.keys {
            LiveKeys::All => self.config,
            LiveKeys::Some(keys, lay) => lay(base, &self.config, keys),
        }
    }
}

/// The settings a name has been given, besides its defaults.
struct Given<C> {
    declared: Option<Declaration<C>>,
    live: Option<LiveSettings<C>>,
}

impl<C: Copy> Given<C> {
    /// Where the settings in force come from.
    fn source(&self) -> Source {
        match (&self.live, &self.declared) {
            (Some(_), _) => Source::Live,
            (None, Some(_)) => Source::Declared,
            (None, None) => Source::Default,
        }
    }
}

/// One named instance and what it has been given.
struct Entry<P: NamedPolicy> {
    policy: P,
    name: &'static str,
    given: Mutex<Given<P::Config>>,
    /// The keyed instances of the name, one family per key type.
    families: Mutex<Vec<&'static dyn AnyFamily<P>>>,
}

impl<P: NamedPolicy> Entry<P> {
    /// Puts `config` in force on the instance and every key's instance of the name.
    fn put_in_force(&self, config: P::Config) {
        self.policy.reconfigure(config);
        for family in self.families.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            family.reconfigure(config);
        }
    }
}

/// The named instances of one kind, process-wide: one name is one instance.
///
/// Entries are created on first use and live for the rest of the process (`&'static`), so
/// a call site resolves its entry once, keeps the reference in its `static`
/// ([`Site`](super::Site)), and never hashes the name again. Names are interned with the
/// entry, which is why a `Rejection` carries a `&'static str` without allocating.
///
/// # The declaration rule
/// Each key of an instance's settings comes from live configuration for its name, else
/// from its declaration, else from the defaults: what is in force is the declaration (or the
/// defaults) with the keys live configuration set laid over it, whichever came first.
/// - A reference ([`reference`](Registry::reference), a call site that gives only the
///   name) declares nothing. If it is the first use, it creates the instance with the
///   defaults and says so in a `tracing` event (INFO, target `resile`).
/// - The first declaration ([`declare`](Registry::declare)) puts its settings in force,
///   even when references already created the instance with the defaults.
/// - A second declaration that says something else is a bug: it is reported at its first
///   call with both configurations as an ERROR event (target `resile`), and it **panics in
///   debug builds** so that a test suite finds it. In release builds the first declaration
///   stays in force.
/// - Live settings ([`configure`](Registry::configure): every key; a file's section: the keys
///   it names) win over any declaration, earlier or later, key by key. When a declaration
///   that comes after them makes, with the live keys laid over it, settings that break a rule
///   across keys, the rule is reported as an ERROR event (target `resile`) naming the
///   section and the key, and the settings in force stay as they were.
pub struct Registry<P: NamedPolicy> {
    entries: OnceLock<RwLock<HashMap<&'static str, &'static Entry<P>>>>,
    /// Whether `names()` lists it: the process-wide registries are listed, the private
    /// ones of a `resile::testing` scope are not.
    listed: bool,
}

impl<P: NamedPolicy> fmt::Debug for Registry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("kind", &P::KIND).finish_non_exhaustive()
    }
}

impl<P: NamedPolicy> Default for Registry<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: NamedPolicy> Registry<P> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Self {
        Registry { entries: OnceLock::new(), listed: true }
    }

    /// An empty registry that `names()` does not list (a `resile::testing` scope's own).
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) const fn unlisted() -> Self {
        Registry { entries: OnceLock::new(), listed: false }
    }

    fn map(&'static self) -> &'static RwLock<HashMap<&'static str, &'static Entry<P>>> {
        self.entries.get_or_init(|| {
            if self.listed {
                listing::add(self);
            }
            RwLock::default()
        })
    }

    fn entry(&'static self, name: &str) -> Option<&'static Entry<P>> {
        self.map().read().unwrap_or_else(|e| e.into_inner()).get(name).copied()
    }

    /// The instance `name`, created with `config` if it does not exist; whether this call
    /// created it.
    fn entry_or_create(&'static self, name: &str, config: P::Config) -> (&'static Entry<P>, bool) {
        if let Some(found) = self.entry(name) {
            return (found, false);
        }
        let mut map = self.map().write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = map.get(name) {
            return (found, false);
        }
        let interned: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let entry: &'static Entry<P> = Box::leak(Box::new(Entry {
            policy: P::create(interned, config),
            name: interned,
            given: Mutex::new(Given { declared: None, live: None }),
            families: Mutex::new(Vec::new()),
        }));
        // Under the lock: no transition can be reported before it.
        #[cfg(feature = "metrics")]
        if self.listed {
            entry.policy.show_created();
        }
        map.insert(interned, entry);
        (entry, true)
    }

    /// The instance `name`, if it exists. Looking a name up never creates it.
    pub fn get(&'static self, name: &str) -> Option<&'static P> {
        self.entry(name).map(|e| &e.policy)
    }

    /// The instance `name` for a call site (or an operator) that refers to it without
    /// declaring settings: the existing instance, or a new one with the defaults.
    pub fn reference(&'static self, name: &str, by: &'static str) -> &'static P {
        self.reference_seeded(name, by, P::default_config())
    }

    /// As [`reference`](Self::reference), creating a missing instance from `seed`: settings
    /// that declare nothing (the same declaration as the defaults) but carry a call site's
    /// own keys, such as a hedge site's `delay` (which [`HedgeStats`] shows).
    ///
    /// [`HedgeStats`]: crate::hedge::HedgeStats
    pub fn reference_seeded(&'static self, name: &str, by: &'static str, seed: P::Config) -> &'static P {
        debug_assert!(P::same_declaration(&seed, &P::default_config()), "a seed declares nothing");
        let (entry, created) = self.entry_or_create(name, seed);
        if created {
            #[cfg(feature = "metrics")]
            self.show(entry);
            tracing::info!(
                target: "resile",
                policy = P::KIND,
                name,
                by,
                "`{name}` is used before any declaration of it: it runs with the defaults until one is seen",
            );
        }
        &entry.policy
    }

    /// The instance `name` for a call site `by` that declares `config` (already validated);
    /// see the declaration rule on [`Registry`].
    ///
    /// # Panics
    /// In debug builds, if `name` was declared before with other settings.
    pub fn declare(&'static self, name: &str, config: P::Config, by: &'static str) -> &'static P {
        let (entry, _) = self.entry_or_create(name, config);
        let mut given = entry.given.lock().unwrap_or_else(|e| e.into_inner());
        match given.declared {
            None => {
                given.declared = Some(Declaration { config, by });
                match given.live {
                    None => {
                        if !P::same_declaration(&entry.policy.config(), &config) {
                            entry.put_in_force(config);
                        }
                    }
                    Some(live) => {
                        let in_force = live.over(config);
                        match P::validate(&in_force) {
                            Ok(()) if in_force != entry.policy.config() => entry.put_in_force(in_force),
                            Ok(()) => {}
                            Err(e) => overlay_refused::<P>(entry.name, e),
                        }
                    }
                }
                drop(given);
                #[cfg(feature = "metrics")]
                self.show(entry);
            }
            Some(first) if !P::same_declaration(&first.config, &config) => {
                drop(given);
                conflict::<P>(name, first, Declaration { config, by });
            }
            Some(_) => {}
        }
        &entry.policy
    }

    /// Puts `config` in force for `name` as live configuration, every key of it, creating the
    /// instance if needed; it wins over declarations, earlier or later.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key, or a setting too small for the `weight` of
    /// a call site that uses the instance ([`NamedPolicy::fits_sites`]); then nothing
    /// changes.
    pub fn configure(&'static self, name: &str, config: P::Config) -> Result<&'static P, ConfigError> {
        P::validate(&config)?;
        self.fits_sites(name, &config)?;
        Ok(self.put_live(name, config, LiveKeys::All))
    }

    /// Live configuration for the keys `keys` of `name` (a file's section): `config` is the
    /// instance's declaration (or the defaults) with those keys set, already checked
    /// (including against the call sites' weights, [`fits_sites`](Self::fits_sites)). They
    /// replace whatever live configuration set before; the other keys keep the declaration's
    /// values, also one that comes later (`lay` lays the live keys over it). With no key
    /// (a section that only says `enabled`), nothing is live: the instance is created if
    /// needed, with `config`, and the first declaration still puts its settings in force. A
    /// site that resolved since the check keeps its place: its calls are refused, and the
    /// next configuration is checked against it.
    pub(crate) fn configure_keys(
        &'static self,
        name: &str,
        config: P::Config,
        keys: KeySet,
        lay: Lay<P::Config>,
    ) -> &'static P {
        self.put_live(name, config, LiveKeys::Some(keys, lay))
    }

    /// Records `config` as live (nothing live when it sets no key) and puts in force the
    /// declaration (or the defaults) with the live keys laid over it.
    fn put_live(&'static self, name: &str, config: P::Config, keys: LiveKeys<P::Config>) -> &'static P {
        let (entry, _) = self.entry_or_create(name, config);
        let mut given = entry.given.lock().unwrap_or_else(|e| e.into_inner());
        let live = match keys {
            LiveKeys::Some(set, _) if set.is_empty() => None,
            _ => Some(LiveSettings { config, keys }),
        };
        given.live = live;
        let base = given.declared.map_or_else(P::default_config, |d| d.config);
        let mut in_force = live.map_or(base, |live| live.over(base));
        // `config` was checked over the declaration seen when it was made; one that came in
        // between may break a rule across keys with it.
        if let Err(e) = P::validate(&in_force) {
            overlay_refused::<P>(entry.name, e);
            in_force = config;
        }
        if entry.policy.config() != in_force {
            entry.put_in_force(in_force);
        }
        drop(given);
        #[cfg(feature = "metrics")]
        self.show(entry);
        &entry.policy
    }

    /// Checks `config` against the call sites of `name` that resolved so far
    /// ([`NamedPolicy::fits_sites`]); `Ok` when it does not exist.
    pub(crate) fn fits_sites(&'static self, name: &str, config: &P::Config) -> Result<(), ConfigError> {
        self.get(name).map_or(Ok(()), |policy| policy.fits_sites(config))
    }

    /// The settings `name` has without live configuration: its declaration's, else the
    /// defaults (also when it does not exist). What a live configuration file starts from.
    pub(crate) fn declared_or_default(&'static self, name: &str) -> P::Config {
        self.entry(name)
            .and_then(|entry| entry.given.lock().unwrap_or_else(|e| e.into_inner()).declared.map(|d| d.config))
            .unwrap_or_else(P::default_config)
    }

    /// Sets the `resile_config` gauges of `entry` to its settings in force and their source.
    #[cfg(feature = "metrics")]
    fn show(&'static self, entry: &'static Entry<P>) {
        if !self.listed {
            return;
        }
        let source = entry.given.lock().unwrap_or_else(|e| e.into_inner()).source();
        let name = entry.name;
        crate::telemetry::metrics::config(P::KIND, name, source, &P::settings(&entry.policy.config()));
    }

    /// The family of `name` whose key type is `key_type`, made by `make` if there is none
    /// (the instance `name` exists: a keyed site resolved it).
    pub(crate) fn family_of(
        &'static self,
        name: &str,
        key_type: std::any::TypeId,
        make: &mut dyn FnMut() -> &'static dyn AnyFamily<P>,
    ) -> &'static dyn AnyFamily<P> {
        let (entry, _) = self.entry_or_create(name, P::default_config());
        let mut families = entry.families.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = families.iter().find(|f| f.key_type() == key_type) {
            return *found;
        }
        let family = make();
        families.push(family);
        family
    }

    /// The families of keyed instances of `name` (none if it does not exist).
    pub(crate) fn families(&'static self, name: &str) -> Vec<&'static dyn AnyFamily<P>> {
        self.entry(name).map_or_else(Vec::new, |e| e.families.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// `name` as the registry keeps it, for the life of the process (the instance exists).
    pub(crate) fn interned(&'static self, name: &str) -> &'static str {
        self.entry(name).map_or_else(|| &*Box::leak(name.to_owned().into_boxed_str()), |e| e.name)
    }

    /// Where the settings in force of `name` come from; `None` if it does not exist.
    pub fn source(&'static self, name: &str) -> Option<Source> {
        let entry = self.entry(name)?;
        let source = entry.given.lock().unwrap_or_else(|e| e.into_inner()).source();
        Some(source)
    }

    /// Every name of this kind, sorted.
    pub fn names(&'static self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.map().read().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// Resets every instance of this kind ([`NamedPolicy::reset`]); settings stay.
    pub fn reset_all(&'static self) {
        let entries: Vec<_> = self.map().read().unwrap_or_else(|e| e.into_inner()).values().copied().collect();
        for entry in entries {
            entry.policy.reset();
            for family in entry.families.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                family.reset();
            }
        }
    }
}

/// Reports live keys that, laid over a declaration, break a rule across keys; the settings
/// in force stay as they were.
#[cold]
#[inline(never)]
fn overlay_refused<P: NamedPolicy>(name: &'static str, error: ConfigError) {
    let error = error.in_section(P::KIND, name);
    tracing::error!(
        target: "resile",
        policy = P::KIND,
        name,
        key = error.key(),
        "live configuration laid over the declaration of `{name}` breaks a rule, so the settings in force stay as they were: {error}",
    );
}

/// Reports two different declarations of one name.
#[cold]
#[inline(never)]
fn conflict<P: NamedPolicy>(name: &str, first: Declaration<P::Config>, second: Declaration<P::Config>) {
    let message = format!(
        "`{}` `{name}` is declared twice with different settings: by `{}` with {:?}, and by `{}` with {:?}; \
         declare it once, and let every other use refer to it by its name alone",
        P::KIND,
        first.by,
        first.config,
        second.by,
        second.config,
    );
    tracing::error!(
        target: "resile",
        policy = P::KIND,
        name,
        first = ?first.config,
        first_by = first.by,
        second = ?second.config,
        second_by = second.by,
        "{message}",
    );
    if cfg!(debug_assertions) {
        panic!("{message}");
    }
}

/// A family of keyed instances (`key = ..`, `kit::keyed`) of any key type, as its name's
/// registry entry keeps it: what the registry needs of one, so that it does not depend on
/// how a family is built.
pub(crate) trait AnyFamily<P: NamedPolicy>: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    /// The key type.
    fn key_type(&self) -> TypeId;
    /// The instances.
    fn keys(&self) -> usize;
    /// The keys evicted so far.
    fn evicted(&self) -> u64;
    /// Puts `config` in force on every key's instance, and on those created afterwards
    /// (they take the name's instance's settings).
    fn reconfigure(&self, config: P::Config);
    /// Resets every key's instance ([`NamedPolicy::reset`]).
    fn reset(&self);
}

/// Every registry that has entries, for [`names`] and `resile::testing::reset_all()`.
pub(crate) mod listing {
    use std::sync::Mutex;

    use super::{NamedPolicy, Registry};

    /// What `names()` and `reset_all()` need of a registry of any kind.
    pub(crate) trait Listing: Sync {
        fn kind(&self) -> &'static str;
        fn names(&'static self) -> Vec<&'static str>;
        #[cfg_attr(not(feature = "testing"), allow(dead_code))]
        fn reset_all(&'static self);
    }

    impl<P: NamedPolicy> Listing for Registry<P> {
        fn kind(&self) -> &'static str {
            P::KIND
        }
        fn names(&'static self) -> Vec<&'static str> {
            Registry::names(self)
        }
        fn reset_all(&'static self) {
            Registry::reset_all(self)
        }
    }

    static ALL: Mutex<Vec<&'static dyn Listing>> = Mutex::new(Vec::new());

    pub(super) fn add(registry: &'static dyn Listing) {
        ALL.lock().unwrap_or_else(|e| e.into_inner()).push(registry);
    }

    /// Every process-wide registry that has entries.
    pub(crate) fn all() -> Vec<&'static dyn Listing> {
        ALL.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A policy whose whole state is its settings: enough to watch the rule at work.
    #[derive(Debug)]
    struct Dial {
        config: Mutex<u32>,
    }

    static DIALS: Registry<Dial> = Registry::new();

    impl NamedPolicy for Dial {
        const KIND: &'static str = "dial";
        type Config = u32;
        fn registry() -> &'static Registry<Self> {
            &DIALS
        }
        fn default_config() -> u32 {
            7
        }
        fn validate(config: &u32) -> Result<(), ConfigError> {
            match *config {
                0 => Err(resile_config::RetryConfig::new().max(0).validate().unwrap_err()),
                _ => Ok(()),
            }
        }
        fn create(_: &'static str, config: u32) -> Self {
            Dial { config: Mutex::new(config) }
        }
        fn config(&self) -> u32 {
            *self.config.lock().unwrap()
        }
        fn reconfigure(&self, config: u32) {
            *self.config.lock().unwrap() = config;
        }
        fn reset(&self) {}
    }

    #[test]
    fn a_reference_uses_the_defaults_until_the_first_declaration() {
        let dial = DIALS.reference("late", "tests::reference");
        assert_eq!((dial.config(), DIALS.source("late")), (7, Some(Source::Default)));
        let declared = DIALS.declare("late", 3, "tests::declaration");
        assert!(std::ptr::eq(dial, declared));
        assert_eq!((dial.config(), DIALS.source("late")), (3, Some(Source::Declared)));
        // A later reference changes nothing; neither does an equal declaration.
        DIALS.reference("late", "tests::reference");
        DIALS.declare("late", 3, "tests::again");
        assert_eq!(dial.config(), 3);
    }

    #[test]
    fn a_second_different_declaration_panics_in_debug_builds_and_the_first_stays() {
        DIALS.declare("twice", 1, "tests::first");
        let second = std::panic::catch_unwind(|| DIALS.declare("twice", 2, "tests::second"));
        assert_eq!(second.is_err(), cfg!(debug_assertions));
        if cfg!(debug_assertions) {
            let message = *second.unwrap_err().downcast::<String>().unwrap();
            assert!(message.contains("`dial` `twice` is declared twice"), "{message}");
            assert!(message.contains("by `tests::first` with 1, and by `tests::second` with 2"), "{message}");
        }
        assert_eq!(DIALS.get("twice").unwrap().config(), 1);
    }

    #[test]
    fn live_settings_win_and_bad_ones_change_nothing() {
        DIALS.configure("live", 5).unwrap();
        DIALS.declare("live", 4, "tests::declaration");
        assert_eq!((DIALS.get("live").unwrap().config(), DIALS.source("live")), (5, Some(Source::Live)));
        let error = DIALS.configure("live", 0).unwrap_err();
        assert_eq!(error.key(), "max");
        assert_eq!(DIALS.get("live").unwrap().config(), 5);
    }

    /// `max` is the dial's one key; with it, the live dial, else the base.
    fn lay(base: u32, live: &u32, keys: KeySet) -> u32 {
        if keys.contains("max") { *live } else { base }
    }

    #[test]
    fn live_keys_are_laid_over_a_declaration_before_or_after_it() {
        let max = KeySet::EMPTY.with("max");
        // Before the declaration: the declaration comes under the live key.
        DIALS.configure_keys("keys-first", 5, max, lay);
        DIALS.declare("keys-first", 4, "tests::declaration");
        assert_eq!((DIALS.get("keys-first").unwrap().config(), DIALS.source("keys-first")), (5, Some(Source::Live)));
        // No key live: the declaration is in force, then and later.
        DIALS.configure_keys("keys-none", 7, KeySet::EMPTY, lay);
        assert_eq!(DIALS.source("keys-none"), Some(Source::Default));
        DIALS.declare("keys-none", 4, "tests::declaration");
        assert_eq!((DIALS.get("keys-none").unwrap().config(), DIALS.source("keys-none")), (4, Some(Source::Declared)));
        DIALS.configure_keys("keys-none", 4, max.without("max"), lay);
        assert_eq!(DIALS.get("keys-none").unwrap().config(), 4);
    }

    #[test]
    fn the_listing_has_every_kind_and_a_lookup_creates_nothing() {
        assert!(DIALS.get("never-used").is_none());
        DIALS.reference("listed", "tests::names");
        let dials: Vec<&str> =
            listing::all().into_iter().filter(|r| r.kind() == "dial").flat_map(|r| r.names()).collect();
        assert!(dials.contains(&"listed"));
        assert!(!dials.contains(&"never-used"));
    }
}
