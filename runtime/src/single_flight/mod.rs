//! Single flight: concurrent calls with equal keys share one execution, and every caller
//! gets its result. A cache stampede guard: when a hot key expires, one load goes to the
//! database and the other requests wait for it.
//!
//! # When to use
//! Around a read that many callers make at once with the same arguments: a cache fill, a
//! token refresh, an expensive aggregation. Not around writes or anything with a side
//! effect each caller expects (a notification, an increment): the callers that join get
//! the result of a body that ran once, with the first caller's arguments. Make the key
//! cover every argument the result depends on.
//!
//! # Quick start
//! ```
//! # use resile_runtime as resile;
//! use resile::single_flight::SingleFlight;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let prices: SingleFlight<String, u64, String> = SingleFlight::new();
//! let load = |symbol: &str| {
//!     let symbol = symbol.to_owned();
//!     async move {
//!         tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the database
//!         Ok(symbol.len() as u64)
//!     }
//! };
//! let (a, b, c) = tokio::join!(
//!     prices.call("AAPL", || load("AAPL")),
//!     prices.call("AAPL", || load("AAPL")),
//!     prices.call("MSFT", || load("MSFT")),
//! );
//! assert_eq!((a, b, c), (Ok(4), Ok(4), Ok(4)));
//! assert_eq!(prices.stats().started, 2); // one load per symbol
//! assert_eq!(prices.stats().joined, 1);
//! # }
//! ```
//! With the attribute, `#[resile::single_flight(key = symbol)]` on the loading function.
//!
//! # How it works
//! Each guarded function has a group: a map from key to the execution in flight, behind a
//! lock. A call looks its key up: if an execution is in flight, the call joins it;
//! otherwise it starts one with its own body and puts it in the map. The execution is a
//! [`futures::future::Shared`] future, polled by whichever of its callers is polled, not a
//! spawned task:
//!
//! - it outlives the caller that started it: when that caller goes away (a cancelled
//!   request), the others keep polling it, so a cancelled request does not kill the load
//!   the others wait on;
//! - it does not outlive its callers: the map holds it weakly, so when the last caller
//!   leaves, the execution is dropped (and with it the body's connections and guards), and
//!   the next call starts afresh;
//! - it needs no runtime handle and no `Send` task, and it stays in the callers' tasks, so
//!   `resile::deadline()`, tracing spans and the paused test clock behave as in a plain
//!   call. (`tokio::spawn` would detach it from its callers: it would run to the end with
//!   nobody waiting.)
//!
//! The entry goes away when the execution completes (the callers already waiting get the
//! result; the next call starts a new execution: nothing is cached), when its last caller
//! leaves, and on [`forget`] (the callers of the forgotten execution still get its
//! result; the next call starts a new one).
//!
//! `futures::future::Shared` does exactly this, is widely used, and its wakeup of every
//! waiter is what a caller-driven execution needs; writing our own would save at most the
//! one allocation of its shared state per new key, on a path that already allocates (see
//! *Performance*), so this module uses it.
//!
//! ## Why the body must own its data
//! The execution outlives the caller that started it, and only that caller's body runs: a
//! body that borrowed that caller's arguments (`&self`, a `&str`) would be left with
//! dangling borrows when that caller goes away while the others still wait. So the body's
//! future is `'static`: the attribute moves the arguments into it, and a function whose
//! arguments are references (`&self`, `&T`, other than `&'static T`) is a compile error that
//! says so: take `self: Arc<Self>` and owned arguments (an `Arc`, a `String`, an id), cloned
//! by the caller where it has a reference. This is the price of not cancelling the shared
//! work with its first caller; the alternatives are worse:
//!
//! - Go's `golang.org/x/sync/singleflight` runs the function on the first caller's
//!   goroutine, which cannot be cancelled, so the work always runs to the end, even with no
//!   one left waiting; and if the function takes the first caller's `context`, that caller's
//!   cancellation fails the call for every waiter, which is why the price service detached
//!   its load context (`context.WithoutCancel`-style) by hand.
//! - The `async_singleflight` crate lets the body borrow, because the first caller (the
//!   leader) polls it inside its own call; when the leader is dropped the work is dropped
//!   with it, and the waiters see an error (`LeaderDropped`) or start the work again
//!   themselves: the cancelled request cancels the load the others waited on.
//!
//! # Configuration
//! None beyond the key, an expression of each call's arguments (so this module has no
//! `config.rs`, and no named instance: see `handle.rs`'s [`forget`] and [`stats`], which
//! find a function by its path). The key is owned in the map (`Hash + Eq + Clone + Send +
//! Sync + 'static`); a key expression that is a `&str` is looked up as it is and turned into
//! a `String` only when the key is new, as for keyed instances.
//!
//! # Errors
//! None of its own: an `Err` of the execution is every caller's `Err`, cloned. The result's
//! types must be `Clone + Send + Sync` (a compile error under the attribute that names the
//! type; share a non-`Clone` error as `Arc<E>`). A body that panics panics in the caller that
//! polled it, and the callers that joined it panic too (`Shared`'s poisoning): no caller
//! gets a result that was never produced.
//!
//! # Cancellation
//! A dropped caller releases its share only. The execution is dropped when its last caller
//! is, wherever it stands, and its entry is removed then, so the next caller starts afresh.
//! See [`docs::cancellation`](crate::docs::cancellation).
//!
//! # Performance
//! Per call: one lock of the function's group and one hash of the key. A call that starts
//! an execution allocates: the boxed body, `Shared`'s state, the owned key (twice: the map's
//! and the execution's, to remove its entry when it ends; a `String` key allocates) and,
//! now and then, the map's growth. A call that joins allocates nothing but, now and then,
//! the growth of `Shared`'s table of waiting callers. The first call of a function (of each
//! instantiation of a generic one) creates and registers its group. Each caller is woken
//! when the execution makes progress, as `Shared` does.
//!
//! # Files
//! `state.rs` (the group, the execution, a caller's [`Flight`]), `site.rs` (the call site
//! and [`SingleFlight`]) and `handle.rs` ([`forget`], [`stats`]); no `config.rs`, as said
//! under *Configuration*.

mod handle;
mod site;
mod state;

pub use handle::{forget, stats};
pub use site::SingleFlight;
pub use state::{Flight, SingleFlightStats};

#[doc(hidden)]
pub mod __private {
    pub use super::site::{AnyKey, KeyOf, SingleFlightSite, StrKey};
    pub use super::state::{Lookup, Vacancy};
    pub use crate::checks::single_flight::{FlightKey, SharedResult};
}
