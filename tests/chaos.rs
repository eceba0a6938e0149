//! `#[chaos]`: the injected rates are the configured ones, seeded runs repeat, latency and
//! hangs meet tokio's clock exactly, the policies above it see its faults, and a named
//! injector answers its operator. Every test runs on a paused clock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use resile::Rejection;
use resile::chaos::{ChaosConfig, ChaosError, Incident, Incidents};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
enum ApiError {
    Chaos(ChaosError),
    Rejected(Rejection),
    Mine,
}

impl From<ChaosError> for ApiError {
    fn from(e: ChaosError) -> Self {
        ApiError::Chaos(e)
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected(r)
    }
}

const MS: fn(u64) -> Duration = Duration::from_millis;

/// What one call did: ran, failed with an injected error, or hung (cut after an hour);
/// and whether it was slowed by the injected latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Ran { slowed: bool },
    Failed { slowed: bool },
    Hung,
}

async fn observe<F: Future<Output = Result<u32, ApiError>>>(call: F, latency: Duration) -> Seen {
    let start = Instant::now();
    match tokio::time::timeout(Duration::from_secs(3600), call).await {
        Err(_) => Seen::Hung,
        Ok(result) => {
            let slowed = start.elapsed() >= latency;
            match result {
                Ok(_) => Seen::Ran { slowed },
                Err(ApiError::Chaos(ChaosError::Failed)) => Seen::Failed { slowed },
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    }
}

#[resile::chaos(
    error_rate = 0.1,
    hang_rate = 0.05,
    latency = "10ms",
    latency_rate = 0.3,
    seed = 42,
    allow = "chaos_hang_without_timeout"
)]
async fn flaky(n: u32) -> Result<u32, ApiError> {
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn over_twenty_thousand_calls_the_fractions_are_the_rates() {
    const N: u32 = 20_000;
    let (mut failed, mut hung, mut slowed, mut not_hung) = (0u32, 0u32, 0u32, 0u32);
    for i in 0..N {
        match observe(flaky(i), MS(10)).await {
            Seen::Ran { slowed: s } => {
                not_hung += 1;
                slowed += u32::from(s);
            }
            Seen::Failed { slowed: s } => {
                failed += 1;
                not_hung += 1;
                slowed += u32::from(s);
            }
            Seen::Hung => hung += 1,
        }
    }
    let share = |k: u32, of: u32| f64::from(k) / f64::from(of);
    assert!((share(failed, N) - 0.1).abs() <= 0.01, "errors {}", share(failed, N));
    assert!((share(hung, N) - 0.05).abs() <= 0.01, "hangs {}", share(hung, N));
    // The latency applies to the calls that do not hang, with its own draw.
    assert!((share(slowed, not_hung) - 0.3).abs() <= 0.01, "latency {}", share(slowed, not_hung));
}

#[resile::chaos(
    error_rate = 0.3,
    hang_rate = 0.1,
    latency = "5ms",
    latency_rate = 0.5,
    seed = 9,
    allow = "chaos_hang_without_timeout"
)]
async fn seeded_a() -> Result<u32, ApiError> {
    Ok(1)
}

#[resile::chaos(
    error_rate = 0.3,
    hang_rate = 0.1,
    latency = "5ms",
    latency_rate = 0.5,
    seed = 9,
    allow = "chaos_hang_without_timeout"
)]
async fn seeded_b() -> Result<u32, ApiError> {
    Ok(1)
}

#[resile::chaos(
    error_rate = 0.3,
    hang_rate = 0.1,
    latency = "5ms",
    latency_rate = 0.5,
    seed = 10,
    allow = "chaos_hang_without_timeout"
)]
async fn seeded_other() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_gives_the_same_faults() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut other = Vec::new();
    for _ in 0..500 {
        a.push(observe(seeded_a(), MS(5)).await);
        b.push(observe(seeded_b(), MS(5)).await);
        other.push(observe(seeded_other(), MS(5)).await);
    }
    assert_eq!(a, b);
    assert_ne!(a, other);
    assert!(
        a.contains(&Seen::Hung)
            && a.contains(&Seen::Failed { slowed: true })
            && a.contains(&Seen::Ran { slowed: false })
    );
}

#[resile::chaos(latency = "200ms")]
async fn slowed() -> Result<u32, ApiError> {
    Ok(7)
}

#[tokio::test(start_paused = true)]
async fn an_injected_latency_takes_exactly_its_length() {
    let start = Instant::now();
    assert_eq!(slowed().await, Ok(7));
    assert_eq!(start.elapsed(), MS(200));
}

#[resile::timeout("1s")]
#[resile::chaos(hang_rate = 1.0)]
async fn stuck() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_hang_under_a_timeout_is_cut_at_the_deadline() {
    let start = Instant::now();
    let after = Duration::from_secs(1);
    assert_eq!(stuck().await, Err(ApiError::Rejected(Rejection::TimedOut { after })));
    assert_eq!(start.elapsed(), after);
}

static RETRIED_BODIES: AtomicU32 = AtomicU32::new(0);

#[resile::retry(max = 3, jitter = "none")]
#[resile::chaos(error_rate = 0.1, seed = 7)]
async fn retried() -> Result<u32, ApiError> {
    RETRIED_BODIES.fetch_add(1, Ordering::Relaxed);
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_retry_above_absorbs_the_injected_errors() {
    const N: u32 = 20_000;
    let mut ok = 0u32;
    for _ in 0..N {
        ok += u32::from(retried().await.is_ok());
    }
    let success = f64::from(ok) / f64::from(N);
    // Three attempts each failing with probability 0.1: 1 - 0.1³.
    assert!((success - 0.999).abs() <= 0.002, "success {success}");
    // Each success ran the body once; the attempts that failed never ran it.
    assert_eq!(RETRIED_BODIES.load(Ordering::Relaxed), ok);
}

#[resile::chaos(error_rate = 1.0, error = ApiError::Mine)]
async fn mine() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn error_injects_the_value_given() {
    assert_eq!(mine().await, Err(ApiError::Mine));
}

#[resile::chaos(name = "chaos-test-switch", error_rate = 1.0, seed = 1)]
async fn switched() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_named_injector_is_switched_and_reconfigured_live() {
    let handle = resile::chaos("chaos-test-switch");
    assert_eq!(switched().await, Err(ApiError::Chaos(ChaosError::Failed)));
    assert!(handle.is_enabled());
    handle.set_enabled(false);
    assert!(!handle.is_enabled());
    for _ in 0..100 {
        assert_eq!(switched().await, Ok(1), "off: straight to the body");
    }
    assert_eq!(handle.stats().calls, 1, "calls while off are not counted");
    handle.set_enabled(true);
    handle.reconfigure(ChaosConfig::new().error_rate(0.5).seed(3)).unwrap();
    let failed = {
        let mut failed = 0;
        for _ in 0..2000 {
            failed += u32::from(switched().await.is_err());
        }
        failed
    };
    assert!((900..1100).contains(&failed), "about half: {failed}");
    let err = handle.reconfigure(ChaosConfig::new().error_rate(0.7).hang_rate(0.7)).unwrap_err();
    assert_eq!(err.key(), "hang_rate");
    assert_eq!(handle.config().map(|c| c.error_rate), Some(0.5), "the last good settings stay");
    let stats = handle.stats();
    assert_eq!((stats.calls, stats.errors, stats.hangs, stats.latencies), (2001, u64::from(failed) + 1, 0, 0));
}

#[resile::chaos(name = "chaos-test-outage")]
async fn during_outage() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn an_outage_incident_fails_exactly_the_calls_in_its_window() {
    let handle = resile::chaos("chaos-test-outage");
    let s = Duration::from_secs;
    handle.set_incidents(Incidents::new().with(Incident::outage(s(10), s(5))));
    let start = Instant::now();
    let mut failed_at = Vec::new();
    for t in 0..20u64 {
        tokio::time::sleep_until(start + s(t)).await;
        match during_outage().await {
            Ok(1) => {}
            Err(ApiError::Chaos(ChaosError::Outage)) => failed_at.push(t),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(failed_at, [10, 11, 12, 13, 14]);
    let stats = handle.stats();
    assert_eq!((stats.calls, stats.outages, stats.errors), (20, 5, 0));
}

#[resile::chaos(name = "chaos-test-slowdown")]
async fn slowed_down() -> Result<u32, ApiError> {
    tokio::time::sleep(MS(100)).await;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_slowdown_stretches_the_body_by_its_factor() {
    let s = Duration::from_secs;
    resile::chaos("chaos-test-slowdown").set_incidents(Incidents::new().with(Incident::slowdown(s(0), s(10), 3.0)));
    let start = Instant::now();
    assert_eq!(slowed_down().await, Ok(1));
    assert_eq!(start.elapsed(), MS(300), "the body's 100ms, three times");
    tokio::time::sleep(s(20)).await;
    let start = Instant::now();
    assert_eq!(slowed_down().await, Ok(1));
    assert_eq!(start.elapsed(), MS(100), "after the window");
}

static CANCELLED_BODIES: AtomicU32 = AtomicU32::new(0);

#[resile::chaos(name = "chaos-test-cancel-latency", latency = "1s", seed = 1)]
async fn slow_to_cancel() -> Result<u32, ApiError> {
    CANCELLED_BODIES.fetch_add(1, Ordering::Relaxed);
    Ok(1)
}

#[resile::chaos(name = "chaos-test-cancel-hang", hang_rate = 1.0, seed = 1, allow = "chaos_hang_without_timeout")]
async fn hang_to_cancel() -> Result<u32, ApiError> {
    CANCELLED_BODIES.fetch_add(1, Ordering::Relaxed);
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_during_its_latency_or_its_hang_leaves_consistent_counts() {
    assert!(tokio::time::timeout(MS(100), slow_to_cancel()).await.is_err());
    assert!(tokio::time::timeout(MS(100), hang_to_cancel()).await.is_err());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(CANCELLED_BODIES.load(Ordering::Relaxed), 0, "dropped calls never run their bodies");
    let latency = resile::chaos("chaos-test-cancel-latency").stats();
    assert_eq!((latency.calls, latency.latencies, latency.errors, latency.hangs), (1, 1, 0, 0));
    let hang = resile::chaos("chaos-test-cancel-hang").stats();
    assert_eq!((hang.calls, hang.hangs, hang.latencies, hang.errors), (1, 1, 0, 0));
    // Nothing of theirs is left: the next call runs as a new one.
    let start = Instant::now();
    assert_eq!(slow_to_cancel().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn each_injection_is_an_event_of_the_call() {
    let ((), events) = resile::testing::record(async {
        assert_eq!(slowed().await, Ok(7));
        assert_eq!(mine().await, Err(ApiError::Mine));
    })
    .await;
    // An unnamed site's injector is named after its function and the attribute's position.
    let seen: Vec<_> = events
        .iter()
        .map(|e| {
            (e.kind, e.function.map(|f| f.name()), e.name.map(|n| n.split('@').next()), e.delay, e.detail.as_deref())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("chaos_injected", Some("slowed"), Some(Some("chaos::slowed")), Some(MS(200)), Some("latency")),
            ("chaos_injected", Some("mine"), Some(Some("chaos::mine")), None, Some("error")),
        ]
    );
}

#[resile::chaos(name = "chaos-test-toml")]
async fn configured_by_file() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_configuration_file_sets_and_turns_off_a_named_injector() {
    assert_eq!(configured_by_file().await, Ok(1), "a reference injects nothing until configured");
    resile::config::apply_toml("[chaos.chaos-test-toml]\nerror_rate = 1.0\nlatency = \"20ms\"\n").unwrap();
    let start = Instant::now();
    assert_eq!(configured_by_file().await, Err(ApiError::Chaos(ChaosError::Failed)));
    assert_eq!(start.elapsed(), MS(20));
    resile::config::apply_toml("[chaos.chaos-test-toml]\nerror_rate = 1.0\nenabled = false\n").unwrap();
    assert!(!resile::chaos("chaos-test-toml").is_enabled());
    assert_eq!(configured_by_file().await, Ok(1));
    let err = resile::config::apply_toml("[chaos.chaos-test-toml]\nerror_rate = 0.7\nhang_rate = 0.7\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "[chaos.chaos-test-toml] hang_rate: `error_rate` (0.7) + `hang_rate` (0.7) exceeds 1.0: a call cannot both \
         fail and hang; lower one of them"
    );
    let err = resile::config::apply_toml("[chaos.chaos-test-toml]\nerror_rat = 0.1\n").unwrap_err();
    assert!(err.to_string().contains("did you mean `error_rate`?"), "{err}");
    resile::config::apply_toml("").unwrap();
    assert!(resile::chaos("chaos-test-toml").is_enabled(), "a file without the section turns it back on");
}

struct Repo {
    hits: u32,
}

impl Repo {
    /// `&mut self` under chaos and a retry: each attempt borrows it again.
    #[resile::retry(max = 3, jitter = "none")]
    #[resile::chaos(error_rate = 0.5, seed = 3)]
    async fn bump(&mut self) -> Result<u32, ApiError> {
        self.hits += 1;
        Ok(self.hits)
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::test(start_paused = true)]
async fn guarded_calls_stay_send_and_methods_work() {
    assert_eq!(assert_send(slowed()).await, Ok(7));
    let mut repo = Repo { hits: 0 };
    let mut ok = 0;
    for _ in 0..100 {
        ok += u32::from(assert_send(repo.bump()).await.is_ok());
    }
    // The body ran once per success, never for an injected failure.
    assert_eq!(repo.hits, ok);
    assert!((80..=100).contains(&ok), "1 - 0.5³ of the calls: {ok}");
}

const ALWAYS_FAILS: resile::ChaosPolicy =
    resile::ChaosPolicy::new().error_rate(1.0).latency(Duration::from_millis(30)).seed(3);

#[resile::chaos(policy = ALWAYS_FAILS)]
async fn by_policy() -> Result<u32, ApiError> {
    Ok(1)
}

#[resile::chaos(policy = ALWAYS_FAILS, error_rate = 0.0, latency = "10ms")]
async fn by_policy_overridden() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_policy_declared_in_code_is_used_by_path_and_overridden_per_site() {
    let start = Instant::now();
    assert_eq!(by_policy().await, Err(ApiError::Chaos(ChaosError::Failed)));
    assert_eq!(start.elapsed(), MS(30));
    let start = Instant::now();
    assert_eq!(by_policy_overridden().await, Ok(1));
    assert_eq!(start.elapsed(), MS(10));
}

#[resile::chaos(name = "chaos-test-early", error_rate = 1.0)]
async fn declared_after_the_operator() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn an_operator_may_reach_an_injector_before_its_first_call() {
    let handle = resile::chaos("chaos-test-early");
    handle.set_enabled(false);
    handle.set_enabled(true);
    assert_eq!(
        declared_after_the_operator().await,
        Err(ApiError::Chaos(ChaosError::Failed)),
        "the declaration still puts its settings in force"
    );
    assert_eq!(handle.config().map(|c| c.error_rate), Some(1.0));
}

#[test]
fn an_injected_error_is_a_simulated_fault() {
    use resile::sim::Fault;
    assert_eq!(Fault::from(ChaosError::Failed), Fault::Failed);
    assert_eq!(Fault::from(ChaosError::Outage), Fault::Outage);
}

// ---- an unnamed site's injector is per scope: a seed replays in every scope ----

#[resile::chaos(error_rate = 0.3, seed = 11)]
async fn unnamed_seeded(n: u32) -> Result<u32, ApiError> {
    Ok(n)
}

async fn hundred_unnamed() -> Vec<bool> {
    let mut seen = Vec::new();
    for n in 0..100 {
        seen.push(unnamed_seeded(n).await.is_ok());
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn an_unnamed_seeded_site_replays_its_faults_in_every_isolated_scope() {
    // Calls outside any scope move the process-wide injector's count along...
    let outside = hundred_unnamed().await;
    // ...and each scope starts its own from the first call, whatever ran before.
    let first = resile::testing::isolated(hundred_unnamed()).await;
    let second = resile::testing::isolated(hundred_unnamed()).await;
    assert_eq!(first, second);
    assert_eq!(first, outside, "the process-wide injector had made no call before either");
    let again_outside = hundred_unnamed().await;
    assert_ne!(again_outside, outside, "outside, the count went on");
    let failed = first.iter().filter(|ok| !**ok).count();
    assert!((15..=45).contains(&failed), "about 30 of 100 failed: {failed}");
}

#[resile::chaos(latency = "1ms")]
async fn unnamed_listed() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn an_unnamed_site_is_named_after_its_function_and_position() {
    let _ = unnamed_listed().await;
    let names = resile::registry::names();
    let name = names
        .iter()
        .find(|(kind, name)| *kind == "chaos" && name.starts_with("chaos::unnamed_listed@"))
        .map(|(_, name)| *name)
        .expect("listed among the named instances");
    assert!(resile::chaos(name).stats().calls >= 1);
}

#[tokio::test(start_paused = true)]
async fn a_simulation_of_an_unnamed_seeded_site_repeats_bit_for_bit() {
    use resile::sim::{Downstream, Simulation};
    let sim = Simulation::new(Downstream::new()).arrival_rate(100.0).duration(Duration::from_secs(20)).seed(3);
    let run = || {
        sim.run(async |d| {
            d.call().await?;
            unnamed_seeded(1).await.map(|_| ()).map_err(|_| resile::sim::Fault::Failed)
        })
    };
    let (a, b) = (run().await, run().await);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert!(a.success_rate < 0.8 && a.success_rate > 0.6, "about 70 %: {}", a.success_rate);
}

#[resile::chaos(name = "chaos-test-seed-max", error_rate = 0.5, seed = 18446744073709551615)]
async fn seeded_max() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_seed_takes_every_u64() {
    let _ = seeded_max().await;
    assert_eq!(resile::chaos("chaos-test-seed-max").config().and_then(|c| c.seed), Some(u64::MAX));
}

// ---- `error = ..` may use the arguments the body takes ----

#[derive(Debug, PartialEq)]
enum Named {
    Chaos(String),
}

#[resile::chaos(error_rate = 1.0, error = Named::Chaos(format!("injected for {id}")))]
async fn takes_a_string(id: String) -> Result<String, Named> {
    Ok(id)
}

#[resile::chaos(error_rate = 0.0, name = "chaos-test-owned-ok", error = Named::Chaos(id.clone()))]
async fn returns_its_string(id: String) -> Result<String, Named> {
    Ok(id)
}

struct Counter {
    n: u32,
}

impl Counter {
    #[resile::chaos(error_rate = 1.0, error = Named::Chaos(format!("at {}", self.n)))]
    async fn bump(&mut self) -> Result<u32, Named> {
        self.n += 1;
        Ok(self.n)
    }
}

#[tokio::test(start_paused = true)]
async fn the_error_may_use_owned_arguments_and_mut_self() {
    assert_eq!(takes_a_string("a1".to_owned()).await, Err(Named::Chaos("injected for a1".to_owned())));
    assert_eq!(returns_its_string("b2".to_owned()).await, Ok("b2".to_owned()));
    let mut counter = Counter { n: 4 };
    assert_eq!(counter.bump().await, Err(Named::Chaos("at 4".to_owned())));
    assert_eq!(counter.n, 4, "the body never ran");
}
