//! Keyed instances: one instance of a named policy per distinct key value under
//! the name (a breaker per downstream host, a limit per tenant), created on first use and
//! bounded by `max_keys`.
//!
//! - [`Family`]: the instances of one name for one key type, in a sharded map. Every
//!   instance runs with the name's settings: a live reconfiguration of the name reaches
//!   every key's instance.
//! - [`KeyedSite`]: one `key = ..` call site, kept in a `static` by the expansion; it finds
//!   its name's instance as a [`Site`] does, then the family, then the key's instance.
//! - [`KeyGuard`]: a call's hold on its key's instance, for the whole call. A key whose
//!   instance is held (a call in flight, or a [`KeyHandle`] kept by an operator) is never
//!   evicted.
//! - [`KeyHandle`]: an operator's view of one key's instance (`circuit_breaker(name).key(&k)`).
//!
//! # The lookup (a call on a key that exists)
//! The key is hashed once (foldhash, seeded per family). The hash picks one of 16 shards,
//! each a reader-writer lock (one atomic word: a reader's lock and unlock are one atomic
//! addition each; its loom model is `runtime/tests/keyed_loom.rs`) around a `hashbrown::HashTable` on its own cache line, beside the slot of
//! the key last found in the shard: the call takes that shard's read lock, compares its key
//! with the last found one (a hot key is found there, with no probe), else finds it in the
//! table by the same hash and notes the use, clones the instance's `Arc` (the call's hold)
//! and releases the lock. No lock or counter is shared by all keys; nothing is allocated. A `&str` key is looked up as a `str` in a family keyed by
//! `String`, and copied into a `String` only when it is new.
//!
//! # Eviction (least recently used, approximated)
//! Each family has a use clock that advances by one each time a key is added; a call that
//! finds its key in the table writes the clock's value into its key's instance when it
//! differs. A shard's last found key is noted as used when it stops being the last found
//! (another key found in the shard, or any change of the shard's table), and an eviction
//! counts it as used now, so a call that finds it there writes nothing.
//! Adding a key when `max_keys` instances exist first evicts, in one batch, the
//! `max(1, max_keys / 16)` instances with the oldest use among those that no call holds, so
//! the scan of the instances is paid once per batch: amortised O(16) per new key, not
//! O(`max_keys`). Uses between two additions are not ordered among themselves: that is
//! the approximation. Keys are added one at a time (a lock per family, on the path of a new
//! key only), so the count never exceeds `max_keys`, unless every instance is held by a call
//! in flight: then the new key is added anyway (refusing or failing the call would be
//! worse), and the count comes back under the bound as the calls end and new keys come.
//! Each eviction adds one to `resile_keys_evicted_total{policy, name}` (cargo feature
//! `metrics`), and the first eviction of a family is a WARN event (target `resile`).

use std::any::{Any, TypeId};
use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::ops::Deref;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use hashbrown::HashTable;

use super::registry::{AnyFamily, NamedPolicy, Registry};
use super::shard_lock::{ReadGuard, ShardLock, WriteGuard};
use super::site::Site;

/// The default `max_keys`: how many keys' instances a name keeps at most.
pub const DEFAULT_MAX_KEYS: usize = 10_000;

/// The shards of a family's map (a power of two).
const SHARDS: usize = 16;

/// A key expression's value as a keyed call site looks it up: any `Hash + Eq` value whose
/// owned form ([`ToOwned`]) is `Clone + Send + Sync + 'static`. A `str` is looked up as it is
/// and kept as a `String` (made only when the key is new); an integer or a `String` as
/// itself. Implemented for every such type; there is nothing to implement.
#[diagnostic::on_unimplemented(
    message = "a keyed instance needs its key `{Self}` to be `Hash + Eq`, with an owned form that is `Clone + Send + Sync + 'static`",
    label = "each distinct value of the key has an instance of its own, so the key is hashed, compared and kept",
    note = "key by a value that has them (an integer id, a `String`, a `&str`, a tuple of owned values such as `(String, u16)`), or derive `Hash, PartialEq, Eq, Clone` on it"
)]
pub trait InstanceKey: Hash + Eq + ToOwned<Owned = Self::Key> {
    /// The key as the family keeps it (`String` for `str`).
    type Key: Hash + Eq + Clone + Borrow<Self> + Send + Sync + 'static;
}

#[diagnostic::do_not_recommend]
impl<Q> InstanceKey for Q
where
    Q: ?Sized + Hash + Eq + ToOwned,
    Q::Owned: Hash + Eq + Clone + Send + Sync + 'static,
{
    type Key = Q::Owned;
}

/// How a key is shown in its instance's events (a breaker's state changes): its type's
/// `Debug::fmt`.
pub type KeyFmt<Q> = fn(&Q, &mut fmt::Formatter<'_>) -> fmt::Result;

/// A key as a keyed call site passes it: the key, and how its instance's events show it
/// (`None` when its type has no `Debug`: then they do not show it).
pub struct ShownKey<'a, Q: ?Sized> {
    /// The key expression's value.
    pub key: &'a Q,
    /// Its `Debug`, if its type has one.
    pub show: Option<KeyFmt<Q>>,
}

impl<Q: ?Sized> fmt::Debug for ShownKey<'_, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ShownKey");
        match self.show {
            Some(show) => d.field("key", &Shown(self.key, show)).finish(),
            None => d.finish_non_exhaustive(),
        }
    }
}

/// A key with its [`KeyFmt`], as `Debug`: handed to a new instance, which keeps the text if
/// its events show the key.
struct Shown<'a, Q: ?Sized>(&'a Q, KeyFmt<Q>);

impl<Q: ?Sized> fmt::Debug for Shown<'_, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(self.0, f)
    }
}

/// One key's instance and when it was last used (the family's use clock).
#[derive(Debug)]
pub struct KeyInstance<P: 'static> {
    policy: P,
    last_used: AtomicU64,
    /// The name's own instance, whose operator states a key's call may obey.
    name_instance: &'static P,
}

/// A call's hold on its key's instance: the instance cannot be evicted while a guard (or a
/// [`KeyHandle`]) of it exists. Derefs to the instance. One `Arc`: dropping it is one
/// atomic decrement.
pub struct KeyGuard<P: 'static>(Arc<KeyInstance<P>>);

impl<P> KeyGuard<P> {
    /// The name's own instance (the one that holds the settings), beside the key's.
    #[inline(always)]
    pub fn name_instance(&self) -> &'static P {
        self.0.name_instance
    }
}

impl<P> Deref for KeyGuard<P> {
    type Target = P;
    #[inline(always)]
    fn deref(&self) -> &P {
        &self.0.policy
    }
}

impl<P: fmt::Debug> fmt::Debug for KeyGuard<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KeyGuard").field(&self.0.policy).finish()
    }
}

/// An operator's view of one key's instance: `resile::circuit_breaker(name).key(&k)`.
/// Derefs to the instance, so it has the instance's own reads and operator calls
/// (a breaker's `state()`, `stats()`, `force_open()`, `reset()`, ...; a bulkhead's or a rate
/// limiter's `stats()`).
///
/// While it exists, the key is not evicted (as with a call in flight): keep it for a look,
/// not for the life of the process.
pub type KeyHandle<P> = KeyGuard<P>;

struct Slot<K, P: 'static> {
    key: K,
    hash: u64,
    instance: Arc<KeyInstance<P>>,
}

/// A shard of the map, on cache lines of its own: the table under its lock, and the slot
/// of the key last found in it (null: none), which a call compares its key with before it
/// probes the table. The lock word, the table's header and that pointer share a cache line,
/// which every call on the shard writes anyway (its read lock).
#[repr(align(128))]
struct Shard<K, P: 'static>(ShardLock<HashTable<Slot<K, P>>>, AtomicPtr<Slot<K, P>>);

impl<K, P: 'static> Shard<K, P> {
    fn new() -> Self {
        Shard(ShardLock::new(HashTable::new()), AtomicPtr::new(ptr::null_mut()))
    }

    /// The table for a change, the last found slot forgotten (its use noted as `now`, the
    /// family's use clock): a change may move or remove any slot, and the pointer is only
    /// ever read under the read lock, so a reader never sees it after a change (the
    /// invariant [`Shard::hot`] relies on).
    fn write(&self, now: u64) -> WriteGuard<'_, HashTable<Slot<K, P>>> {
        let table = self.0.write();
        // Orderings: `Relaxed`: the lock orders it. Readers' stores of the pointer were made
        // under their read locks, released before this writer got in; readers after it
        // acquire the lock this writer releases, so they see null or a later store.
        let hot = self.1.swap(ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: as in `hot`: stored under a read lock, and the table has not changed since
        // (this writer is the first change, and has changed nothing yet).
        if let Some(slot) = unsafe { hot.as_ref() } {
            slot.used(now);
        }
        table
    }

    /// The slot of the key last found in this shard, under the read lock `_table` of it.
    #[inline(always)]
    fn hot<'t>(&self, _table: &'t ReadGuard<'_, HashTable<Slot<K, P>>>) -> Option<&'t Slot<K, P>> {
        // Orderings: `Relaxed`: stored and cleared under the lock, which orders them.
        let hot = self.1.load(Ordering::Relaxed);
        // SAFETY: a non-null pointer was stored (by `remember`) under this shard's read lock,
        // pointing at a slot of its table; every change of the table clears it first, under
        // the write lock (`Shard::write`). The read lock `_table` is held for `'t`, so no
        // change has come between the store and this load, and none comes during `'t`: the
        // slot is in the table, unmoved, for `'t`.
        unsafe { hot.as_ref() }
    }

    /// Notes `slot`, found in this shard's table under the read lock `table`, as the last
    /// found, and as used at `now` (the family's use clock); so is the slot it replaces as
    /// the last found, whose calls since it became so noted nothing.
    #[inline(always)]
    fn remember(&self, table: &ReadGuard<'_, HashTable<Slot<K, P>>>, slot: &Slot<K, P>, now: u64) {
        slot.used(now);
        if let Some(previous) = self.hot(table) {
            previous.used(now);
        }
        // Orderings: `Relaxed`: stored under the read lock, which orders it with writers.
        self.1.store(ptr::from_ref(slot).cast_mut(), Ordering::Relaxed);
    }
}

impl<K, P: 'static> Slot<K, P> {
    /// Notes a use of the slot's instance at `now` (the family's use clock), writing only
    /// when it differs.
    #[inline(always)]
    fn used(&self, now: u64) {
        // Orderings: `Relaxed`: the use clock orders evictions approximately, and nothing
        // else is read through it.
        let last_used = &self.instance.last_used;
        if last_used.load(Ordering::Relaxed) != now {
            last_used.store(now, Ordering::Relaxed);
        }
    }
}

/// What a family's call site checks before using the family it cached: the name's instance
/// it belongs to (a `resile::testing` scope has its own) and its key type.
#[repr(C)]
struct Head<P: 'static> {
    base: &'static P,
    key_type: TypeId,
}

/// The instances of one name for one key type `K`, in a map sharded 16 ways: see the
/// [module docs](self) for the lookup, the eviction and their costs.
#[repr(C)]
pub struct Family<P: NamedPolicy, K> {
    /// First, so that a [`KeyedSite`] can check a family it cached without knowing `K`.
    head: Head<P>,
    name: &'static str,
    max_keys: usize,
    hasher: foldhash::fast::RandomState,
    /// In the family itself, a fixed number: no length to check on the call path.
    shards: [Shard<K, P>; SHARDS],
    /// The instances (exact: changed under `adding`).
    len: AtomicUsize,
    /// The use clock: advances by one per key added.
    clock: AtomicU64,
    /// Keys evicted so far.
    evicted: AtomicU64,
    /// Held to add a key, and to reconfigure every key's instance: one key at a time, so the
    /// bound holds and no instance is created with settings older than a reconfiguration.
    adding: Mutex<()>,
}

impl<P: NamedPolicy, K> fmt::Debug for Family<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("kind", &P::KIND)
            .field("name", &self.name)
            .field("keys", &self.len.load(Ordering::Relaxed))
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

impl<P: NamedPolicy, K: Hash + Eq + Clone + Send + Sync + 'static> Family<P, K> {
    /// An empty family of the instance `base`, named `name`, of at most `max_keys` keys.
    pub(crate) fn new(base: &'static P, name: &'static str, max_keys: usize) -> Self {
        Family {
            head: Head { base, key_type: TypeId::of::<K>() },
            name,
            max_keys: max_keys.max(1),
            hasher: foldhash::fast::RandomState::default(),
            shards: std::array::from_fn(|_| Shard::new()),
            len: AtomicUsize::new(0),
            clock: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            adding: Mutex::new(()),
        }
    }

    /// The instance of `key`, created with the name's settings if it is new.
    ///
    /// A key that exists: one hash, one shard's read lock, one probe, one `Arc` clone, no
    /// allocation. A new key: the family's lock for adding, perhaps an eviction batch, then
    /// one allocation for the owned key's copy (if it owns memory) and one for the instance.
    #[inline]
    pub fn instance<Q>(&self, key: &Q) -> KeyGuard<P>
    where
        Q: ?Sized + Hash + Eq + ToOwned<Owned = K>,
        K: Borrow<Q>,
    {
        self.instance_shown(key, None)
    }

    /// [`instance`](Self::instance), with how the new instance's events show the key. `show`
    /// is only called when the key is new, and only by a policy whose events show it (a
    /// breaker: one more allocation then, the key's text); a key that exists costs the same.
    #[inline]
    pub fn instance_shown<Q>(&self, key: &Q, show: Option<KeyFmt<Q>>) -> KeyGuard<P>
    where
        Q: ?Sized + Hash + Eq + ToOwned<Owned = K>,
        K: Borrow<Q>,
    {
        let hash = self.hasher.hash_one(key);
        let shard = &self.shards[shard_of(hash)];
        {
            let table = shard.0.read();
            // The key last found in the shard first: a hot key is one comparison, not a
            // probe, and its use is noted when it stops being the last found (`remember`,
            // `Shard::write`), or seen as now by an eviction.
            if let Some(slot) = shard.hot(&table)
                && slot.key.borrow() == key
            {
                return KeyGuard(Arc::clone(&slot.instance));
            }
            if let Some(slot) = table.find(hash, |s| s.key.borrow() == key) {
                // Orderings: `Relaxed`: the use clock orders evictions approximately, and
                // nothing else is read through it.
                shard.remember(&table, slot, self.clock.load(Ordering::Relaxed));
                return KeyGuard(Arc::clone(&slot.instance));
            }
        }
        self.add(key, hash, show)
    }

    /// The instance of `key` if it exists; looking a key up never creates it.
    pub fn get<Q>(&self, key: &Q) -> Option<KeyGuard<P>>
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        let hash = self.hasher.hash_one(key);
        let table = self.shards[shard_of(hash)].0.read();
        table.find(hash, |s| s.key.borrow() == key).map(|s| KeyGuard(Arc::clone(&s.instance)))
    }

    /// The keys that have an instance now.
    pub fn keys(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// The keys evicted so far.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// The most keys this family keeps (past it, it evicts).
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    #[cold]
    #[inline(never)]
    fn add<Q>(&self, key: &Q, hash: u64, show: Option<KeyFmt<Q>>) -> KeyGuard<P>
    where
        Q: ?Sized + Hash + Eq + ToOwned<Owned = K>,
        K: Borrow<Q>,
    {
        let _adding = self.adding.lock().unwrap_or_else(PoisonError::into_inner);
        let shard = &self.shards[shard_of(hash)];
        // Another call may have added it while this one waited for the lock.
        if let Some(slot) = shard.0.read().find(hash, |s| s.key.borrow() == key) {
            return KeyGuard(Arc::clone(&slot.instance));
        }
        if self.len.load(Ordering::Relaxed) >= self.max_keys {
            self.evict();
        }
        let now = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
        let shown = show.map(|show| Shown(key, show));
        let instance = Arc::new(KeyInstance {
            policy: self.head.base.create_for_key(
                self.name,
                self.head.base.config(),
                shown.as_ref().map(|k| k as &dyn fmt::Debug),
            ),
            last_used: AtomicU64::new(now),
            name_instance: self.head.base,
        });
        let slot = Slot { key: key.to_owned(), hash, instance: Arc::clone(&instance) };
        shard.write(now).insert_unique(hash, slot, |s| s.hash);
        self.len.fetch_add(1, Ordering::Relaxed);
        KeyGuard(instance)
    }

    /// Evicts the `max(1, max_keys / 16)` least recently used instances that no call holds
    /// (fewer if fewer are free). Called under `adding`.
    fn evict(&self) {
        let batch = (self.max_keys / 16).max(1);
        let len = self.len.load(Ordering::Relaxed);
        let want = (len + batch).saturating_sub(self.max_keys).min(len);
        // (use, shard, hash, instance address) of every instance no call holds.
        let mut free: Vec<(u64, usize, u64, usize)> = Vec::with_capacity(len);
        let now = self.clock.load(Ordering::Relaxed);
        for (index, shard) in self.shards.iter().enumerate() {
            let table = shard.0.read();
            // A shard's last found key is in use now: its calls note nothing until it stops
            // being the last found.
            let hot = shard.1.load(Ordering::Relaxed).cast_const();
            free.extend(table.iter().filter(|s| Arc::strong_count(&s.instance) == 1).map(|s| {
                let used = if ptr::eq(s, hot) { now } else { s.instance.last_used.load(Ordering::Relaxed) };
                (used, index, s.hash, Arc::as_ptr(&s.instance) as usize)
            }));
        }
        if free.len() > want {
            free.select_nth_unstable_by_key(want, |c| c.0);
            free.truncate(want);
        }
        free.sort_unstable_by_key(|c| c.1);
        let mut evicted = 0u64;
        for group in free.chunk_by(|a, b| a.1 == b.1) {
            let mut table = self.shards[group[0].1].write(now);
            for &(_, _, hash, address) in group {
                // Under the write lock no call can take a hold: a count of one is final.
                if let Ok(entry) = table.find_entry(hash, |s| {
                    Arc::as_ptr(&s.instance) as usize == address && Arc::strong_count(&s.instance) == 1
                }) {
                    drop(entry.remove());
                    evicted += 1;
                }
            }
        }
        if evicted == 0 {
            return;
        }
        self.len.fetch_sub(evicted as usize, Ordering::Relaxed);
        let before = self.evicted.fetch_add(evicted, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        for _ in 0..evicted {
            crate::telemetry::metrics::key_evicted(P::KIND, self.name);
        }
        if before == 0 {
            first_eviction(P::KIND, self.name, self.max_keys);
        }
    }

    fn each(&self, mut f: impl FnMut(&P)) {
        for shard in self.shards.iter() {
            let table = shard.0.read();
            for slot in table.iter() {
                f(&slot.instance.policy);
            }
        }
    }
}

#[cold]
#[inline(never)]
fn first_eviction(kind: &'static str, name: &'static str, max_keys: usize) {
    tracing::warn!(
        target: "resile",
        policy = kind,
        name,
        max_keys,
        "`{name}` has more keys than `max_keys` ({max_keys}): the least recently used keys with no call in flight are evicted, and their state is lost; raise `max_keys` if the keys in use are that many",
    );
}

#[inline(always)]
fn shard_of(hash: u64) -> usize {
    // Bits 32..36: `hashbrown` takes the bucket from the low bits and the tag from the top 7,
    // so the shard takes neither (with the top bits, every key of a shard would share most
    // of its tag, and a probe would compare keys more often).
    (hash >> 32) as usize & (SHARDS - 1)
}

impl<P: NamedPolicy, K: Hash + Eq + Clone + Send + Sync + 'static> AnyFamily<P> for Family<P, K> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn key_type(&self) -> TypeId {
        TypeId::of::<K>()
    }
    fn keys(&self) -> usize {
        Family::keys(self)
    }
    fn evicted(&self) -> u64 {
        Family::evicted(self)
    }
    fn reconfigure(&self, config: P::Config) {
        let _adding = self.adding.lock().unwrap_or_else(PoisonError::into_inner);
        self.each(|p| {
            if p.config() != config {
                p.reconfigure(config);
            }
        });
    }
    fn reset(&self) {
        self.each(P::reset);
    }
}

/// One `key = ..` call site of a named policy: the name's [`Site`] (its declaration, or a
/// reference), `max_keys`, and the family it found at its first call. The expansion keeps
/// one in a `static`.
pub struct KeyedSite<P: NamedPolicy> {
    site: Site<P>,
    max_keys: usize,
    /// The family of the last call (null before): a `Head` first.
    family: AtomicPtr<Head<P>>,
}

impl<P: NamedPolicy> fmt::Debug for KeyedSite<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedSite").field("site", &self.site).field("max_keys", &self.max_keys).finish_non_exhaustive()
    }
}

impl<P: NamedPolicy> KeyedSite<P> {
    /// The keyed call site of `site`'s name, keeping at most `max_keys` keys (the first
    /// site of a name to run sets the family's bound).
    pub const fn new(site: Site<P>, max_keys: usize) -> Self {
        KeyedSite { site, max_keys, family: AtomicPtr::new(ptr::null_mut()) }
    }

    /// The name's call site (the name, the function, the declaration).
    #[inline]
    pub fn site(&self) -> &Site<P> {
        &self.site
    }

    /// The name's own instance, whose settings every key's instance has.
    #[inline]
    pub fn base(&self) -> &'static P {
        self.site.get()
    }

    /// The instance of `key` for one call, held until the guard is dropped.
    ///
    /// After the first call: the family (one `Acquire` load and a comparison of its key
    /// type; with the `testing` feature, the name's instance too, as a [`Site`] finds it),
    /// then the lookup of [`Family::instance`].
    #[inline(always)]
    pub fn instance<Q>(&'static self, key: &Q) -> KeyGuard<P>
    where
        Q: ?Sized + InstanceKey,
    {
        self.family::<Q::Key>().instance(key)
    }

    /// [`instance`](Self::instance), with the key's `Debug` when its type has one: a new
    /// instance keeps its text for its events (a breaker's state changes name the key).
    #[inline(always)]
    pub fn instance_shown<Q>(&'static self, key: ShownKey<'_, Q>) -> KeyGuard<P>
    where
        Q: ?Sized + InstanceKey,
    {
        self.family::<Q::Key>().instance_shown(key.key, key.show)
    }

    /// This site's family for keys `K`.
    #[inline(always)]
    pub fn family<K: Hash + Eq + Clone + Send + Sync + 'static>(&'static self) -> &'static Family<P, K> {
        // Without `resile::testing`, the name's instance of a site never changes once
        // resolved, and a family is only cached after it: the family's key type is all there
        // is to check. With it, a scope has instances (and families) of its own.
        let base = self.scoped_base();
        // Orderings: `Acquire` pairs with the `Release` store in `find`, so a call that sees
        // the pointer sees the family it points to.
        let head = self.family.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a `&'static Family<P, _>` stored by `find`, whose
        // `Head` is its first field (`repr(C)`).
        if let Some(h) = unsafe { head.as_ref() }
            && base.is_none_or(|base| ptr::eq(h.base, base))
            && h.key_type == TypeId::of::<K>()
        {
            // SAFETY: its key type is `K`, checked above.
            return unsafe { &*head.cast::<Family<P, K>>() };
        }
        self.find(base.unwrap_or_else(|| self.site.get()))
    }

    /// The name's instance where a `resile::testing` scope may have one of its own (with
    /// the feature); `None` without it.
    #[cfg(feature = "testing")]
    #[inline(always)]
    fn scoped_base(&self) -> Option<&'static P> {
        Some(self.site.get())
    }

    #[cfg(not(feature = "testing"))]
    #[inline(always)]
    fn scoped_base(&self) -> Option<&'static P> {
        None
    }

    #[cold]
    #[inline(never)]
    fn find<K: Hash + Eq + Clone + Send + Sync + 'static>(&'static self, base: &'static P) -> &'static Family<P, K> {
        let registry = super::isolation::current::<P>();
        let family = registry.family::<K>(self.site.name(), base, self.max_keys);
        self.family.store(ptr::from_ref(&family.head).cast_mut(), Ordering::Release);
        family
    }
}

impl<P: NamedPolicy> Registry<P> {
    /// The family of `name` for keys `K`, created (of at most `max_keys` keys) if needed.
    pub(crate) fn family<K: Hash + Eq + Clone + Send + Sync + 'static>(
        &'static self,
        name: &str,
        base: &'static P,
        max_keys: usize,
    ) -> &'static Family<P, K> {
        let family = self.family_of(name, TypeId::of::<K>(), &mut || {
            let name = self.interned(name);
            Box::leak(Box::new(Family::<P, K>::new(base, name, max_keys)))
        });
        let family: &'static Family<P, K> = family.as_any().downcast_ref().expect("found by its key type");
        if family.max_keys() != max_keys.max(1) {
            max_keys_conflict::<P>(name, family.max_keys(), max_keys);
        }
        family
    }
}

/// Reports two keyed call sites of one name that ask for different `max_keys`: the first
/// to run set it, as for any other setting declared twice.
#[cold]
#[inline(never)]
fn max_keys_conflict<P: NamedPolicy>(name: &str, first: usize, second: usize) {
    let message = format!(
        "`{}` `{name}` is keyed with different `max_keys`: {first} by the first call site to run, {second} by \
         another; write the same `max_keys` on every keyed use of the name (the first one's is in force)",
        P::KIND,
    );
    tracing::error!(target: "resile", policy = P::KIND, name, first, second, "{message}");
    if cfg!(debug_assertions) {
        panic!("{message}");
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};

    fn family<K: Hash + Eq + Clone + Send + Sync + 'static>(max_keys: usize) -> Family<CircuitBreaker, K> {
        let base: &'static CircuitBreaker =
            Box::leak(Box::new(CircuitBreaker::new("unit", CircuitBreakerConfig::new())));
        Family::new(base, "unit", max_keys)
    }

    #[test]
    fn a_key_has_one_instance() {
        let f = family::<u64>(10);
        let a = f.instance(&5);
        let b = f.instance(&5);
        assert!(ptr::eq(&*a, &*b));
        assert!(!ptr::eq(&*a, &*f.instance(&6)));
        assert_eq!(f.keys(), 2);
    }

    #[test]
    fn a_str_key_is_kept_as_a_string_and_found_as_a_str() {
        let f = family::<String>(10);
        let a = f.instance("db.internal");
        assert!(ptr::eq(&*a, &*f.get("db.internal").unwrap()));
        assert!(ptr::eq(&*a, &*f.get(&String::from("db.internal")).unwrap()));
        assert!(f.get("other").is_none());
        assert_eq!(f.keys(), 1, "looking up creates nothing");
    }

    #[test]
    fn the_bound_holds_and_a_held_key_is_spared() {
        let f = family::<u64>(10);
        let held = f.instance(&0);
        for key in 1..=1_000u64 {
            drop(f.instance(&key));
            assert!(f.keys() <= 10, "{} keys after {key}", f.keys());
            assert_eq!(f.evicted() + f.keys() as u64, key + 1);
        }
        assert!(ptr::eq(&*held, &*f.get(&0).expect("a held key is not evicted")));
    }

    #[test]
    fn the_least_recently_used_key_goes_first() {
        // `max_keys` 16: batches of one.
        let f = family::<u64>(16);
        for key in 0..16u64 {
            drop(f.instance(&key));
        }
        drop(f.instance(&0)); // key 0 is now the most recently used
        drop(f.instance(&16)); // evicts one: key 1, the oldest
        assert_eq!((f.keys(), f.evicted()), (16, 1));
        assert!(f.get(&1).is_none());
        assert!(f.get(&0).is_some());
    }

    #[test]
    fn a_key_found_as_its_shards_last_found_counts_as_used() {
        // `max_keys` 16: batches of one. Key 0 is used before each new key, most often as
        // its shard's last found key (which notes nothing at the call): it is never the
        // least recently used, so it stays while 200 other keys come and go.
        let f = family::<u64>(16);
        for key in 0..16u64 {
            drop(f.instance(&key));
        }
        drop(f.instance(&0));
        for key in 16..216u64 {
            drop(f.instance(&0));
            drop(f.instance(&key));
            // (`get` creates nothing, and its hold is dropped at once.)
            assert!(f.get(&0).is_some(), "key 0 evicted when {key} came");
        }
        assert_eq!((f.keys(), f.evicted()), (16, 200));
    }

    #[test]
    fn every_held_key_lets_the_bound_give_way_until_released() {
        let f = family::<u64>(2);
        let held: Vec<_> = (0..3u64).map(|k| f.instance(&k)).collect();
        assert_eq!((f.keys(), f.evicted()), (3, 0));
        drop(held);
        drop(f.instance(&3));
        assert!(f.keys() <= 2);
        assert_eq!(f.evicted() + f.keys() as u64, 4);
    }

    #[test]
    fn the_last_found_key_of_a_shard_is_forgotten_when_the_table_changes() {
        let f = family::<u64>(100_000);
        let first = f.instance(&0);
        assert!(ptr::eq(&*first, &*f.instance(&0)));
        let shard = &f.shards[shard_of(f.hasher.hash_one(0u64))];
        assert!(!shard.1.load(Ordering::Relaxed).is_null(), "found twice, remembered");
        // Many keys: the shard's table grows (its slots move) and the pointer is cleared.
        for key in 1..5_000u64 {
            drop(f.instance(&key));
            let again = f.instance(&0);
            assert!(ptr::eq(&*first, &*again));
            assert!(ptr::eq(&*f.instance(&key), &*f.get(&key).unwrap()));
        }
        drop(f.instance(&5_000));
        assert!(ptr::eq(&*first, &*f.instance(&0)));
        // Evicted keys are not found through a stale pointer.
        let small = family::<u64>(16);
        for round in 0..50u64 {
            for key in round * 16..round * 16 + 32 {
                let a = small.instance(&key);
                assert!(ptr::eq(&*a, &*small.instance(&key)));
                assert!(ptr::eq(&*a, &*small.get(&key).unwrap()));
            }
        }
    }

    #[test]
    fn threads_adding_evicting_and_finding_keys_keep_the_bound() {
        let f: &'static Family<CircuitBreaker, u64> = Box::leak(Box::new(family(16)));
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut x = t + 1;
                    for _ in 0..20_000 {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let key = (x >> 33) % 64;
                        let a = f.instance(&key);
                        // Held, it is the key's instance for whoever looks.
                        assert!(ptr::eq(&*a, &*f.get(&key).unwrap()));
                        // Four threads hold one key each at most, past the 16.
                        assert!(f.keys() <= 16 + 4);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(f.keys() <= 16);
        let added = f.evicted() + f.keys() as u64;
        assert!(added >= 64, "every key was added at least once: {added}");
    }

    #[test]
    fn a_reconfiguration_reaches_every_key_and_a_reset_every_state() {
        let f = family::<u64>(10);
        let a = f.instance(&1);
        let tight = CircuitBreakerConfig::new().window_size(2).minimum_calls(2);
        AnyFamily::reconfigure(&f, tight);
        assert_eq!(a.config(), tight);
        a.force_open();
        AnyFamily::reset(&f);
        assert_eq!(a.state(), crate::State::Closed);
    }
}
