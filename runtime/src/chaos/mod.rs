//! Chaos: inject faults into the calls of a function (errors, hangs, latency, and the
//! simulator's incidents), to see what the policies around it and their callers do
//! (cargo feature `chaos`).
//!
//! Without the feature, this module holds [`ChaosError`] and [`ChaosConfig`] only: code
//! that converts an injected failure (`impl From<ChaosError> for MyError`) or declares a
//! `const` experiment compiles in every build; the injector, its handle and
//! `resile::chaos(name)` exist with the feature (gate their uses with
//! `#[cfg(feature = "..")]` on a feature of your crate that turns `resile/chaos` on).
//!
//! # When to use
//! In a test, a staging environment or a game day, to check that the stack holds: that a
//! retry absorbs the transient errors, a timeout cuts the hangs, a breaker opens during an
//! outage, and a caller's latency budget survives an injected slowdown. List `#[chaos]`
//! innermost (last), so that every policy above it meets its faults as it would meet the
//! downstream's. Without the cargo feature `chaos`, `#[chaos]` expands to nothing: the
//! attribute can stay in production code at no cost, and a build with the feature (a
//! staging build) injects.
//!
//! # Quick start
//! ```
//! # use resile_runtime as resile;
//! use std::time::Duration;
//! use resile::chaos::{Chaos, ChaosConfig, ChaosError};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let chaos = Chaos::new(ChaosConfig::new().error_rate(0.1).latency(Duration::from_millis(200)).latency_rate(0.5).seed(7));
//! let mut failed = 0;
//! for _ in 0..1000 {
//!     let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
//!     failed += r.is_err() as u32;
//! }
//! assert!((70..130).contains(&failed));
//! # }
//! ```
//!
//! With the attribute (the function returns `Result<T, E>`, and `E: From<ChaosError>` unless
//! `error = ..` says what to return):
//!
//! ```text
//! #[resile::retry(max = 3)]
//! #[resile::timeout("1s")]
//! #[resile::chaos(error_rate = 0.05, hang_rate = 0.01, latency = "200ms", latency_rate = 0.1, name = "db")]
//! async fn load(id: u64) -> Result<User, DbError> { /* ... */ }
//! ```
//!
//! # How it works
//! Each call takes a number `n` from the injector's counter (one `fetch_add`) and mixes it
//! with the seed (SplitMix64) into its own uniform numbers, so the same seed and the same
//! order of calls give the same faults, with no lock and no shared generator. One uniform
//! `u` decides the outcome: `u < hang_rate` ⇒ the call hangs (stays pending until dropped,
//! and never runs the body; put a `#[timeout]` outside it), else `u < hang_rate +
//! error_rate` ⇒ it fails with the injected error without running the body, else the body
//! runs. So the rates are exact marginals, and `error_rate + hang_rate ≤ 1`. A second,
//! independent uniform decides whether a call that does not hang first sleeps `latency` on
//! tokio's clock (probability `latency_rate`, 1 by default), then fails or runs.
//!
//! [`Chaos::latency_distribution`] draws the latency from a [`Latency`] instead (a third
//! uniform seeds the draw). [`Incidents`] ([`Chaos::set_incidents`], or
//! [`ChaosHandle::set_incidents`] for a named one) are the simulator's: their windows are
//! timed from the injector's first call after they were set.
//! - [`Incident::Outage`]: every call in the window fails with [`ChaosError::Outage`], after
//!   its injected latency if it drew one;
//! - [`Incident::ErrorBurst`], [`Incident::PeriodicBursts`]: their rate and `error_rate` are
//!   independent causes (`1 − (1 − a)(1 − b)`), as in the simulator (capped so that with
//!   `hang_rate` they never exceed 1);
//! - [`Incident::Slowdown`] with `factor`: after the body completes, the call sleeps
//!   `(factor − 1) ×` the body's time, so it takes `factor` times as long; a factor of 1
//!   or less changes nothing (a body is never sped up).
//!
//! A site without `name` has an injector of its own, registered under its function's path
//! and the attribute's line and column (`app::fetch@12:1`, as its events and metric show
//! it): inside a `resile::testing::isolated` scope, and so in each `resile::sim` run, the
//! scope gets its own, and a `seed` gives the same faults in every scope.
//!
//! A named injector (`name = ".."`) is shared by every site of that name and reached by
//! [`chaos()`]: [`set_enabled`](ChaosHandle::set_enabled), `reconfigure` (validated as the
//! attribute is), [`set_incidents`](ChaosHandle::set_incidents) and
//! [`stats`](ChaosHandle::stats). Every injection is a `DEBUG` event of the call (target
//! `resile`, `resilience.policy = "chaos"`, field `fault`) and, with the cargo feature
//! `metrics`, counts in `resile_chaos_injected_total{name, fault}` (`fault` = `error`,
//! `outage`, `latency`, `hang`; an unnamed site's injector is named after its function
//! and the attribute's position, `app::fetch@12:1`).
//!
//! # Configuration
//! [`ChaosConfig`]: `error_rate`, `hang_rate`, `latency_rate` within `0.0..=1.0`,
//! `error_rate + hang_rate ≤ 1`, `latency` a duration, `seed` a `u64`; `latency_rate`
//! needs `latency`. A named injector also takes its settings from a configuration file's
//! `[chaos.<name>]` section (`resile::config::apply_toml`, `watch_file`), with the same
//! keys and `enabled = false`; as for every named instance, live settings win over the
//! attribute's declaration. One experiment can be written once as a `const`
//! [`ChaosPolicy`](crate::ChaosPolicy) and used by path, `#[chaos(policy = FLAKY_DB)]`
//! (keys written next to it override it at that site).
//!
//! # Errors
//! An injected failure is `E::from(ChaosError::Failed)` (`ChaosError::Outage` during an
//! outage), or the value of `error = ..` on the attribute, evaluated only when a failure is
//! injected. A hang never returns: whatever bounds the call (a `#[timeout]` above, a
//! dropped request) ends it, with its own error.
//!
//! # Panics
//! [`Chaos::new`] panics on an invalid config. An injected latency or slowdown sleeps on
//! tokio's timer, so it panics outside a tokio runtime with its time driver enabled, as
//! `tokio::time::sleep` does.
//!
//! # Cancellation
//! Nothing is held: a call dropped during its injected latency, its hang or its body drops
//! a timer entry at most. Its faults were counted when drawn, so the counts stay
//! consistent (a dropped hang counts as one hang).
//!
//! # Performance
//! Without the cargo feature, `#[chaos]` emits nothing: zero cost. With it, a call that
//! draws no fault pays a `Relaxed` load (enabled), the global switch's load, one `Acquire`
//! load of the settings, one `fetch_add`, one SplitMix64 mix (a second only with a
//! latency set), a load of the incidents flag and two or three compares, all before the
//! body starts; its future ([`ChaosFuture`]) is the body's and two words, and polling it
//! polls the body. A call left alone allocates nothing. An injected latency, and a
//! slowdown's extra sleep, box their tokio timer (one allocation per such call), so that
//! a timer does not make every call's future 100 bytes larger; an injected error or hang
//! allocates nothing. While incidents are set, one pass over them per call.
//!
//! Counted by callgrind (`benches/probe.sh raw chaos chaos_disabled`: a loop of a trivial
//! `async fn` on a current-thread runtime, tokio without `test-util`), over a raw call of 18
//! instructions: `#[chaos(name = .., error_rate = 0.0, seed = 1)]`, every call's numbers
//! drawn and nothing injected, **+115**; the same injector disabled, **+60**; for scale,
//! `#[timeout("1s")]` completing at once is +99.
//!
//! # A run
//! `cargo run --release --example chaos`: a service function (a downstream of log-normal
//! latency around 20 ms) behind `#[circuit_breaker(..)] #[retry(max = 3, base_delay =
//! "20ms", jitter = "none")] #[timeout("100ms")]` with `#[chaos(..)]` innermost, against
//! the same function with `#[chaos]` alone (its caller giving up after 10 s), 60 virtual
//! seconds at 100 calls/s on a paused clock, seeded. Each level injects 50 ms of latency on
//! 10 % of the attempts, and the errors and hangs of its first column. The six runs took
//! 0.1 s of real time.
//!
//! | injected (errors, hangs) | stack | success | p50 | p99 | p99.9 | attempts per call |
//! |---|---|---|---|---|---|---|
//! | 1 %, 0.1 % | chaos alone | 98.84 % | 21.0 ms | 80.9 ms | 95.0 ms | 1.000 |
//! | 1 %, 0.1 % | breaker + retry + timeout | 100.00 % | 22.0 ms | 81.9 ms | 105.0 ms | 1.012 |
//! | 5 %, 1 % | chaos alone | 94.35 % | 21.0 ms | 9994.2 ms | 9994.2 ms | 1.000 |
//! | 5 %, 1 % | breaker + retry + timeout | 99.98 % | 22.0 ms | 135.9 ms | 186.9 ms | 1.060 |
//! | 20 %, 2 % | chaos alone | 78.18 % | 20.0 ms | 9994.2 ms | 9994.2 ms | 1.000 |
//! | 20 %, 2 % | breaker + retry + timeout | 98.71 % | 24.0 ms | 160.0 ms | 259.8 ms | 1.265 |
//!
//! The timeout turns each hang into a 100 ms failure that the retry takes again, so the
//! hangs that cost the bare caller its 10 s limit cost the guarded one about 120 ms; three
//! attempts at 22 % injected failures leave about 1 % of calls failed (0.22³), for 1.27
//! attempts per call. (The report's latencies are histogram buckets: 10 s shows as 9994 ms.)

mod config;
mod error;
mod handle;
mod site;
mod state;

pub use crate::faults::{Effect, Incident, Incidents, Latency};
pub use config::ChaosConfig;
pub use error::ChaosError;
pub use handle::{ChaosHandle, chaos};
pub use site::{AcceptsChaosError, Begun, Chaos, ChaosFuture, ChaosSite, ChaosStats, inject};

#[cfg(feature = "sim")]
impl From<ChaosError> for crate::sim::Fault {
    /// `Failed` ⇒ `Fault::Failed`, `Outage` ⇒ `Fault::Outage`.
    fn from(e: ChaosError) -> Self {
        match e {
            ChaosError::Failed => crate::sim::Fault::Failed,
            ChaosError::Outage => crate::sim::Fault::Outage,
        }
    }
}
