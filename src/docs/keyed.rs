//! # Keyed instances: a breaker per host, a limit per tenant
//!
//! `key = <expr over the arguments>` on [`#[circuit_breaker]`](macro@crate::circuit_breaker),
//! [`#[bulkhead]`](macro@crate::bulkhead) and [`#[rate_limit]`](macro@crate::rate_limit) gives one
//! instance per distinct value of the expression under the name: one downstream
//! host that fails opens its own breaker and leaves the others closed; one tenant that
//! floods uses up its own tokens or permits, not everyone's.
//!
//! ```
//! use std::time::Duration;
//! use resile::{Rejection, State};
//!
//! #[derive(Debug, PartialEq)]
//! enum Error { Down, Rejected(Rejection) }
//! impl From<Rejection> for Error {
//!     fn from(r: Rejection) -> Self { Error::Rejected(r) }
//! }
//!
//! #[resile::circuit_breaker(name = "doc-hosts", minimum_calls = 2, window_size = 2, open_timeout = "30s", key = host)]
//! async fn fetch(host: &str, up: bool) -> Result<u32, Error> {
//!     if up { Ok(1) } else { Err(Error::Down) }
//! }
//!
//! #[resile::rate_limit(name = "doc-tenants", rate = 10, burst_size = 1, key = tenant_id)]
//! async fn handle(tenant_id: u64) -> Result<(), Error> {
//!     Ok(())
//! }
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! assert_eq!(fetch("a.internal", false).await, Err(Error::Down));
//! assert_eq!(fetch("a.internal", false).await, Err(Error::Down)); // `a` opens
//! assert_eq!(fetch("a.internal", true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "doc-hosts" })));
//! assert_eq!(fetch("b.internal", true).await, Ok(1)); // `b` has its own breaker
//!
//! let hosts = resile::circuit_breaker("doc-hosts");
//! assert_eq!(hosts.keys(), 2);
//! assert_eq!(hosts.key_str("a.internal").unwrap().state(), State::Open);
//! assert_eq!(hosts.key(&String::from("b.internal")).unwrap().state(), State::Closed);
//!
//! assert_eq!(handle(1).await, Ok(()));
//! assert_eq!(
//!     handle(1).await,
//!     Err(Error::Rejected(Rejection::RateLimited { name: "doc-tenants", retry_after: Duration::from_millis(100) }))
//! );
//! assert_eq!(handle(2).await, Ok(())); // tenant 2 has its own bucket
//! # }
//! ```
//!
//! ## The key
//! - An expression over the function's arguments (`host`, `request.tenant_id`,
//!   `self.host.as_str()`, `(region, shard)`), evaluated by reference before the body runs,
//!   so a body that consumes an argument still may. A `key` that names no argument is a
//!   compile error: every call would share one instance.
//! - Its type must be `Hash + Eq`, with an owned form (`ToOwned`) that is
//!   `Clone + Send + Sync + 'static`: integers, `String`, tuples of them, your own ids. A
//!   `&str` is looked up as it is and kept as a `String`, made only when the key is new;
//!   write `key = host` for a `host: &str` or `host: String` argument, not `key = &host`.
//!
//! ## One configuration per name
//! Every key's instance runs with the name's settings (declared on the attribute, by a
//! policy, or live). A live change of the name (`resile::circuit_breaker(name).reconfigure(..)`,
//! a configuration file's section) reaches every key's instance at once, and the keys
//! created afterwards. The name's own instance takes no calls of a keyed site: it holds the
//! settings, and `circuit_breaker(name).state()` tells nothing about the keys.
//!
//! ## `max_keys` and eviction
//! `max_keys` (default 10 000) bounds the instances of a name: adding a key past it first
//! evicts, in one batch, the `max(1, max_keys / 16)` least recently used keys with no call in
//! flight (a call holds its key's instance from before admission to its end, cancellation
//! included). "Least recently used" is approximated: use is measured in keys added, so the
//! calls between two additions count as simultaneous. A batch costs one pass over the keys,
//! so adding a key costs amortised O(16), not O(`max_keys`); 10^5 distinct keys with
//! `max_keys = 100` take well under a second. The count never exceeds `max_keys` unless more
//! keys than that have calls in flight at once: the new key is added anyway (refusing the
//! call would be worse), and the count comes back under the bound as the calls end.
//!
//! An evicted key's state is lost: a breaker that was open for that host starts closed, a
//! tenant's bucket starts full. Each eviction adds one to `resile_keys_evicted_total{policy,
//! name}` (cargo feature `metrics`); the first eviction of a name is a WARN event (target
//! `resile`) that says to raise `max_keys` if that many keys are in use. The first keyed
//! call site of a name to run sets its `max_keys`.
//!
//! ## Handles
//! `resile::circuit_breaker(name)`, `resile::bulkhead(name)` and `resile::rate_limiter(name)`
//! have [`key(&k)`](crate::kit::Handle::key) (`k: &K`, the owned key type: `&String` for a
//! `&str` key expression, or [`key_str`](crate::kit::Handle::key_str) with a `&str`): the
//! key's instance, `None` if no call created it or it was evicted. It derefs to the instance,
//! so it has the instance's reads and operator calls (`state()`, `stats()`, `force_open()`,
//! `reset()`, ...). While it is held, the key is not evicted. [`keys()`](crate::kit::Handle::keys)
//! counts the keys, [`keys_evicted()`](crate::kit::Handle::keys_evicted) the evictions; the
//! name's `reset()` resets every key.
//!
//! ## Errors
//! Rejections name the instance's name, not the key (`CircuitOpen { name }`,
//! `BulkheadFull { name }`, `RateLimited { name, retry_after }`). `RateLimited`'s
//! `retry_after` is the key's, exact. For a keyed breaker, `Rejection::retry_after()` of a
//! `CircuitOpen` is `None`: the rejection cannot tell which key's breaker refused (ask
//! `circuit_breaker(name).key(&k)?.half_open_in()` for one key).
//!
//! ## Logs
//! A keyed breaker's state-change event (``circuit breaker `hosts`: closed -> open``, `WARN`)
//! names its key too, in the field `resilience.key`: the key by its `Debug` (`"a.internal"`
//! for a `&str` key, `7` for an integer), made once, when the key's instance is created
//! (never on a call's path). A key whose type has no `Debug` keys as well; its events have
//! no `resilience.key`. The observer's [`Event::StateChange`](crate::telemetry::Event::StateChange)
//! carries it as `key`.
//!
//! ## Limits
//! - Metrics are labelled by name: a keyed breaker's state gauge shows the last transition
//!   of any of its keys, and the rate limiter's tokens gauge shows the name's own limiter.
//!   Labels per key would grow without bound. Only the state-change log event names the
//!   key (above); rejections and the other events name the instance's name.
//! - A name's operator switches reach every key: `bulkhead(name).disable()` and
//!   `rate_limiter(name).disable()` (or `enabled = false` in a file) let every key's calls
//!   through; `circuit_breaker(name).force_open()` refuses every key's calls and `disable()`
//!   (or `enabled = false`) admits them unrecorded, until `force_close()` or `reset()`, after
//!   which each key is back in its own state. One key's breaker is operated through its
//!   handle (`circuit_breaker(name).key(&k)?.force_open()`).
//!
//! ## Cost
//! A call on a key that exists: the family (one load and a comparison of the key type), one
//! hash of the key (foldhash, seeded per name), the read lock of one of 16 shards (an atomic
//! addition, and a subtraction after), a comparison with the key last found in that shard
//! (a hot key is found there; another key takes one probe of a `hashbrown` table and, when
//! its use is not yet noted, one store), one `Arc` clone (the call's hold, an atomic
//! addition, and a subtraction at the end) and a breaker's check of the name's operator
//! state (one load); no allocation, and no lock or counter shared by all keys. About 53
//! instructions more than an unkeyed breaker for a `u64` key, measured with callgrind in
//! `benches/README.md` (*Keyed instances*); a new key takes the name's lock for adding and
//! allocates its instance. An unkeyed site is untouched: keyed sites are a type of their own.
