//! The tokio-free call of single flight: the call site the `#[single_flight]` expansion
//! keeps in a `static` ([`SingleFlightSite`]), the key adaptor the expansion calls
//! ([`KeyOf`]), and [`SingleFlight`], the plain value with `call(&key, || fut)`.

use std::any::TypeId;
use std::borrow::Borrow;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::handle::{AnyGroup, register};
use super::state::{Flight, Group, Lookup, SingleFlightStats};
use crate::checks::single_flight::{FlightKey, SharedResult};

/// One `#[single_flight]` function: its path, and its group (the executions in flight by
/// key), created at its first call. A generic function has one group per instantiation.
pub struct SingleFlightSite {
    function: &'static str,
    first: OnceLock<&'static dyn AnyGroup>,
    /// The groups of a generic function's other instantiations.
    more: Mutex<Vec<&'static dyn AnyGroup>>,
}

impl std::fmt::Debug for SingleFlightSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleFlightSite").field("function", &self.function).finish_non_exhaustive()
    }
}

impl SingleFlightSite {
    /// The call site of `function` (its module path and name).
    pub const fn new(function: &'static str) -> Self {
        SingleFlightSite { function, first: OnceLock::new(), more: Mutex::new(Vec::new()) }
    }

    /// The execution in flight for `key` to join, or the place to start one (holding the
    /// group's lock until it is started). `R` is the function's return type.
    #[inline]
    pub fn lookup<R, Q>(&'static self, key: &Q) -> Lookup<'static, Q::Key, R>
    where
        Q: ?Sized + FlightKey,
        R: SharedResult,
    {
        self.group::<Q::Key, R>().lookup(key)
    }

    /// [`lookup`](Self::lookup) for a function that returns `Result<T, E>`: checks `T` and
    /// `E` each (so that the error names the one that is not `Clone`, where it is written)
    /// rather than the `Result`.
    #[inline]
    pub fn lookup_result<T, E, Q>(&'static self, key: &Q) -> Lookup<'static, Q::Key, Result<T, E>>
    where
        Q: ?Sized + FlightKey,
        T: SharedResult,
        E: SharedResult,
    {
        self.group::<Q::Key, Result<T, E>>().lookup(key)
    }

    /// This site's group for keys `K` and results `R`: one atomic load and a type check
    /// after the first call (a generic function's other instantiations take a lock).
    fn group<K, R>(&'static self) -> &'static Arc<Group<K, R>>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
    {
        let first = *self.first.get_or_init(|| self.create::<K, R>());
        if let Some(group) = first.as_any().downcast_ref::<Arc<Group<K, R>>>() {
            return group;
        }
        self.other::<K, R>()
    }

    #[cold]
    fn other<K, R>(&'static self) -> &'static Arc<Group<K, R>>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
    {
        let mut more = self.more.lock().unwrap_or_else(PoisonError::into_inner);
        let want = TypeId::of::<Arc<Group<K, R>>>();
        let found = more.iter().find(|g| g.as_any().type_id() == want).copied();
        let group = found.unwrap_or_else(|| {
            let group = self.create::<K, R>();
            more.push(group);
            group
        });
        group.as_any().downcast_ref().expect("found by its type")
    }

    /// A new group, for the life of the process (as the `static` that holds it), and
    /// registered under the function's path for `forget` and `stats`.
    fn create<K, R>(&'static self) -> &'static dyn AnyGroup
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
    {
        let group: &'static Arc<Group<K, R>> = Box::leak(Box::new(Arc::new(Group::new())));
        register(self.function, group);
        group
    }
}

/// The key expression's value as the expansion passes it: `&str` (and `&&str`) as `str`,
/// so that it becomes a `String` only when it is new; every other value as itself. By
/// autoref specialisation: `(&&KeyOf(&key)).__resile_flight_key()`.
#[derive(Debug)]
pub struct KeyOf<'a, Q: ?Sized>(pub &'a Q);

/// [`KeyOf`] of a `&str`.
pub trait StrKey<'a> {
    /// The key, as a `str`.
    fn __resile_flight_key(&self) -> &'a str;
}

impl<'a, 'b: 'a> StrKey<'a> for &KeyOf<'a, &'b str> {
    #[inline(always)]
    fn __resile_flight_key(&self) -> &'a str {
        self.0
    }
}

/// [`KeyOf`] of anything else.
pub trait AnyKey<'a, Q: ?Sized> {
    /// The key, as it is.
    fn __resile_flight_key(&self) -> &'a Q;
}

impl<'a, Q: ?Sized> AnyKey<'a, Q> for KeyOf<'a, Q> {
    #[inline(always)]
    fn __resile_flight_key(&self) -> &'a Q {
        self.0
    }
}

/// Single flight as a plain value: concurrent calls with equal keys share one execution
/// of the first caller's future, and each gets a clone of its result.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// # use resile_runtime as resile;
/// use resile::single_flight::SingleFlight;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// static LOADS: AtomicU32 = AtomicU32::new(0);
/// let prices: SingleFlight<String, u32, String> = SingleFlight::new();
/// let load = || async {
///     LOADS.fetch_add(1, Ordering::Relaxed);
///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
///     Ok(42)
/// };
/// let (a, b) = tokio::join!(prices.call("AAPL", load), prices.call("AAPL", load));
/// assert_eq!((a, b), (Ok(42), Ok(42)));
/// assert_eq!(LOADS.load(Ordering::Relaxed), 1);
/// # }
/// ```
pub struct SingleFlight<K: Hash + Eq, T, E> {
    group: Arc<Group<K, Result<T, E>>>,
}

impl<K, T, E> std::fmt::Debug for SingleFlight<K, T, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleFlight").field("stats", &self.stats()).finish()
    }
}

impl<K: Hash + Eq, T, E> Clone for SingleFlight<K, T, E> {
    /// Another handle on the same executions.
    fn clone(&self) -> Self {
        SingleFlight { group: Arc::clone(&self.group) }
    }
}

impl<K, T, E> Default for SingleFlight<K, T, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, T, E> SingleFlight<K, T, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// A group with nothing in flight.
    pub fn new() -> Self {
        SingleFlight { group: Arc::new(Group::new()) }
    }

    /// Joins the execution in flight for `key`, or starts `op()` as one. `key` is borrowed
    /// (`&str` for `String` keys) and made owned only when it is new; `op` is called only
    /// then, under the group's lock, so it should only build the future (an `async` block)
    /// and must not call this group.
    ///
    /// The future `op` makes is `'static`: it may outlive this caller, for the other callers
    /// (see the module's *How it works*).
    pub fn call<Q, F, Fut>(&self, key: &Q, op: F) -> Flight<K, Result<T, E>>
    where
        Q: ?Sized + Hash + Eq + ToOwned<Owned = K>,
        K: Borrow<Q>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        match self.group.lookup(key) {
            Lookup::Joined(flight) => flight,
            Lookup::Vacant(vacancy) => vacancy.start(op()),
        }
    }

    /// Makes the next call with `key` start a fresh execution; the callers of the one in
    /// flight keep it. Whether one was in flight.
    pub fn forget<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        self.group.forget(key)
    }

    /// Keys in flight, executions started, calls that joined one.
    pub fn stats(&self) -> SingleFlightStats {
        self.group.stats()
    }
}
