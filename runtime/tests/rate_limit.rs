//! The rate limiter on tokio's paused clock, without macros, and its core against a plain
//! reference model.

use std::time::Duration;

use proptest::prelude::*;
use resile_runtime::Rejection;
use resile_runtime::rate_limit::{Decision, RateLimitConfig, RateLimitSite, RateLimiter, rate_limiter};
use resile_runtime::telemetry::{CallSpan, Free};
use tokio::time::{Instant, advance};

async fn ok() -> Result<(), Rejection> {
    Ok(())
}

fn retry_after(r: Result<(), Rejection>) -> Duration {
    match r {
        Err(Rejection::RateLimited { retry_after, .. }) => retry_after,
        other => panic!("expected a rate limit, found {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn starts_full_then_refuses_with_the_exact_retry_after() {
    let l = RateLimiter::new("full", RateLimitConfig::new(3.0));
    for _ in 0..3 {
        l.call(ok).await.unwrap();
    }
    let refused = l.call(ok).await;
    assert_eq!(refused, Err(Rejection::RateLimited { name: "full", retry_after: Duration::from_nanos(333_333_334) }));
    // One nanosecond early: refused, and told the one nanosecond left.
    advance(Duration::from_nanos(333_333_333)).await;
    assert_eq!(retry_after(l.call(ok).await), Duration::from_nanos(1));
    advance(Duration::from_nanos(1)).await;
    l.call(ok).await.unwrap();
}

/// A saturating caller is admitted `floor(burst + rate × t)` tokens over `[0, t]`, at every
/// rate, however long the run: it takes `chunk` tokens a call, coming back exactly at each
/// `retry_after`, and at the end takes what is left one token at a time. The time is passed
/// to the core as a value (the tokio-facing path is the same code after one clock read), so
/// the 10^4 s run takes a few hundred thousand decisions, not as many clock advances: well
/// under a second in a debug build.
#[test]
fn no_drift_over_ten_thousand_seconds() {
    const T: u64 = 10_000;
    for (rate, burst, chunk, expected) in [
        (3.0, 3.0, 1, 3 + 3 * T),
        (7.0, 7.0, 1, 7 + 7 * T),
        (0.5, 1.0, 1, 1 + T / 2),
        (1000.0, 1000.0, 100, 1000 + 1000 * T),
        (1e6, 1e6, 1_000_000, 1_000_000 + 1_000_000 * T),
        // A fractional burst: floor(33.3 + 33.3 × 10^4).
        (33.3, 33.3, 10, 333_033),
    ] {
        let end = Duration::from_secs(T);
        let mut now = Duration::ZERO;
        let l =
            RateLimiter::with_origin("drift", RateLimitConfig::new(rate).burst_size(burst), std::time::Instant::now());
        let mut admitted = 0u64;
        loop {
            match l.decide_at(now, chunk, Duration::ZERO) {
                Decision::Admit => admitted += u64::from(chunk),
                Decision::Deny { retry_after } if now + retry_after <= end => now += retry_after,
                Decision::Deny { .. } => break,
                Decision::AdmitAt { .. } => unreachable!("no max_wait"),
            }
        }
        while let Decision::Admit = l.decide_at(end, 1, Duration::ZERO) {
            admitted += 1;
        }
        assert_eq!(admitted, expected, "rate {rate}");
    }
}

#[tokio::test(start_paused = true)]
async fn max_wait_is_inclusive_and_the_waiter_runs_at_its_instant() {
    let wait = Duration::from_nanos(333_333_334);
    let l = RateLimiter::new("wait", RateLimitConfig::new(3.0).burst_size(1.0).max_wait(wait));
    l.call(ok).await.unwrap();
    let start = Instant::now();
    l.call(ok).await.unwrap();
    // Not before its instant; tokio's timer wakes it at the next whole millisecond.
    assert_eq!(Instant::now() - start, Duration::from_millis(334));
    // One nanosecond short of the wait: refused, and nothing taken.
    let short =
        RateLimiter::new("short", RateLimitConfig::new(3.0).burst_size(1.0).max_wait(wait - Duration::from_nanos(1)));
    short.call(ok).await.unwrap();
    assert_eq!(retry_after(short.call(ok).await), wait);
    assert_eq!(retry_after(short.call(ok).await), wait);
}

#[tokio::test(start_paused = true)]
async fn weight_takes_several_tokens() {
    static SITE: RateLimitSite =
        RateLimitSite::new("tests::heavy", "weighted", RateLimitConfig::new(10.0).burst_size(5.0).weight(3));
    SITE.call(CallSpan::detached(), Free, |r| r, ok).await.unwrap();
    assert_eq!(retry_after(SITE.call(CallSpan::detached(), Free, |r| r, ok).await), Duration::from_millis(100));
    assert_eq!(rate_limiter("weighted").stats().tokens, 2.0);
    advance(Duration::from_millis(100)).await;
    SITE.call(CallSpan::detached(), Free, |r| r, ok).await.unwrap();
    assert_eq!(rate_limiter("weighted").stats().tokens, 0.0);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_waiter_gives_its_tokens_back() {
    let l = RateLimiter::new("cancel", RateLimitConfig::new(1.0).burst_size(1.0).max_wait(Duration::from_secs(5)));
    l.call(ok).await.unwrap();
    // The waiter takes the next token, then is dropped half-way.
    let waiter = tokio::time::timeout(Duration::from_millis(500), l.call(ok)).await;
    assert!(waiter.is_err());
    assert_eq!(l.stats().tokens, 0.5);
    // Two waiters: the first dropped is not the last, so it cannot give back.
    let (a, b) = (l.try_acquire(1, Duration::from_secs(5)), l.try_acquire(1, Duration::from_secs(5)));
    let (Decision::AdmitAt { reservation: a, .. }, Decision::AdmitAt { reservation: b, .. }) = (a, b) else {
        panic!("both wait")
    };
    assert!(!a.give_back());
    assert!(b.give_back());
    // Back to the state after `a`: the next token comes 1.5 s from now (0.5 s).
    assert!(
        matches!(l.try_acquire(1, Duration::ZERO), Decision::Deny { retry_after } if retry_after == Duration::from_millis(1500))
    );
}

#[tokio::test(start_paused = true)]
async fn reconfigure_keeps_spent_tokens_spent() {
    let l = RateLimiter::named("reconfigured", RateLimitConfig::new(10.0));
    for _ in 0..10 {
        l.call(ok).await.unwrap();
    }
    advance(Duration::from_millis(500)).await;
    let handle = rate_limiter("reconfigured");
    assert_eq!(handle.name(), "reconfigured");
    handle.reconfigure(RateLimitConfig::new(20.0)).unwrap();
    assert_eq!(handle.config(), Some(RateLimitConfig::new(20.0)));
    assert_eq!(handle.stats().tokens, 15.0);
    assert_eq!(
        handle.reconfigure(RateLimitConfig::new(20.0).weight(21)).unwrap_err().to_string(),
        "`weight` (21) exceeds the default `burst_size` (= `rate`, 20): the bucket never holds that many tokens, \
         so no call could be admitted; set `burst_size` to at least 21"
    );
    assert_eq!(handle.config(), Some(RateLimitConfig::new(20.0)));
    assert_eq!(rate_limiter("never-used").stats().rate, 0.0);
}

/// The reference model: the textbook GCRA in exact rationals (u128, sequential), time in
/// nanoseconds as a fraction `ns·a / (10^9·b)` of tokens.
struct Model {
    /// Tokens per second as `a/b`.
    a: u128,
    b: u128,
    burst: u128,
    /// The TAT in units of `1/a` ns (not reduced, unlike the limiter's `1/q`).
    tat_num: u128,
}

impl Model {
    /// `Ok(wait_ns)` (0 = at once) or `Err(retry_after_ns)`.
    fn decide(&mut self, now: u128, weight: u128, max_wait: u128) -> Result<u128, u128> {
        // Work in units of 1/a ns: T = 10^9·b/a ns = 10^9·b units.
        let t = 1_000_000_000 * self.b;
        let n = now * self.a;
        let new = self.tat_num.max(n) + weight * t;
        let limit = n + self.burst * t;
        let wait = if new <= limit { 0 } else { (new - self.burst * t).div_ceil(self.a) - now };
        if wait > max_wait {
            return Err(wait);
        }
        self.tat_num = new;
        Ok(wait)
    }
}

/// Cases of the model test: 256 in a debug build (what `cargo test --workspace` runs, well
/// under a second), 10 000 with `--release`; `RESILE_PROPTEST_CASES` sets any other count.
fn cases() -> u32 {
    let default = if cfg!(debug_assertions) { 256 } else { 10_000 };
    std::env::var("RESILE_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]
    #[test]
    fn the_core_matches_the_reference_model(
        rate in prop_oneof![
            Just((3u64, 1u64)), Just((7, 1)), Just((1, 2)), Just((333, 10)), Just((1_000_000, 1)),
            // Units of 1/999 983 ns and 1/1 048 573 ns: a 64-bit state moves to a new epoch
            // every 77 and 73 minutes, which the long steps below cross.
            Just((999_983, 1)), Just((1_048_573, 1)),
            // Units too fine for 64 bits (a new epoch every 5 s): 128 bits throughout.
            Just((4_294_967_295, 1)),
            (1u64..5000, 1u64..100),
        ],
        burst in 1u32..8,
        steps in prop::collection::vec((prop_oneof![8 => 0u64..2_000_000_000, 1 => 0u64..40_000_000_000_000], 1u32..4, prop_oneof![Just(0u64), 0u64..3_000_000_000]), 1..40),
    ) {
        let (a, b) = rate;
        let rate_f = a as f64 / b as f64;
        let config = RateLimitConfig::new(rate_f).burst_size(f64::from(burst));
        let (ra, rb) = config.rational_rate();
        prop_assume!(u128::from(ra) * u128::from(b) == u128::from(a) * u128::from(rb));
        let l = RateLimiter::with_origin("model", config, std::time::Instant::now());
        let burst = config.burst() as u128;
        let mut model = Model { a: u128::from(ra), b: u128::from(rb), burst, tat_num: 0 };
        let mut now = 0u64;
        for (dt, weight, max_wait) in steps {
            now += dt / 4;
            let got = match l.decide_at(Duration::from_nanos(now), weight, Duration::from_nanos(max_wait)) {
                Decision::Admit => Ok(0),
                Decision::AdmitAt { at, reservation } => {
                    drop(reservation); // kept: a reservation gives nothing back unless asked
                    Ok(at.as_nanos() - u128::from(now))
                }
                Decision::Deny { retry_after } => Err(retry_after.as_nanos()),
            };
            let expected = if u128::from(weight) > burst { Err(Duration::MAX.as_nanos()) } else { model.decide(u128::from(now), u128::from(weight), u128::from(max_wait)) };
            prop_assert_eq!(got, expected, "at {} ns, weight {}", now, weight);
        }
    }
}

/// A named limiter outlives the runtime that made it. Made under a paused clock that ran an
/// hour ahead of real time, then used under a later runtime whose clock starts at real
/// time: its time still counts, so `retry_after` is exact there too.
#[test]
fn a_limiter_made_under_an_advanced_paused_clock_refills_in_a_later_runtime() {
    let paused = || tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    paused().block_on(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        RateLimiter::named("outlives-its-runtime", RateLimitConfig::new(10.0).burst_size(1.0));
    });
    paused().block_on(async {
        let limiter = resile_runtime::rate_limiter("outlives-its-runtime").get().unwrap();
        assert!(matches!(limiter.try_acquire(1, Duration::ZERO), Decision::Admit));
        let Decision::Deny { retry_after } = limiter.try_acquire(1, Duration::ZERO) else {
            panic!("the bucket is empty")
        };
        assert_eq!(retry_after, Duration::from_millis(100));
        tokio::time::sleep(retry_after).await;
        assert!(matches!(limiter.try_acquire(1, Duration::ZERO), Decision::Admit));
    });
}
