//! Simulation: a policy stack against a model downstream, on tokio's paused clock, seeded
//! (cargo feature `sim`).
//!
//! Rules of thumb ("retry three times", "open the breaker at 50 %") answer a question
//! nobody asked of *your* downstream. A simulation asks it: describe the downstream (its
//! latency distribution, error rate, error bursts, outages, capacity), how calls arrive, and
//! the stack (annotated functions or runtime values), and read what the callers would see
//! and what the downstream would bear. Several stacks on the same workload compare side by
//! side, as a table and as plots.
//!
//! | item | what it is |
//! |---|---|
//! | [`Downstream`] | the model service: [`Latency`], error rate, [`Incidents`], capacity; [`Downstream::call`] is one request to it |
//! | [`Latency`] | fixed, uniform, log-normal, a mixture or a tail, or a histogram recorded in production |
//! | [`Incident`], [`Incidents`] | outages, error bursts (one window or periodic), slowdowns, in time windows: the fault vocabulary |
//! | [`Fault`] | what a simulated call fails with: the downstream's error, an outage, or a policy's [`Rejection`](crate::Rejection) |
//! | [`Arrival`] | constant rate, Poisson, or a closed loop of clients |
//! | [`Simulation`] | downstream + arrivals + duration + seed; [`Simulation::run`] runs a stack and returns a [`Report`]; [`Simulation::run_sampled`] also reads a value of your choosing (a bulkhead's limit) at a fixed period of virtual time |
//! | [`Report`] | success rate, p50/p99/p99.9, attempts per call, peak concurrency, breaker open time, refusals by kind, hedge rate, load over time, and the [`samples`](Report::samples) of `run_sampled` |
//! | [`compare`] | reports side by side, as a Markdown table |
//! | [`svg::cdf`], [`svg::load`], [`svg::series`] | the latency CDF, the load over time, and any values over time (samples), as SVG |
//!
//! # Example
//! ```
//! # use resile_runtime as resile;
//! use std::time::Duration;
//! use resile::sim::{compare, Downstream, Latency, Simulation};
//! use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
//! use resile::retry::{Jitter, Retry, RetryConfig};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (ms, s) = (Duration::from_millis, Duration::from_secs);
//! let downstream = Downstream::new().latency(Latency::log_normal(ms(20), 0.5))
//!     .error_rate(0.02)
//!     .outage(s(20)..s(50));
//! let sim = Simulation::new(downstream).arrival_rate(100.0).duration(s(90)).seed(1);
//!
//! let bare = sim.run(async |d| d.call().await).await;
//!
//! let retry = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
//! let breaker = CircuitBreaker::new("api", CircuitBreakerConfig::new().open_timeout(s(5)));
//! let guarded = sim.run(async |d| breaker.call(|| retry.call(|| d.call())).await).await;
//!
//! println!("{}", compare(&[("bare", &bare), ("breaker + retry", &guarded)]));
//! // The breaker spares the downstream most of the outage's load.
//! assert!(guarded.breaker_open_time > s(20));
//! assert!(guarded.attempts_per_call < 1.5);
//! # }
//! ```
//!
//! An annotated function works the same way: `#[resile::retry(max = 3)] async fn
//! fetch(d: &Downstream) -> Result<(), resile::sim::Fault> { d.call().await }`, then
//! `sim.run(async |d| fetch(d).await)`. [`Fault`] is what a simulated call fails with; it
//! implements `From<Rejection>`.
//!
//! The picture below comes from `cargo run --release --example tune` (it writes it to
//! `target/tune/cdf.svg`, with the load over time in `target/tune/load.svg`): four
//! configurations against a one-minute outage, error bursts and a 1 % latency tail of
//! 0.4–2 s. The breaker turns the outage's failures into refusals at once (the step at the
//! left); the hedge cuts the tail from about 1.8 s to 0.2 s at p99.9.
//!
#![doc = include_str!("tune-cdf.svg")]
//!
//! To watch a value over a run (an adaptive bulkhead's limit, the calls a bulkhead holds),
//! [`Simulation::run_sampled`] reads it every so often of virtual time into the report's
//! [`samples`](Report::samples), and [`svg::series`] draws them: `cargo run --release
//! --example adaptive` does both for the adaptive bulkheads against a downstream that slows
//! down past its capacity (the picture is in
//! [`bulkhead::adaptive`](crate::bulkhead::adaptive#convergence)).
//!
//! # Determinism
//! A run reads only tokio's paused clock and one seeded generator (plus the thread's
//! `fastrand` generator for retry jitter, which the run seeds), on a current-thread runtime,
//! and polls its calls in a fixed order (a `FuturesUnordered` inside the run's own future,
//! no spawned task): the same seed gives the same [`Report`], bit for bit. Each run's
//! named instances are its own ([`testing::isolated`](crate::testing::isolated), which is
//! why `sim` turns the `testing` feature on). See [`Simulation`] for the conditions.
//!
//! # How long a simulated day takes
//! About ten seconds: a day at 100 calls/s, 8.64 million calls through a breaker and a
//! retry, took 9.8 s in a release build on a shared 2-core VM (`cargo run --release
//! --example tune -- --day`; [`Simulation`]'s *Speed* section has the details, and why a
//! runtime with only the timer driver runs twice as fast).
//!
//! # Cost when off
//! Without the feature, nothing of this is compiled. With it, the telemetry funnel asks one
//! more `Relaxed` load whether a simulation listens, and (through `testing`) each call site
//! one more whether a scope is live.

mod arrival;
mod downstream;
pub(crate) mod probe;
mod report;
mod simulation;
pub mod svg;

pub use crate::faults::{Effect, Incident, Incidents, Latency};
pub use arrival::Arrival;
pub use downstream::{Downstream, Fault};
pub use report::{LoadPoint, Rejections, Report, compare};
pub use simulation::Simulation;
