//! `validate` and `errors` agree, and nothing that the runtime's checks rejected before this
//! crate existed gets through, over every pair of corner values of every config's fields and
//! a deterministic pseudo-random sample of whole configurations.

use std::time::Duration;

use resile_config::{
    Backoff, CircuitBreakerConfig, ConfigError, HedgeConfig, Jitter, KeySet, RetryBudgetConfig, RetryConfig,
    TimeoutConfig, WindowKind,
};

const NS: fn(u64) -> Duration = Duration::from_nanos;
const MS: fn(u64) -> Duration = Duration::from_millis;
const S: fn(u64) -> Duration = Duration::from_secs;

/// Changes one field.
type Edit<C> = Box<dyn Fn(C) -> C>;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// The configurations to check: the default, every corner value of each field, every pair
/// of corner values of two fields, and `random` configurations with every field drawn from
/// its corners.
fn configs<C: Copy>(default: C, fields: &[Vec<Edit<C>>], random: usize) -> Vec<C> {
    let mut out = vec![default];
    for (a, edits_a) in fields.iter().enumerate() {
        for edit_a in edits_a {
            out.push(edit_a(default));
            for edits_b in &fields[a + 1..] {
                for edit_b in edits_b {
                    out.push(edit_b(edit_a(default)));
                }
            }
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..random {
        let mut c = default;
        for edits in fields {
            c = edits[rng.below(edits.len())](c);
        }
        out.push(c);
    }
    out
}

/// A deterministic sample of key sets: none, all, and random subsets of `names`.
fn given_sets(names: &[&str], rng: &mut Rng) -> Vec<KeySet> {
    let mut sets = vec![KeySet::EMPTY, KeySet::ALL, KeySet::of(names)];
    for _ in 0..3 {
        let mut set = KeySet::EMPTY;
        for name in names {
            if rng.below(2) == 0 {
                set = set.with(name);
            }
        }
        sets.push(set);
    }
    sets
}

/// The checks every config passes, `old_rejects` being the runtime's checks before this crate.
#[track_caller]
fn agree<C: Copy + std::fmt::Debug>(
    configs: Vec<C>,
    keys: &[resile_config::Key],
    validate: fn(&C) -> Result<(), ConfigError>,
    errors: fn(&C, KeySet) -> Vec<ConfigError>,
    old_rejects: fn(&C) -> bool,
) {
    let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
    let mut rng = Rng(42);
    let (mut valid, mut invalid) = (0, 0);
    for c in configs {
        let first = validate(&c).err();
        // Compared as text: a NaN in a problem is not equal to itself.
        let first_of_errors = errors(&c, KeySet::EMPTY).first().copied();
        assert_eq!(
            format!("{first:?}"),
            format!("{first_of_errors:?}"),
            "validate is the first of errors(EMPTY): {c:?}"
        );
        if old_rejects(&c) {
            assert!(first.is_some(), "the runtime rejected it, validate must too: {c:?}");
        }
        for given in given_sets(&names, &mut rng) {
            let all = errors(&c, given);
            if first.is_some() {
                assert!(!all.is_empty(), "an invalid config has errors whatever is given: {c:?} {given:?}");
            }
            for e in &all {
                assert!(names.contains(&e.key()), "{e:?} names a key of the config");
                let message = e.to_string();
                assert!(message.contains(e.key()), "the message names its key: {message}");
            }
        }
        if first.is_some() { invalid += 1 } else { valid += 1 }
    }
    assert!(valid > 50 && invalid > 50, "the sample covers both: {valid} valid, {invalid} invalid");
}

static EMPTY: [Duration; 0] = [];
static ONE: [Duration; 1] = [Duration::from_millis(100)];
static LONG: [Duration; 2] = [Duration::from_millis(100), Duration::from_secs(10)];
static ZEROS: [Duration; 2] = [Duration::ZERO, Duration::from_secs(5)];

fn retry_fields() -> Vec<Vec<Edit<RetryConfig>>> {
    vec![
        [0, 1, 2, 3, 5, u32::MAX].map(|n| Box::new(move |c: RetryConfig| c.max(n)) as Edit<RetryConfig>).into(),
        [
            Backoff::Exponential,
            Backoff::Linear,
            Backoff::Constant,
            Backoff::Fibonacci,
            Backoff::List(&EMPTY),
            Backoff::List(&ONE),
            Backoff::List(&LONG),
            Backoff::List(&ZEROS),
        ]
        .map(|b| Box::new(move |c: RetryConfig| c.backoff(b)) as Edit<RetryConfig>)
        .into(),
        [NS(0), NS(1), MS(100), S(5), S(10)]
            .map(|d| Box::new(move |c: RetryConfig| c.base_delay(d)) as Edit<RetryConfig>)
            .into(),
        [NS(0), MS(50), S(5), S(3600)]
            .map(|d| Box::new(move |c: RetryConfig| c.max_delay(d)) as Edit<RetryConfig>)
            .into(),
        [f64::NAN, f64::NEG_INFINITY, 0.0, 0.5, 1.0, 2.0, 3.0, f64::INFINITY]
            .map(|m| Box::new(move |c: RetryConfig| c.multiplier(m)) as Edit<RetryConfig>)
            .into(),
        vec![
            Box::new(|c: RetryConfig| RetryConfig { increment: None, ..c }),
            Box::new(|c: RetryConfig| c.increment(NS(0))),
            Box::new(|c: RetryConfig| c.increment(MS(50))),
        ],
        [
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::Proportional(-0.1),
            Jitter::Proportional(0.0),
            Jitter::Proportional(0.5),
            Jitter::Proportional(1.0),
            Jitter::Proportional(1.5),
            Jitter::Proportional(f64::NAN),
        ]
        .map(|j| Box::new(move |c: RetryConfig| c.jitter(j)) as Edit<RetryConfig>)
        .into(),
        vec![
            Box::new(|c: RetryConfig| RetryConfig { budget: None, ..c }),
            Box::new(|c: RetryConfig| c.budget(NS(0))),
            Box::new(|c: RetryConfig| c.budget(NS(1))),
            Box::new(|c: RetryConfig| c.budget(S(1))),
        ],
    ]
}

/// The checks of the runtime's `RetryConfig::validate` before this crate.
fn retry_old_rejects(c: &RetryConfig) -> bool {
    c.max == 0
        || c.base_delay > c.max_delay
        || !(c.multiplier.is_finite() && c.multiplier >= 1.0)
        || matches!(c.jitter, Jitter::Proportional(p) if !(0.0..=1.0).contains(&p))
        || matches!(c.backoff, Backoff::List(l) if l.is_empty() || l.len() as u32 + 1 != c.max || l.iter().any(|d| *d > c.max_delay))
        || c.budget == Some(Duration::ZERO)
}

#[test]
fn retry() {
    agree(
        configs(RetryConfig::new(), &retry_fields(), 20_000),
        RetryConfig::KEYS,
        RetryConfig::validate,
        RetryConfig::errors,
        retry_old_rejects,
    );
}

#[test]
fn retry_budget() {
    let fields: Vec<Vec<Edit<RetryBudgetConfig>>> = vec![
        [f64::NAN, f64::INFINITY, -1.0, 0.0, 0.2, 1000.0, 1000.5]
            .map(|r| Box::new(move |c: RetryBudgetConfig| c.ratio(r)) as Edit<RetryBudgetConfig>)
            .into(),
        [0, 10, u32::MAX]
            .map(|n| Box::new(move |c: RetryBudgetConfig| c.min_per_sec(n)) as Edit<RetryBudgetConfig>)
            .into(),
        [NS(0), MS(999), S(1), S(10), S(60), S(61)]
            .map(|d| Box::new(move |c: RetryBudgetConfig| c.ttl(d)) as Edit<RetryBudgetConfig>)
            .into(),
    ];
    agree(
        configs(RetryBudgetConfig::new(), &fields, 2_000),
        RetryBudgetConfig::KEYS,
        RetryBudgetConfig::validate,
        RetryBudgetConfig::errors,
        |c| !(c.ratio.is_finite() && (0.0..=1000.0).contains(&c.ratio)) || c.ttl < S(1) || c.ttl > S(60),
    );
}

fn circuit_breaker_fields() -> Vec<Vec<Edit<CircuitBreakerConfig>>> {
    type C = CircuitBreakerConfig;
    vec![
        [WindowKind::Count, WindowKind::Time].map(|w| Box::new(move |c: C| c.window(w)) as Edit<C>).into(),
        [0, 1, 5, 10, 100, 1_000_000, 1_000_001, u32::MAX]
            .map(|n| Box::new(move |c: C| c.window_size(n)) as Edit<C>)
            .into(),
        [f64::NAN, -0.5, 0.0, 0.01, 0.5, 1.0, 1.5]
            .map(|r| Box::new(move |c: C| c.failure_rate_threshold(r)) as Edit<C>)
            .into(),
        vec![
            Box::new(|c: C| C { slow_call_threshold: None, ..c }),
            Box::new(|c: C| c.slow_call_threshold(NS(0))),
            Box::new(|c: C| c.slow_call_threshold(MS(500))),
        ],
        [f64::NAN, 0.0, 0.5, 1.0, 2.0].map(|r| Box::new(move |c: C| c.slow_call_rate_threshold(r)) as Edit<C>).into(),
        [0, 1, 10, 20, 200, u32::MAX].map(|n| Box::new(move |c: C| c.minimum_calls(n)) as Edit<C>).into(),
        [NS(0), NS(1), S(60)].map(|d| Box::new(move |c: C| c.open_timeout(d)) as Edit<C>).into(),
        [0, 1, 5].map(|n| Box::new(move |c: C| c.permitted_calls_in_half_open(n)) as Edit<C>).into(),
    ]
}

/// The checks of the runtime's `CircuitBreakerConfig::validate` before this crate.
fn circuit_breaker_old_rejects(c: &CircuitBreakerConfig) -> bool {
    c.window_size == 0
        || c.window_size > 1_000_000
        || !(c.failure_rate_threshold > 0.0 && c.failure_rate_threshold <= 1.0)
        || !(c.slow_call_rate_threshold > 0.0 && c.slow_call_rate_threshold <= 1.0)
        || c.slow_call_threshold == Some(Duration::ZERO)
        || c.minimum_calls == 0
        || (c.window == WindowKind::Count && c.minimum_calls > c.window_size)
        || c.open_timeout.is_zero()
        || c.permitted_calls_in_half_open == 0
}

#[test]
fn circuit_breaker() {
    agree(
        configs(CircuitBreakerConfig::new(), &circuit_breaker_fields(), 20_000),
        CircuitBreakerConfig::KEYS,
        CircuitBreakerConfig::validate,
        CircuitBreakerConfig::errors,
        circuit_breaker_old_rejects,
    );
}

fn hedge_fields() -> Vec<Vec<Edit<HedgeConfig>>> {
    type C = HedgeConfig;
    vec![
        [NS(0), MS(1), MS(100), MS(200), S(10)].map(|d| Box::new(move |c: C| c.delay(d)) as Edit<C>).into(),
        {
            let mut v: Vec<Edit<C>> = vec![Box::new(|c: C| C { percentile: None, ..c })];
            v.extend(
                [0.0, 0.1, 50.0, 99.9, 100.0, f64::NAN, -5.0].map(|p| Box::new(move |c: C| c.percentile(p)) as Edit<C>),
            );
            v
        },
        [0, 1, 2, 10].map(|n| Box::new(move |c: C| c.max_requests(n)) as Edit<C>).into(),
        {
            let mut v: Vec<Edit<C>> = vec![Box::new(|c: C| C { timeout: None, ..c })];
            v.extend([NS(0), MS(50), MS(100), S(1), S(3600)].map(|d| Box::new(move |c: C| c.timeout(d)) as Edit<C>));
            v
        },
        [0, 1, 5, 10, 1000].map(|n| Box::new(move |c: C| c.buffer_size(n)) as Edit<C>).into(),
        [0, 1, 10, 20, 2000].map(|n| Box::new(move |c: C| c.min_samples(n)) as Edit<C>).into(),
        [NS(0), MS(100), S(2)].map(|d| Box::new(move |c: C| c.initial_delay(d)) as Edit<C>).into(),
        [NS(0), MS(1), MS(50), S(10)].map(|d| Box::new(move |c: C| c.min_delay(d)) as Edit<C>).into(),
        [NS(0), MS(1), S(1), S(5)].map(|d| Box::new(move |c: C| c.max_delay(d)) as Edit<C>).into(),
        [f64::NAN, f64::INFINITY, -1.0, 0.0, 0.5, 2.0, 10.0]
            .map(|t| Box::new(move |c: C| c.token_max(t)) as Edit<C>)
            .into(),
        [0.0, 0.1, f64::INFINITY, -0.1].map(|t| Box::new(move |c: C| c.token_success_credit(t)) as Edit<C>).into(),
        [0.0, 1.0, f64::NAN].map(|t| Box::new(move |c: C| c.token_hedge_cost(t)) as Edit<C>).into(),
        [-0.5, 0.0, 0.5, 1.0, 3.0, 20.0, f64::NAN]
            .map(|t| Box::new(move |c: C| c.token_threshold(t)) as Edit<C>)
            .into(),
    ]
}

/// The checks of the runtime's `HedgeConfig::validate` before this crate.
fn hedge_old_rejects(c: &HedgeConfig) -> bool {
    let positive = |t: f64| t.is_finite() && t > 0.0;
    matches!(c.percentile, Some(p) if !(p.is_finite() && p > 0.0 && p < 100.0))
        || c.max_requests == 0
        || c.timeout == Some(Duration::ZERO)
        || matches!(c.timeout, Some(t) if c.percentile.is_none() && c.delay >= t)
        || c.min_delay > c.max_delay
        || c.buffer_size == 0
        || c.min_samples == 0
        || c.min_samples > c.buffer_size
        || !positive(c.token_max)
        || !positive(c.token_success_credit)
        || !positive(c.token_hedge_cost)
        || !(c.token_threshold.is_finite() && c.token_threshold >= 0.0 && c.token_threshold <= c.token_max)
}

#[test]
fn hedge() {
    agree(
        configs(HedgeConfig::new(), &hedge_fields(), 20_000),
        HedgeConfig::KEYS,
        HedgeConfig::validate,
        HedgeConfig::errors,
        hedge_old_rejects,
    );
}

#[test]
fn timeout() {
    let fields: Vec<Vec<Edit<TimeoutConfig>>> =
        vec![[NS(0), NS(1), S(1)].map(|d| Box::new(move |c: TimeoutConfig| c.after(d)) as Edit<TimeoutConfig>).into()];
    let configs = configs(TimeoutConfig::new(S(1)), &fields, 0);
    for c in &configs {
        assert_eq!(c.validate().is_err(), c.after.is_zero());
        assert_eq!(c.validate().err(), c.errors(KeySet::EMPTY).first().copied());
    }
}

/// Where the new rules are stricter than the runtime's, on purpose.
#[test]
fn stricter_than_the_runtime_was() {
    let stricter = [
        // `token_threshold = 0` (the attribute's rule).
        HedgeConfig::new().token_threshold(0.0).validate(),
        // The adaptive first delays before the deadline (the attribute's rule).
        HedgeConfig::new().percentile(95.0).timeout(MS(50)).validate(),
        HedgeConfig::new()
            .percentile(95.0)
            .initial_delay(MS(10))
            .min_delay(MS(60))
            .max_delay(S(1))
            .timeout(MS(50))
            .validate(),
    ];
    for result in stricter {
        assert!(result.is_err());
    }
    // And what stays allowed: a config value cannot tell a written key from a default, so
    // the rules about written keys that have no effect are not part of `validate`.
    assert!(HedgeConfig::new().percentile(99.0).delay(MS(500)).timeout(MS(200)).validate().is_ok());
    assert!(HedgeConfig::new().buffer_size(500).validate().is_ok());
    assert!(RetryConfig::new().backoff(Backoff::Linear).multiplier(3.0).validate().is_ok());
    assert!(CircuitBreakerConfig::new().slow_call_rate_threshold(0.5).validate().is_ok());
}
