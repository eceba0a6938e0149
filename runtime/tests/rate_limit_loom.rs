//! Loom model of the rate limiter's one-word state: concurrent admissions never take more
//! than the bucket holds, a refusal takes nothing, and the state ends where the admitted
//! weights put it.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p resile-runtime --release --test rate_limit_loom
//! ```
#![cfg(loom)]

use std::time::Duration;

use loom::thread;
use resile_runtime::rate_limit::{Decision, RateLimitConfig, RateLimiter};

/// A limiter whose state is 64 bits wide (what rate 1 gets), or 128 when `wide`.
fn limiter(burst: f64, wide: bool) -> &'static RateLimiter {
    let config = RateLimitConfig::new(1.0).burst_size(burst).max_wait(Duration::from_secs(1));
    let limiter = RateLimiter::with_origin("loom", config, std::time::Instant::now());
    Box::leak(Box::new(if wide { limiter.wide() } else { limiter }))
}

/// Runs `model` under loom for each width of the state.
fn both_widths(model: fn(bool)) {
    for wide in [false, true] {
        loom::model(move || model(wide));
    }
}

/// What a thread got: tokens taken at once, tokens taken to wait for.
fn take(l: &'static RateLimiter, weight: u32, max_wait: Duration) -> (u32, u32) {
    match l.decide_at(Duration::ZERO, weight, max_wait) {
        Decision::Admit => (weight, 0),
        Decision::AdmitAt { reservation, .. } => {
            drop(reservation); // kept: a reservation gives nothing back unless asked
            (0, weight)
        }
        Decision::Deny { .. } => (0, 0),
    }
}

/// Three threads each want 1 token of a bucket of 2: exactly two get one, the third is
/// refused, and the bucket ends empty.
#[test]
fn three_threads_never_take_more_than_the_burst() {
    both_widths(|wide| {
        let l = limiter(2.0, wide);
        let threads: Vec<_> = (0..3).map(|_| thread::spawn(move || take(l, 1, Duration::ZERO))).collect();
        let got: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(got.iter().map(|g| g.0).sum::<u32>(), 2);
        assert_eq!(l.stats_at(Duration::ZERO).tokens, 0.0);
    });
}

/// Weights 2 and 1 on a bucket of 2, with waiting allowed: whatever the order, the tokens
/// taken (at once or to wait for) total 3, the bucket's debt is exactly the waiter's, and
/// the next token comes exactly when the sequential model says.
#[test]
fn weights_and_waiters_add_up() {
    both_widths(|wide| {
        let l = limiter(2.0, wide);
        let a = thread::spawn(move || take(l, 2, Duration::from_secs(1)));
        let b = thread::spawn(move || take(l, 1, Duration::from_secs(1)));
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert_eq!(a.0 + a.1 + b.0 + b.1, 3);
        // One of them is admitted at once, the other waits (a second) for its tokens.
        assert!(matches!((a.0 + b.0, a.1 + b.1), (2, 1) | (1, 2)), "{a:?} {b:?}");
        // TAT = 3 s in both orders: the next token is due 2 s after the burst's end, at 2 s.
        match l.decide_at(Duration::ZERO, 1, Duration::ZERO) {
            Decision::Deny { retry_after } => assert_eq!(retry_after, Duration::from_secs(2)),
            other => panic!("expected a refusal, found {other:?}"),
        }
    });
}

/// A waiter that gives its tokens back races a new admission: the give-back succeeds only
/// if it came first, and the state is always that of the calls that kept their tokens.
#[test]
fn giving_back_races_an_admission() {
    both_widths(|wide| {
        let l = limiter(1.0, wide);
        assert!(matches!(l.decide_at(Duration::ZERO, 1, Duration::ZERO), Decision::Admit));
        let Decision::AdmitAt { reservation, .. } = l.decide_at(Duration::ZERO, 1, Duration::from_secs(1)) else {
            panic!("the waiter waits")
        };
        let reservation: resile_runtime::rate_limit::Reservation<'static> = reservation;
        let giver = thread::spawn(move || reservation.give_back());
        let taker = thread::spawn(move || take(l, 1, Duration::from_secs(2)));
        let (gave, took) = (giver.join().unwrap(), taker.join().unwrap());
        assert_eq!(took, (0, 1));
        // Kept: the first call, the taker, and the waiter unless it gave back first.
        let kept = 2 + u64::from(!gave);
        match l.decide_at(Duration::ZERO, 1, Duration::ZERO) {
            Decision::Deny { retry_after } => assert_eq!(retry_after, Duration::from_secs(kept)),
            other => panic!("expected a refusal, found {other:?}"),
        }
    });
}
