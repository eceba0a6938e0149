//! The core of single flight: one [`Group`] per guarded function (per type instantiation
//! of a generic one), a map from key to the execution in flight, behind a lock. No tokio,
//! no clock: the execution is a [`futures::future::Shared`], polled by whichever of its
//! callers is polled.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{FutureExt, Shared, WeakShared};

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::sync::{AtomicU64, Ordering};

/// Locks the map, recovering it if a panicking thread poisoned the lock: no critical section
/// here runs user code, and each leaves the map consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a single-flight group reports: [`SingleFlight::stats`](super::SingleFlight::stats)
/// and [`stats`](super::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SingleFlightStats {
    /// Keys with an execution in flight now.
    pub in_flight: usize,
    /// Executions started (calls that found no execution of their key in flight).
    pub started: u64,
    /// Calls that joined an execution in flight instead of starting one.
    pub joined: u64,
}

/// The body's future, boxed once per execution: the map holds executions of one type
/// whatever the body, and the execution outlives the caller that started it.
type Body<R> = Pin<Box<dyn Future<Output = R> + Send + 'static>>;

/// The executions in flight of one function, by key.
pub(crate) struct Group<K, R> {
    flights: Mutex<Flights<K, R>>,
    started: AtomicU64,
    joined: AtomicU64,
}

struct Flights<K, R> {
    by_key: HashMap<K, Entry<K, R>>,
    /// The id of the next execution: an entry is removed only by its own execution.
    next_id: u64,
}

/// A key's execution in flight, held weakly: the callers hold it, the map only finds it,
/// so the last caller that leaves drops it.
struct Entry<K, R> {
    id: u64,
    execution: WeakShared<Execution<K, R>>,
}

impl<K, R> Group<K, R>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    pub(crate) fn new() -> Self {
        Group {
            flights: Mutex::new(Flights { by_key: HashMap::new(), next_id: 0 }),
            started: AtomicU64::new(0),
            joined: AtomicU64::new(0),
        }
    }

    /// The execution in flight for `key` to join, or the place to start one, which holds
    /// the lock until it is started (a few instructions: building the body's future runs
    /// none of the body). The key is made owned (`&str` to `String`) only in the second case.
    pub(crate) fn lookup<'g, Q>(self: &'g Arc<Self>, key: &Q) -> Lookup<'g, K, R>
    where
        Q: ?Sized + Hash + Eq + ToOwned<Owned = K>,
        K: Borrow<Q>,
    {
        let flights = lock(&self.flights);
        if let Some(execution) = flights.by_key.get(key).and_then(|e| e.execution.upgrade()) {
            // Orderings: a counter read only by `stats`, which orders nothing by it.
            self.joined.fetch_add(1, Ordering::Relaxed);
            return Lookup::Joined(Flight::new(execution));
        }
        // No entry, or one whose callers have all left and whose execution is being dropped
        // (its `Drop` will find the new id and leave the new entry alone).
        Lookup::Vacant(Vacancy { flights, group: self, key: key.to_owned(), open: Vacancy::open })
    }

    /// Makes the next call with `key` start a fresh execution; callers of the one in flight
    /// keep it and get its result. Whether there was one.
    pub(crate) fn forget<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        // The removed entry is a weak reference: dropping it under the lock drops no body.
        lock(&self.flights).by_key.remove(key).is_some()
    }

    pub(crate) fn stats(&self) -> SingleFlightStats {
        SingleFlightStats {
            in_flight: lock(&self.flights).by_key.len(),
            started: self.started.load(Ordering::Relaxed),
            joined: self.joined.load(Ordering::Relaxed),
        }
    }
}

impl<K: Hash + Eq, R> Group<K, R> {
    /// Removes `key`'s entry if it is still execution `id`'s.
    fn finished(&self, key: &K, id: u64) {
        let mut flights = lock(&self.flights);
        if flights.by_key.get(key).is_some_and(|e| e.id == id) {
            flights.by_key.remove(key);
        }
    }
}

/// What a lookup of a key found.
///
/// Its types have no bounds, nor have [`Vacancy::start`] and [`Flight`]'s `Future`: the
/// lookup checks the key and the result once, so that a key that is not `Hash + Eq` or a
/// result that is not `Clone` is one error, where the expansion names it.
pub enum Lookup<'g, K, R> {
    /// An execution of the key is in flight: await it.
    Joined(Flight<K, R>),
    /// None: start one with [`Vacancy::start`].
    Vacant(Vacancy<'g, K, R>),
}

impl<K, R> std::fmt::Debug for Lookup<'_, K, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lookup::Joined(_) => "Joined",
            Lookup::Vacant(_) => "Vacant",
        })
    }
}

/// The place of a new execution, holding the group's lock until [`start`](Vacancy::start).
pub struct Vacancy<'g, K, R> {
    flights: MutexGuard<'g, Flights<K, R>>,
    group: &'g Arc<Group<K, R>>,
    key: K,
    /// [`Vacancy::open`] of these types, taken where the lookup had their bounds.
    open: fn(Self, Body<R>) -> Flight<K, R>,
}

impl<K, R> std::fmt::Debug for Vacancy<'_, K, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vacancy")
    }
}

impl<K, R> Vacancy<'_, K, R> {
    /// Starts `body` as the key's execution and returns the caller's share of it. The body
    /// is not polled here: the first poll of a caller's [`Flight`] polls it.
    #[inline]
    pub fn start(self, body: impl Future<Output = R> + Send + 'static) -> Flight<K, R> {
        (self.open)(self, Box::pin(body))
    }
}

impl<K, R> Vacancy<'_, K, R>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    fn open(mut self, body: Body<R>) -> Flight<K, R> {
        let id = self.flights.next_id;
        self.flights.next_id += 1;
        let group: Arc<dyn Finish<K>> = self.group.clone();
        let execution = Execution { body, group, key: Some(self.key.clone()), id }.shared();
        let weak = execution.downgrade().expect("a new execution is not complete");
        self.flights.by_key.insert(self.key, Entry { id, execution: weak });
        drop(self.flights);
        self.group.started.fetch_add(1, Ordering::Relaxed);
        Flight::new(execution)
    }
}

/// The group of an execution's key, for the execution to remove its entry when it ends.
trait Finish<K>: Send + Sync {
    fn finished(&self, key: &K, id: u64);
}

impl<K, R> Finish<K> for Group<K, R>
where
    K: Hash + Eq + Send + Sync,
    R: Send + Sync,
{
    #[inline]
    fn finished(&self, key: &K, id: u64) {
        Group::finished(self, key, id);
    }
}

/// One execution: the body, and on drop (when it completes, or when its last caller leaves)
/// the removal of its entry.
pub(crate) struct Execution<K, R> {
    body: Body<R>,
    /// Its group, behind a trait: `Drop` can have no bounds of its own (nor then `Flight`).
    group: Arc<dyn Finish<K>>,
    key: Option<K>,
    id: u64,
}

// Nothing is pinned in place but the boxed body.
impl<K, R> Unpin for Execution<K, R> {}

impl<K, R> Future for Execution<K, R> {
    type Output = R;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        self.body.as_mut().poll(cx)
    }
}

impl<K, R> Drop for Execution<K, R> {
    fn drop(&mut self) {
        // `Shared` drops the execution in place as soon as it completes (keeping only the
        // output) and otherwise with its last strong reference: either way the key is free
        // for the next caller, unless `forget` freed it already and a newer execution holds it.
        if let Some(key) = self.key.take() {
            self.group.finished(&key, self.id);
        }
    }
}

/// A caller's share of an execution: awaiting it gives a clone of the execution's result
/// (the last caller to take it gets the result itself). Dropping it leaves the execution
/// to the other callers, and drops it if it was the last.
#[must_use = "a flight does nothing unless awaited"]
pub struct Flight<K, R> {
    execution: Shared<Execution<K, R>>,
    /// [`poll_shared`] of these types, taken where the result was known to be `Clone`.
    poll: PollShared<K, R>,
}

/// How a [`Flight`] polls its execution.
type PollShared<K, R> = fn(Pin<&mut Shared<Execution<K, R>>>, &mut Context<'_>) -> Poll<R>;

impl<K, R: Clone> Flight<K, R> {
    #[inline]
    fn new(execution: Shared<Execution<K, R>>) -> Self {
        Flight { execution, poll: poll_shared }
    }
}

fn poll_shared<K, R: Clone>(execution: Pin<&mut Shared<Execution<K, R>>>, cx: &mut Context<'_>) -> Poll<R> {
    execution.poll(cx)
}

impl<K, R> std::fmt::Debug for Flight<K, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flight").field("callers", &self.execution.strong_count()).finish()
    }
}

impl<K, R> Future for Flight<K, R> {
    type Output = R;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let poll = self.poll;
        poll(Pin::new(&mut self.execution), cx)
    }
}
