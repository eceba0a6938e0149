//! Rate limits and circuit breaker state shared by every replica of a service, on Redis.
//! Through the facade: `resile::redis`, under its cargo feature `redis`.
//!
//! # Quick start
//! ```no_run
//! use resile::Rejection;
//! use resile::redis::{self, Options, Unavailable};
//!
//! // One budget of 100 calls per second for the whole fleet.
//! #[resile::rate_limit(name = "api", rate = 100, backend = "redis")]
//! async fn call_api() -> Result<u32, Rejection> {
//!     Ok(1)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), redis::Error> {
//!     // Once, at startup: the client, and what a decision does while Redis is unreachable.
//!     let options = Options::default().on_unavailable(Unavailable::Local { share: 0.25 }); // 4 replicas
//!     redis::install("redis://127.0.0.1:6379", options).await?;
//!     // The breaker `db` is shared too: an opening on one replica opens it on the others.
//!     redis::share_breaker("db")?;
//!     match call_api().await {
//!         Ok(_) => {}
//!         Err(Rejection::RateLimited { retry_after, .. }) => println!("come back in {retry_after:?}"),
//!         Err(other) => println!("{other}"),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Rate limits: how a decision is made
//! One limit per name across the fleet, decided by one Lua script (the GCRA of the local
//! limiter, [`resile::rate_limit`](resile_runtime::rate_limit)) on the server, in one round
//! trip (`EVALSHA`):
//! - **The server's clock.** The script reads `TIME` (microseconds): the replicas' clocks
//!   play no part. The state of a limit is one key, `PREFIX:rl:NAME`, holding its
//!   theoretical arrival time; a call of weight `w` is admitted when
//!   `max(TAT, now) + w·T <= now + burst_size·T` (`T = 1/rate`), and then writes it.
//! - **Granularity.** Times are whole microseconds and `T` is `10^6/rate` µs rounded to the
//!   nearest one (exact for every rate that divides 10^6, such as 100 per second); a
//!   `retry_after` is exact to the microsecond (the local limiter's, to the nanosecond).
//!   Over any window of length `t` a saturating fleet is admitted `burst_size + rate·t`
//!   calls, give or take one.
//! - **Keys expire when idle.** Each write sets `PX` to the time left until the bucket is
//!   full again: an idle limit's key disappears then, and a missing key reads as a full
//!   bucket, so nothing is lost.
//! - **The script is loaded once.** Calls send `EVALSHA`; after `SCRIPT FLUSH` or a restart
//!   the server answers `NOSCRIPT`, and that call loads the script (`SCRIPT LOAD`) and sends
//!   `EVALSHA` again (the `redis` crate's `Script`): one extra round trip, once.
//! - **`max_wait`** is supported: the script takes the tokens when they come within it and
//!   returns the wait, which the call sleeps (tokio's clock) before running. A call
//!   cancelled while waiting does not give its tokens back (unlike the local limiter).
//! - **Names are shared across services** that use one server and one prefix: give
//!   each service its own [`Options::key_prefix`] unless they are meant to share.
//!
//! # When Redis is unreachable
//! A connection error, or no answer within [`Options::timeout`] (default 100 ms), makes the
//! backend *unavailable*: the [`Unavailable`] choice decides every call at once, with no
//! round trip, until the backoff instant ([`Options::backoff`], 100 ms doubling to 5 s).
//! Then one call tries Redis again (reconnecting), while the others keep the choice; the
//! first answer makes it available again. The calls in flight when Redis goes away fail
//! together and set the backoff once; only a failed retry doubles it. A decision made
//! without a round trip returns at once, without yielding to the scheduler (as the local
//! limiter's).
//! - [`Unavailable::FailOpen`] admits every call.
//! - [`Unavailable::FailClosed`]: refused, `Rejection::RateLimited` with a `retry_after`
//!   of the time until the next attempt (a refusal the caller already handles, with an
//!   honest hint; not a new kind of error).
//! - [`Unavailable::Local`] (the default, `share: 1.0`): a local limiter per name, at
//!   `share` of the rate and burst (set `share` to `1/replicas` to keep the fleet near the
//!   global rate). It starts full when first needed.
//!
//! The choice in force is visible: a `tracing` WARN (target `resile`, field
//! `on_unavailable`) when Redis becomes unreachable and an INFO when it answers again, the
//! gauge `resile_redis_available{on_unavailable}` (1 while Redis decides, 0 while the
//! choice does; through the `metrics` facade), and [`RedisBackend::is_available`].
//!
//! A `backend = "redis"` call before [`install`] is refused with
//! `Rejection::NoBackend { name, backend: "redis" }`, whose message says to call `install`:
//! never a silent local limit.
//!
//! # Shared circuit breakers
//! [`share_breaker`] (or [`RedisBackend::share_breaker`]) makes a breaker's openings
//! travel: when it opens on one replica, the others open theirs for the time it has left,
//! within a bounded delay; no lock is held across a call, on any replica or on Redis.
//!
//! The opening replica writes `PREFIX:cb:NAME` with `PX` = the time its breaker has left
//! open and publishes `NAME MS REPLICA` on the channel `PREFIX:cb` (one pipelined round
//! trip, from a background task: the call that tripped the breaker does not wait). Every
//! replica's task is subscribed, and opens its own breaker of that name for that time
//! ([`CircuitBreaker::open_for`](resile_runtime::circuit_breaker::CircuitBreaker::open_for),
//! as if it had tripped; not a forced open). An opening taken from another replica is not
//! published again.
//!
//! ## The delay bound
//! A replica honours another's opening **one pub/sub delivery** after it was published (a
//! network round trip plus the server's fan-out: below a millisecond on a loopback, see
//! the test `redis/tests/breaker.rs`), and **at most [`Options::sync_interval`]** (default
//! 1 s) after it when it missed the message (its subscription was being re-established),
//! since every replica reads the shared breakers' keys (`PREFIX:cb:NAME`, living as long
//! as the opening) that often. While Redis is unreachable nothing is shared: each replica's
//! breaker decides alone, as without this crate. Openings travel as durations, so the
//! replicas' clocks need not agree; a replica's breaker is only lengthened by a message,
//! never shortened, and its `ForcedOpen` or `Disabled` state holds.
//!
//! # The cost of a decision
//! One round trip to Redis per call, on a multiplexed connection (concurrent calls share
//! it, their commands pipelined), against a few atomic instructions for the local limiter.
//! Measured on a loopback (`benches/README.md`, "Redis-backed rate limit", on 2 busy cores):
//! one caller, about 50 µs per decision at p50 (the local limiter: 50 ns); 64 concurrent
//! callers, 56 000 to 74 000 decisions per second in all (locally: over 6 million), bounded
//! by the single-threaded server rather than by the round trip. Use the Redis backend
//! where the limit must hold across replicas (a third party's quota), not for a
//! per-process guard.
//!
//! # Errors
//! [`install`] and [`RedisBackend::connect`] fail on invalid [`Options`], a URL that is not
//! a Redis URL, or a server that does not answer within the timeout ([`Error`]); once
//! installed, nothing is an error for a caller.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

mod breaker;
mod connect;
mod error;
mod limiter;
mod options;
mod script;
mod sharing;

use std::sync::OnceLock;

pub use error::Error;
pub use limiter::RedisBackend;
pub use options::{Options, Unavailable};
pub use resile_runtime::rate_limit::backend::{RemoteDecision, RemoteRequest};

static INSTALLED: OnceLock<RedisBackend> = OnceLock::new();

/// Connects to `url` and installs the backend for the whole process: every
/// `#[rate_limit(backend = "redis")]` decides on it from now on. Once per process.
///
/// # Errors
/// [`Error::AlreadyInstalled`] on a second call; otherwise as [`RedisBackend::connect`]
/// (then nothing is installed, and `backend = "redis"` calls are still refused).
pub async fn install(url: &str, options: Options) -> Result<(), Error> {
    if INSTALLED.get().is_some() {
        return Err(Error::AlreadyInstalled);
    }
    let backend = RedisBackend::connect(url, options).await?;
    if INSTALLED.set(backend.clone()).is_err() {
        return Err(Error::AlreadyInstalled);
    }
    resile_runtime::rate_limit::backend::install_remote(Box::new(backend)).map_err(|_| Error::AlreadyInstalled)
}

/// The installed backend, if [`install`] succeeded.
pub fn installed() -> Option<&'static RedisBackend> {
    INSTALLED.get()
}

/// Shares the named breaker `name` (of the registry, as `#[circuit_breaker(name = ..)]`
/// uses it) through the installed backend. A breaker that does not exist yet is picked up
/// within `sync_interval` of its first use.
///
/// # Errors
/// [`Error::NotInstalled`] before [`install`].
pub fn share_breaker(name: &str) -> Result<(), Error> {
    let backend = INSTALLED.get().ok_or(Error::NotInstalled)?;
    backend.share_breaker_named(name);
    Ok(())
}

impl RedisBackend {
    /// Shares `breaker` (a named one, or a private [`CircuitBreaker::new`] leaked for the
    /// process) through this backend, under its name.
    ///
    /// [`CircuitBreaker::new`]: resile_runtime::circuit_breaker::CircuitBreaker::new
    pub fn share_breaker(&self, breaker: &'static resile_runtime::circuit_breaker::CircuitBreaker) {
        self.inner.sharing.share(breaker.name(), Some(breaker));
    }

    /// Shares the registry's breaker `name`, now if it exists, else once it does (within
    /// `sync_interval`).
    pub fn share_breaker_named(&self, name: &str) {
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let breaker = resile_runtime::circuit_breaker(name).get();
        self.inner.sharing.share(name, breaker);
    }

    /// The key of the breaker `name`'s opening: `PREFIX:cb:NAME`.
    pub fn breaker_key(&self, name: &str) -> String {
        format!("{}:cb:{name}", self.inner.options.key_prefix)
    }
}
