//! [`Simulation`]: runs a policy stack against a [`Downstream`] on tokio's paused clock.

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::Instant;

use super::arrival::{Arrival, Kind};
use super::downstream::Downstream;
use super::probe::Installed;
use super::report::{Histogram, LoadPoint, Report};

/// A simulated workload: a [`Downstream`], an [`Arrival`] process, a virtual duration and a
/// seed. [`run`](Simulation::run) drives one policy stack through it and returns a
/// [`Report`]; run it again with another stack to compare them on the same arrivals.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::retry::{Jitter, Retry, RetryConfig};
/// use resile::sim::{Downstream, Latency, Simulation};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let sim = Simulation::new(Downstream::new().latency(Latency::fixed(Duration::from_millis(10))).error_rate(0.1))
///     .arrival_rate(100.0)
///     .duration(Duration::from_secs(60))
///     .seed(7);
/// let retry = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
/// let report = sim.run(async |d| retry.call(|| d.call()).await).await;
/// assert!(report.success_rate > 0.99);
/// assert!((report.attempts_per_call - 1.11).abs() < 0.03);
/// # }
/// ```
///
/// # Determinism
/// The same simulation, seed and stack give the same report, bit for bit, provided that:
/// - the run happens on a current-thread runtime with tokio's clock paused
///   (`#[tokio::test(start_paused = true)]`, or `#[tokio::main(flavor = "current_thread",
///   start_paused = true)]`): [`run`](Simulation::run) panics otherwise;
/// - the stack does nothing nondeterministic of its own (no `tokio::spawn` racing other
///   tasks, no real clock). The retry jitter draws from the thread's `fastrand` generator,
///   which `run` seeds from the seed.
///
/// Named instances (breakers, retry budgets, hedge trackers, bulkheads, rate limiters) are
/// private to each run: `run` runs the stack inside [`testing::isolated`](crate::testing::isolated),
/// so a breaker `"db"` starts closed in every run and two configurations may use the same
/// names. An unnamed `#[hedge]` call site keeps its own tracker (and hedge budget) across
/// runs: give hedges a `name` in a simulated stack. (An unnamed `#[chaos]` site's injector
/// is per run: a seeded one injects the same faults in every run.) A policy value built outside the run
/// is the caller's: a `CircuitBreaker::new(..)` (or a `Hedge`) keeps its state from one run
/// to the next, so build a fresh one for each run, and a `CircuitBreaker::named(..)` taken
/// before the run is the process-wide instance, outside the run's scope.
///
/// # Time resolution
/// tokio's timers fire on whole milliseconds of its clock: an arrival between two
/// milliseconds starts at the next one, and a sleep (a downstream's latency, a backoff)
/// ends on a whole millisecond, rounded up. Latencies are measured from the call's start,
/// so a fixed 10 ms downstream shows exactly 10 ms.
///
/// # Speed
/// Each call costs the stack's own work, two or three draws and one or two tokio timers,
/// plus, for each attribute, a lookup of its named instance in the run's isolated scope (a
/// task-local read, a lock and a hash). Measured with `cargo run --release --example tune
/// -- --day` on a shared 2-core VM: **a simulated day at 100 calls/s (8.64 million calls,
/// 8.83 million downstream calls) through `#[circuit_breaker]` + `#[retry]` takes 9.8 s**
/// (0.88 million calls per second) on a runtime with only the timer driver
/// (`Builder::new_current_thread().enable_time().start_paused(true)`), and 20.3 s under
/// `#[tokio::main(flavor = "current_thread", start_paused = true)]` with tokio's `full`
/// features: with the I/O driver on, every jump of the paused clock also polls `epoll`.
/// The run is CPU-bound: with the VM's two cores shared by other builds (load average
/// 10), the same day took 20 s of wall time for the same 10 s of CPU time.
#[derive(Clone, Debug)]
pub struct Simulation {
    downstream: Downstream,
    arrival: Arrival,
    duration: Duration,
    seed: u64,
    load_buckets: u32,
}

impl Simulation {
    /// A simulation of `downstream`, with 100 calls per second at constant intervals for
    /// 60 virtual seconds, seed 0.
    pub fn new(downstream: Downstream) -> Self {
        Simulation {
            downstream,
            arrival: Arrival::constant(100.0),
            duration: Duration::from_secs(60),
            seed: 0,
            load_buckets: 200,
        }
    }

    /// How calls arrive.
    pub fn arrival(mut self, arrival: Arrival) -> Self {
        self.arrival = arrival;
        self
    }

    /// Poisson arrivals of `per_second` calls per second: `arrival(Arrival::poisson(per_second))`.
    ///
    /// # Panics
    /// As [`Arrival::poisson`].
    pub fn arrival_rate(self, per_second: f64) -> Self {
        self.arrival(Arrival::poisson(per_second))
    }

    /// How long calls keep arriving, in virtual time (default 60 s). The run ends when the
    /// last call made in that time has ended.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// The seed of every random draw of a run (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Into how many equal slices the report's load over time cuts the duration
    /// (default 200).
    ///
    /// # Panics
    /// If `slices` is zero.
    pub fn load_buckets(mut self, slices: u32) -> Self {
        assert!(slices > 0, "`Simulation::load_buckets`: at least one slice");
        self.load_buckets = slices;
        self
    }

    /// The downstream, with the counters of the last run.
    pub fn downstream(&self) -> &Downstream {
        &self.downstream
    }

    /// Runs the workload through `stack`, an async closure that makes one call through the
    /// policies under test to the downstream it is given (`async |d| fetch(d).await` for an
    /// annotated `async fn fetch(d: &Downstream) -> Result<T, E>`, or
    /// `async |d| breaker.call(|| d.call()).await` with runtime values), and returns what
    /// happened. `Ok` counts as a success, `Err` as a failure.
    ///
    /// The calls run concurrently inside this future (no `tokio::spawn`, so the stack may
    /// borrow), inside a [`testing::isolated`](crate::testing::isolated) scope; the thread's
    /// `fastrand` generator (retry jitter) is reseeded.
    ///
    /// # Panics
    /// If tokio's clock is not paused or the runtime is not a current-thread one (the run
    /// would be neither deterministic nor fast), or if another simulation runs on this
    /// thread at the same time.
    pub async fn run<T, E>(&self, stack: impl AsyncFn(&Downstream) -> Result<T, E>) -> Report {
        self.run_inner(&stack, None).await
    }

    /// [`run`](Self::run), reading `sample()` every `every` of virtual time while the run
    /// lasts: at its start, then every `every` until its last call has ended. The values,
    /// with when they were read, are the report's [`samples`](Report::samples) (tokio's
    /// timer wakes on whole milliseconds: an `every` below one is read at the next). What to
    /// sample is the caller's: a bulkhead's limit or calls in flight, a breaker's state, a
    /// counter the stack keeps.
    ///
    /// A sample is read after the calls that end and the arrivals that start at that
    /// instant. Sampling changes nothing else: the report is the one [`run`](Self::run)
    /// gives, samples aside (the same seed, the same report, bit for bit).
    ///
    /// ```
    /// # use resile_runtime as resile;
    /// use std::time::Duration;
    /// use resile::bulkhead::{AdaptiveAlgorithm, Bulkhead, BulkheadConfig};
    /// use resile::sim::{Arrival, Downstream, Latency, Simulation};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // 40 calls at once take 100 ms; more are slower in proportion. Calls arrive at 800/s.
    /// let downstream = Downstream::new().latency(Latency::fixed(ms(100))).capacity(40);
    /// let sim = Simulation::new(downstream).arrival(Arrival::constant(800.0)).duration(Duration::from_secs(30));
    /// let bulkhead = Bulkhead::new("api", BulkheadConfig::new(160).adaptive(AdaptiveAlgorithm::Vegas));
    /// let report = sim
    ///     .run_sampled(async |d| bulkhead.call(|| d.call()).await, ms(100), || f64::from(bulkhead.stats().limit))
    ///     .await;
    /// let (at, limit) = *report.samples().last().unwrap();
    /// assert!(at >= Duration::from_secs(30));
    /// assert!((32.0..=48.0).contains(&limit), "the limit settles near the capacity: {limit}");
    /// # }
    /// ```
    ///
    /// # Panics
    /// As [`run`](Self::run); and if `every` is zero.
    pub async fn run_sampled<T, E>(
        &self,
        stack: impl AsyncFn(&Downstream) -> Result<T, E>,
        every: Duration,
        mut sample: impl FnMut() -> f64,
    ) -> Report {
        assert!(!every.is_zero(), "`Simulation::run_sampled`: `every` must be above zero");
        self.run_inner(&stack, Some((every, &mut sample))).await
    }

    async fn run_inner<T, E>(
        &self,
        stack: &impl AsyncFn(&Downstream) -> Result<T, E>,
        sampler: Option<(Duration, &mut dyn FnMut() -> f64)>,
    ) -> Report {
        assert_paused();
        let probe = Installed::new();
        fastrand::seed(self.seed);
        let start = Instant::now();
        let bucket = (self.duration / self.load_buckets).max(Duration::from_nanos(1));
        self.downstream.start(start, self.seed, bucket);
        let tally = RefCell::new(Tally::new(start, bucket));
        let mut samples = Vec::new();
        match sampler {
            None => crate::testing::isolated(self.drive(stack, &tally, start)).await,
            Some((every, sample)) => {
                let sampling = async {
                    let mut at = Duration::ZERO;
                    loop {
                        tokio::time::sleep_until(start + at).await;
                        // When it was read: tokio's timer wakes on whole milliseconds, so
                        // an `every` below one is read late, at the next millisecond.
                        samples.push((Instant::now() - start, sample()));
                        at += every;
                    }
                };
                // The run's calls first, then the sample, at every instant; the sampling
                // ends with the run.
                let both = async {
                    futures::future::select(pin!(self.drive(stack, &tally, start)), pin!(sampling)).await;
                };
                crate::testing::isolated(both).await
            }
        }
        let end = Instant::now();
        let heard = probe.finish(end);
        let tally = tally.into_inner();
        let (downstream_calls, downstream_failures, peak, load) = self.downstream.counts();
        let calls = tally.latencies.count();
        let ratio = |n: u64| if calls == 0 { 0.0 } else { n as f64 / calls as f64 };
        let slices = tally.calls.len().max(load.len());
        let load = (0..slices)
            .map(|i| LoadPoint {
                at: bucket * i as u32,
                width: bucket,
                calls: tally.calls.get(i).copied().unwrap_or(0),
                failed: tally.failed.get(i).copied().unwrap_or(0),
                downstream_calls: load.get(i).copied().unwrap_or(0),
            })
            .collect();
        Report {
            calls,
            successes: tally.successes,
            success_rate: ratio(tally.successes),
            p50: tally.latencies.quantile(0.5),
            p99: tally.latencies.quantile(0.99),
            p999: tally.latencies.quantile(0.999),
            max: tally.latencies.max(),
            downstream_calls,
            downstream_failures,
            attempts_per_call: ratio(downstream_calls),
            peak_concurrency: peak,
            breaker_open_time: heard.open_time,
            breaker_openings: heard.openings,
            rejections: heard.rejections,
            retries: heard.retries,
            hedges: heard.hedges,
            hedge_rate: ratio(heard.hedges),
            elapsed: end - start,
            seed: self.seed,
            latencies: tally.latencies,
            load,
            samples,
        }
    }

    async fn drive<T, E>(
        &self,
        stack: &impl AsyncFn(&Downstream) -> Result<T, E>,
        tally: &RefCell<Tally>,
        start: Instant,
    ) {
        let end = start + self.duration;
        let downstream = &self.downstream;
        let one = |arrived: Instant| async move {
            let result = stack(downstream).await;
            tally.borrow_mut().record(arrived, result.is_ok());
        };
        if let Kind::Clients { clients, think } = self.arrival.0 {
            let client = |_| async move {
                loop {
                    let now = Instant::now();
                    if now >= end {
                        break;
                    }
                    one(now).await;
                    if !think.is_zero() {
                        tokio::time::sleep(think).await;
                    } else if Instant::now() == now {
                        // Refused at once: no virtual time passed, and calling again at the
                        // same instant would never end the run. Wait one timer tick.
                        tokio::time::sleep(TICK).await;
                    }
                }
            };
            let mut all: FuturesUnordered<_> = (0..clients).map(client).collect();
            while all.next().await.is_some() {}
            return;
        }
        let mut rng = fastrand::Rng::with_seed(self.seed ^ 0x9E37_79B9_7F4A_7C15);
        let mut gap = || self.arrival.gap(&mut rng).unwrap_or(self.duration);
        let mut next = match self.arrival.0 {
            Kind::Constant { .. } => start,
            _ => start + gap(),
        };
        let mut in_flight = FuturesUnordered::new();
        let mut timer = pin!(tokio::time::sleep_until(next));
        let mut armed = next;
        loop {
            let now = Instant::now();
            while next < end && next <= now {
                // Started now: tokio's timers fire on whole milliseconds, so an arrival
                // waits for the next one (see `Simulation`, *Time resolution*).
                in_flight.push(one(now));
                next += gap();
            }
            if next >= end && in_flight.is_empty() {
                return;
            }
            if next < end && next != armed {
                timer.as_mut().reset(next);
                armed = next;
            }
            poll_fn(|cx| {
                let mut progressed = false;
                while let Poll::Ready(Some(())) = in_flight.poll_next_unpin(cx) {
                    progressed = true;
                }
                if next < end && timer.as_mut().poll(cx).is_ready() {
                    progressed = true;
                }
                if progressed || (next >= end && in_flight.is_empty()) { Poll::Ready(()) } else { Poll::Pending }
            })
            .await;
        }
    }
}

/// tokio's timer resolution: what a closed-loop client waits after a call that took no time.
const TICK: Duration = Duration::from_millis(1);

/// What the calls measured, as they end.
struct Tally {
    start: Instant,
    bucket: u64,
    successes: u64,
    latencies: Histogram,
    calls: Vec<u64>,
    failed: Vec<u64>,
}

impl Tally {
    fn new(start: Instant, bucket: Duration) -> Self {
        let bucket = u64::try_from(bucket.as_nanos()).unwrap_or(u64::MAX).max(1);
        Tally { start, bucket, successes: 0, latencies: Histogram::default(), calls: Vec::new(), failed: Vec::new() }
    }

    fn record(&mut self, arrived: Instant, ok: bool) {
        self.latencies.record(Instant::now() - arrived);
        let i = (u64::try_from((arrived - self.start).as_nanos()).unwrap_or(u64::MAX) / self.bucket) as usize;
        if self.calls.len() <= i {
            self.calls.resize(i + 1, 0);
            self.failed.resize(i + 1, 0);
        }
        self.calls[i] += 1;
        if ok {
            self.successes += 1;
        } else {
            self.failed[i] += 1;
        }
    }
}

/// Panics unless this is a current-thread runtime with tokio's clock paused: a paused clock
/// does not move while the task runs, a running one moves within a few microseconds.
fn assert_paused() {
    let flavor = tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor());
    assert!(
        matches!(flavor, Ok(tokio::runtime::RuntimeFlavor::CurrentThread)),
        "resile::sim: `Simulation::run` needs a current-thread tokio runtime with the clock paused \
         (`#[tokio::test(start_paused = true)]` or `#[tokio::main(flavor = \"current_thread\", start_paused = true)]`)"
    );
    let before = Instant::now();
    let spin = std::time::Instant::now();
    while spin.elapsed() < Duration::from_micros(50) {
        std::hint::spin_loop();
    }
    assert!(
        Instant::now() == before,
        "resile::sim: `Simulation::run` needs tokio's clock paused (`start_paused = true`, or \
         `tokio::time::pause()`, with tokio's `test-util` feature): on the real clock a run is \
         neither deterministic nor fast"
    );
}
