//! Every rule fires with its exact message, key, blame and list index, when keys are given
//! the way `#[retry(...)]` and friends give them: each through `set`, in source order, then
//! `errors(given)` for the rules across keys.

use std::time::Duration;

use resile_config::{
    Blame, CircuitBreakerConfig, ConfigError, HedgeConfig, KeySet, RetryBudgetConfig, RetryConfig, TimeoutConfig, Value,
};

/// One reported error: key, blame, list index, message.
type Reported = (&'static str, Blame, Option<usize>, String);

fn report(e: &ConfigError) -> Reported {
    (e.key(), e.blame(), e.index(), e.to_string())
}

type Set<C> = fn(&mut C, &str, Value<'static>) -> Result<(), ConfigError>;
type Errors<C> = fn(&C, KeySet) -> Vec<ConfigError>;

/// What an attribute with `args` reports, per-key errors first (in source order) and the
/// errors across keys after them.
fn attribute<C>(
    mut config: C,
    set: Set<C>,
    errors: Errors<C>,
    args: Vec<(&'static str, Value<'static>)>,
) -> Vec<Reported> {
    let mut given = KeySet::EMPTY;
    let mut reported = Vec::new();
    for (key, value) in args {
        match set(&mut config, key, value) {
            Ok(()) => given = given.with(key),
            Err(e) => reported.push(report(&e)),
        }
    }
    reported.extend(errors(&config, given).iter().map(report));
    reported
}

fn retry(args: Vec<(&'static str, Value<'static>)>) -> Vec<Reported> {
    attribute(RetryConfig::new(), RetryConfig::set, RetryConfig::errors, args)
}

fn circuit_breaker(args: Vec<(&'static str, Value<'static>)>) -> Vec<Reported> {
    attribute(CircuitBreakerConfig::new(), CircuitBreakerConfig::set, CircuitBreakerConfig::errors, args)
}

fn hedge(args: Vec<(&'static str, Value<'static>)>) -> Vec<Reported> {
    attribute(HedgeConfig::new(), HedgeConfig::set, HedgeConfig::errors, args)
}

fn budget(args: Vec<(&'static str, Value<'static>)>) -> Vec<Reported> {
    attribute(RetryBudgetConfig::new(), RetryBudgetConfig::set, RetryBudgetConfig::errors, args)
}

fn timeout(args: Vec<(&'static str, Value<'static>)>) -> Vec<Reported> {
    attribute(TimeoutConfig::new(Duration::from_secs(1)), TimeoutConfig::set, TimeoutConfig::errors, args)
}

fn ms(n: u64) -> Value<'static> {
    Value::Duration(Duration::from_millis(n))
}
fn secs(n: u64) -> Value<'static> {
    Value::Duration(Duration::from_secs(n))
}
fn count(n: u64) -> Value<'static> {
    Value::Count(n)
}
fn num(v: f64) -> Value<'static> {
    Value::Number(v)
}
fn value(key: &'static str, message: &str) -> Reported {
    (key, Blame::Value, None, message.to_string())
}
fn key(key: &'static str, message: &str) -> Reported {
    (key, Blame::Key, None, message.to_string())
}

#[track_caller]
fn check(found: Vec<Reported>, expected: Vec<Reported>) {
    assert_eq!(found, expected);
}

#[test]
fn retry_rules_on_one_value() {
    let table: Vec<(Vec<(&'static str, Value<'static>)>, Reported)> = vec![
        (vec![("max", count(0))], value("max", "`max` must be at least 1, found 0")),
        (
            vec![("backoff", Value::Durations(vec![]))],
            value(
                "backoff",
                "a backoff list needs at least one delay, e.g. `backoff = [\"100ms\", \"500ms\", \"2s\"]`",
            ),
        ),
        (vec![("multiplier", num(0.5))], value("multiplier", "`multiplier` must be at least 1.0, found 0.5")),
        (vec![("multiplier", count(0))], value("multiplier", "`multiplier` must be at least 1.0, found 0")),
        (
            vec![("multiplier", num(f64::INFINITY))],
            value("multiplier", "`multiplier` must be a finite number, found inf"),
        ),
        (vec![("multiplier", num(f64::NAN))], value("multiplier", "`multiplier` must be a finite number, found NaN")),
        (vec![("jitter", num(1.5))], value("jitter", "`jitter` must be within 0.0..=1.0, found 1.5")),
        (vec![("jitter", num(-0.1))], value("jitter", "`jitter` must be within 0.0..=1.0, found -0.1")),
        (
            vec![("jitter", count(2))],
            value("jitter", "`jitter` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.02`?"),
        ),
        (
            vec![("jitter", num(25.0))],
            value("jitter", "`jitter` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.25`?"),
        ),
        (vec![("budget", ms(0))], value("budget", "`budget` must be greater than zero")),
        (vec![("max", count(1 << 32))], value("max", "`max` must be at most 4294967295, found 4294967296")),
    ];
    for (args, expected) in table {
        check(retry(args), vec![expected]);
    }
}

#[test]
fn retry_rules_across_keys() {
    check(
        retry(vec![("base_delay", secs(2)), ("max_delay", secs(1))]),
        vec![key(
            "base_delay",
            "`base_delay` (2s) must not exceed `max_delay` (1s); raise `max_delay` or lower `base_delay`",
        )],
    );
    check(
        retry(vec![("base_delay", secs(10))]),
        vec![key(
            "base_delay",
            "`base_delay` (10s) exceeds the default `max_delay` (5s); set `max_delay` to at least 10s",
        )],
    );
    // The default `base_delay` above a written `max_delay`: blame `max_delay`.
    check(
        retry(vec![("max_delay", ms(50))]),
        vec![key(
            "max_delay",
            "`base_delay` (100ms) must not exceed `max_delay` (50ms); raise `max_delay` or lower `base_delay`",
        )],
    );
    // `max` written after the list, and before it.
    let list = || Value::Durations(vec![Duration::from_millis(100), Duration::from_millis(500)]);
    let with_max = key(
        "max",
        "`max` cannot be combined with a backoff list: the list sets it to 3 (one attempt plus one per delay); remove `max`",
    );
    check(retry(vec![("backoff", list()), ("max", count(3))]), vec![with_max.clone()]);
    check(retry(vec![("max", count(7)), ("backoff", list())]), vec![with_max]);
    check(retry(vec![("backoff", list())]), vec![]);
    check(
        retry(vec![("backoff", Value::Durations(vec![Duration::from_millis(100), Duration::from_secs(10)]))]),
        vec![(
            "backoff",
            Blame::Value,
            Some(1),
            "backoff list delay 10s exceeds `max_delay` (5s); raise `max_delay` or shorten the delay".to_string(),
        )],
    );
    check(
        retry(vec![("backoff", Value::Word("linear")), ("multiplier", num(3.0))]),
        vec![key("multiplier", "`multiplier` only applies to `backoff = \"exp\"`; remove it or change `backoff`")],
    );
    check(
        retry(vec![("backoff", Value::Word("exp")), ("increment", ms(50))]),
        vec![key("increment", "`increment` only applies to `backoff = \"linear\"`; remove it or change `backoff`")],
    );
    check(retry(vec![("backoff", Value::Word("linear")), ("increment", ms(50))]), vec![]);
    check(retry(vec![("multiplier", num(3.0))]), vec![]);
}

#[test]
fn retry_kitchen_sink_reports_each_mistake_once() {
    check(
        retry(vec![
            ("max", count(0)),
            ("backoff", Value::Word("exponentail")),
            ("jitter", num(1.5)),
            ("budget", ms(0)),
            ("multiplier", num(0.5)),
        ]),
        vec![
            value("max", "`max` must be at least 1, found 0"),
            value(
                "backoff",
                "unknown backoff `\"exponentail\"`; expected one of `\"exp\"`, `\"exponential\"`, `\"linear\"`, `\"constant\"`, `\"fibonacci\"`, or a list of delays such as `[\"100ms\", \"500ms\", \"2s\"]`",
            ),
            value("jitter", "`jitter` must be within 0.0..=1.0, found 1.5"),
            value("budget", "`budget` must be greater than zero"),
            value("multiplier", "`multiplier` must be at least 1.0, found 0.5"),
        ],
    );
}

#[test]
fn retry_budget_rules() {
    check(
        budget(vec![("ratio", num(1000.5))]),
        vec![value("ratio", "`ratio` must be within 0.0..=1000.0, found 1000.5")],
    );
    check(budget(vec![("ratio", num(-1.0))]), vec![value("ratio", "`ratio` must be within 0.0..=1000.0, found -1")]);
    check(
        budget(vec![("ratio", num(f64::NAN))]),
        vec![value("ratio", "`ratio` must be within 0.0..=1000.0, found NaN")],
    );
    check(budget(vec![("ttl", ms(500))]), vec![value("ttl", "`ttl` must be within 1s..=60s, found 500ms")]);
    check(budget(vec![("ttl", secs(61))]), vec![value("ttl", "`ttl` must be within 1s..=60s, found 61s")]);
    check(budget(vec![("ratio", num(0.0)), ("min_per_sec", count(0)), ("ttl", secs(60))]), vec![]);
}

#[test]
fn circuit_breaker_rules_on_one_value() {
    let table: Vec<(&'static str, Value<'static>, &str)> = vec![
        ("window_size", count(0), "`window_size` must be at least 1, found 0"),
        ("window_size", count(1_000_001), "`window_size` must be at most 1000000, found 1000001"),
        ("minimum_calls", count(0), "`minimum_calls` must be at least 1, found 0"),
        ("permitted_calls_in_half_open", count(0), "`permitted_calls_in_half_open` must be at least 1, found 0"),
        (
            "failure_rate_threshold",
            num(1.5),
            "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found 1.5",
        ),
        (
            "failure_rate_threshold",
            count(50),
            "`failure_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.5`?",
        ),
        (
            "failure_rate_threshold",
            num(12.5),
            "`failure_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.125`?",
        ),
        (
            "slow_call_rate_threshold",
            count(100),
            "`slow_call_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `1.0`?",
        ),
        (
            "failure_rate_threshold",
            count(101),
            "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found 101.0",
        ),
        (
            "failure_rate_threshold",
            num(0.0),
            "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found 0.0",
        ),
        (
            "failure_rate_threshold",
            num(-0.5),
            "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found -0.5",
        ),
        (
            "failure_rate_threshold",
            num(f64::NAN),
            "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found NaN",
        ),
        (
            "slow_call_rate_threshold",
            num(2.0),
            "`slow_call_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.02`?",
        ),
        ("open_timeout", secs(0), "`open_timeout` must be greater than zero"),
        ("slow_call_threshold", ms(0), "`slow_call_threshold` must be greater than zero"),
        ("window", Value::Word("sliding"), "unknown window `\"sliding\"`; expected one of `\"count\"`, `\"time\"`"),
    ];
    for (k, v, message) in table {
        // A bad `slow_call_threshold` leaves none, so the written rate would have no effect:
        // only give the rate where the threshold is the key under test.
        let mut args = vec![(k, v)];
        if k == "slow_call_rate_threshold" {
            args.insert(0, ("slow_call_threshold", ms(500)));
        }
        check(circuit_breaker(args), vec![value(k, message)]);
    }
}

#[test]
fn circuit_breaker_rules_across_keys() {
    check(
        circuit_breaker(vec![("minimum_calls", count(20)), ("window_size", count(10))]),
        vec![key(
            "minimum_calls",
            "`minimum_calls` (20) exceeds `window_size` (10): a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most 10, or raise `window_size`",
        )],
    );
    check(
        circuit_breaker(vec![("window_size", count(5))]),
        vec![key(
            "window_size",
            "the default `minimum_calls` (10) exceeds `window_size` (5): a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most 5, or raise `window_size`",
        )],
    );
    check(
        circuit_breaker(vec![("minimum_calls", count(200))]),
        vec![key(
            "minimum_calls",
            "`minimum_calls` (200) exceeds the default `window_size` (100): a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most 100, or raise `window_size`",
        )],
    );
    check(circuit_breaker(vec![("window", Value::Word("time")), ("minimum_calls", count(200))]), vec![]);
    // A bad `window_size` is reported once, not again against `minimum_calls`.
    check(
        circuit_breaker(vec![("window_size", count(0)), ("minimum_calls", count(50))]),
        vec![value("window_size", "`window_size` must be at least 1, found 0")],
    );
    check(
        circuit_breaker(vec![("slow_call_rate_threshold", num(0.5))]),
        vec![key(
            "slow_call_rate_threshold",
            "`slow_call_rate_threshold` has no effect without `slow_call_threshold`; add `slow_call_threshold = \"500ms\"` or remove it",
        )],
    );
}

#[test]
fn circuit_breaker_kitchen_sink() {
    check(
        circuit_breaker(vec![
            ("window", Value::Word("sliding")),
            ("failure_rate_threshold", num(1.5)),
            ("open_timeout", secs(0)),
            ("permitted_calls_in_half_open", count(0)),
            ("slow_call_rate_threshold", num(0.5)),
        ]),
        vec![
            value("window", "unknown window `\"sliding\"`; expected one of `\"count\"`, `\"time\"`"),
            value(
                "failure_rate_threshold",
                "`failure_rate_threshold` must be greater than 0.0 and at most 1.0, found 1.5",
            ),
            value("open_timeout", "`open_timeout` must be greater than zero"),
            value("permitted_calls_in_half_open", "`permitted_calls_in_half_open` must be at least 1, found 0"),
            key(
                "slow_call_rate_threshold",
                "`slow_call_rate_threshold` has no effect without `slow_call_threshold`; add `slow_call_threshold = \"500ms\"` or remove it",
            ),
        ],
    );
}

#[test]
fn hedge_rules_on_one_value() {
    let table: Vec<(&'static str, Value<'static>, &str)> = vec![
        ("percentile", num(100.0), "`percentile` must be within 0 < p < 100, found 100.0"),
        ("percentile", num(0.0), "`percentile` must be within 0 < p < 100, found 0.0"),
        ("percentile", num(-5.0), "`percentile` must be within 0 < p < 100, found -5.0"),
        ("percentile", num(f64::NAN), "`percentile` must be within 0 < p < 100, found NaN"),
        ("max_requests", count(0), "`max_requests` must be at least 1, found 0"),
        ("timeout", ms(0), "`timeout` must be greater than zero"),
        ("token_max", count(0), "`token_max` must be greater than 0, found 0.0"),
        ("token_success_credit", num(-0.1), "`token_success_credit` must be greater than 0, found -0.1"),
        ("token_hedge_cost", num(0.0), "`token_hedge_cost` must be greater than 0, found 0.0"),
        ("token_threshold", count(0), "`token_threshold` must be greater than 0, found 0.0"),
        ("token_max", num(f64::INFINITY), "`token_max` must be a finite number, found inf"),
        ("token_threshold", num(f64::NAN), "`token_threshold` must be a finite number, found NaN"),
    ];
    for (k, v, message) in table {
        check(hedge(vec![(k, v)]), vec![value(k, message)]);
    }
    // `buffer_size` and `min_samples` as the adaptive mode takes them.
    for k in ["buffer_size", "min_samples"] {
        check(
            hedge(vec![("percentile", num(95.0)), (k, count(0))]),
            vec![value(k, &format!("`{k}` must be at least 1, found 0"))],
        );
    }
}

#[test]
fn hedge_mode_keys() {
    check(
        hedge(vec![("percentile", num(95.0)), ("delay", ms(50))]),
        vec![key(
            "delay",
            "`delay` is the static delay, but `percentile` makes the delay adaptive; use `initial_delay` for the delay before enough samples",
        )],
    );
    let adaptive: [(&'static str, Value<'static>); 5] = [
        ("buffer_size", count(500)),
        ("min_samples", count(20)),
        ("initial_delay", ms(50)),
        ("min_delay", ms(2)),
        ("max_delay", secs(1)),
    ];
    for (k, v) in adaptive {
        check(
            hedge(vec![("delay", ms(50)), (k, v)]),
            vec![key(k, &format!("`{k}` only applies to the adaptive mode; add `percentile = 95.0` or remove `{k}`"))],
        );
    }
}

#[test]
fn hedge_orderings() {
    check(
        hedge(vec![("percentile", num(95.0)), ("min_delay", secs(2)), ("max_delay", secs(1))]),
        vec![key(
            "min_delay",
            "`min_delay` (2s) must not exceed `max_delay` (1s); raise `max_delay` or lower `min_delay`",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("min_delay", secs(10))]),
        vec![key(
            "min_delay",
            "`min_delay` (10s) exceeds the default `max_delay` (5s); set `max_delay` to at least 10s",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("buffer_size", count(10)), ("min_samples", count(20))]),
        vec![key(
            "min_samples",
            "`min_samples` (20) exceeds `buffer_size` (10): the tracker never holds that many samples",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("buffer_size", count(5))]),
        vec![key(
            "buffer_size",
            "the default `min_samples` (10) exceeds `buffer_size` (5): the tracker never holds that many samples",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("min_samples", count(2000))]),
        vec![key(
            "min_samples",
            "`min_samples` (2000) exceeds the default `buffer_size` (1000): the tracker never holds that many samples",
        )],
    );
}

#[test]
fn hedge_delays_before_timeout() {
    check(
        hedge(vec![("delay", ms(200)), ("timeout", ms(100))]),
        vec![key("delay", "`delay` (200ms) must be shorter than `timeout` (100ms), or no hedge could ever start")],
    );
    check(
        hedge(vec![("delay", ms(100)), ("timeout", ms(100))]),
        vec![key("delay", "`delay` (100ms) must be shorter than `timeout` (100ms), or no hedge could ever start")],
    );
    check(
        hedge(vec![("timeout", ms(50))]),
        vec![key(
            "timeout",
            "the default `delay` (100ms) is not shorter than `timeout` (50ms); set `delay` below it, or no hedge could ever start",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("initial_delay", secs(2)), ("timeout", secs(1))]),
        vec![key(
            "initial_delay",
            "`initial_delay` (2s) must be shorter than `timeout` (1s), or no hedge could ever start",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("timeout", ms(50))]),
        vec![key(
            "timeout",
            "the default `initial_delay` (100ms) is not shorter than `timeout` (50ms); set `initial_delay` below it, or no hedge could ever start",
        )],
    );
    check(
        hedge(vec![("percentile", num(95.0)), ("initial_delay", ms(10)), ("min_delay", ms(50)), ("timeout", ms(50))]),
        vec![key(
            "min_delay",
            "`min_delay` (50ms) must be shorter than `timeout` (50ms), or no hedge could ever start",
        )],
    );
    // Adaptive mode does not compare the (unused) static delay with the timeout.
    check(hedge(vec![("percentile", num(99.0)), ("initial_delay", ms(10)), ("timeout", ms(50))]), vec![]);
}

#[test]
fn hedge_budget() {
    check(
        hedge(vec![("token_max", num(2.0)), ("token_threshold", num(3.0))]),
        vec![key(
            "token_threshold",
            "`token_threshold` (3) exceeds `token_max` (2): the hedge budget could never allow a hedge",
        )],
    );
    check(
        hedge(vec![("token_threshold", num(20.0))]),
        vec![key(
            "token_threshold",
            "`token_threshold` (20) exceeds `token_max` (10): the hedge budget could never allow a hedge",
        )],
    );
    check(
        hedge(vec![("token_max", num(0.5))]),
        vec![key(
            "token_max",
            "`token_threshold` (1) exceeds `token_max` (0.5): the hedge budget could never allow a hedge",
        )],
    );
}

#[test]
fn hedge_kitchen_sink() {
    check(
        hedge(vec![
            ("percentile", num(100.0)),
            ("timeout", ms(0)),
            ("token_max", count(0)),
            ("min_samples", count(20)),
            ("token_threshold", num(20.0)),
        ]),
        vec![
            value("percentile", "`percentile` must be within 0 < p < 100, found 100.0"),
            value("timeout", "`timeout` must be greater than zero"),
            value("token_max", "`token_max` must be greater than 0, found 0.0"),
            key(
                "min_samples",
                "`min_samples` only applies to the adaptive mode; add `percentile = 95.0` or remove `min_samples`",
            ),
            key(
                "token_threshold",
                "`token_threshold` (20) exceeds `token_max` (10): the hedge budget could never allow a hedge",
            ),
        ],
    );
}

#[test]
fn timeout_rule() {
    check(timeout(vec![("after", ms(0))]), vec![value("after", "`after` must be greater than zero")]);
    check(timeout(vec![("after", ms(250))]), vec![]);
    assert_eq!(TimeoutConfig::new(Duration::ZERO).errors(KeySet::EMPTY).len(), 1);
}

/// `errors` on a config that already holds bad values (a config built in code) reports
/// each bad value, then the rules across keys on the defaults of those keys.
#[test]
fn errors_reset_bad_values_before_the_rules_across_keys() {
    let cfg = HedgeConfig::new().percentile(100.0).min_samples(20).token_max(0.0).token_threshold(20.0);
    let given = KeySet::of(&["percentile", "min_samples", "token_max", "token_threshold"]);
    let found: Vec<Reported> = cfg.errors(given).iter().map(report).collect();
    check(
        found,
        vec![
            value("percentile", "`percentile` must be within 0 < p < 100, found 100.0"),
            value("token_max", "`token_max` must be greater than 0, found 0.0"),
            key(
                "min_samples",
                "`min_samples` only applies to the adaptive mode; add `percentile = 95.0` or remove `min_samples`",
            ),
            key(
                "token_threshold",
                "`token_threshold` (20) exceeds `token_max` (10): the hedge budget could never allow a hedge",
            ),
        ],
    );
    // `max = 0` next to a list is reset to what the list implies, not to 3.
    static LIST: [Duration; 1] = [Duration::from_millis(100)];
    let cfg = RetryConfig::new().backoff(resile_config::Backoff::List(&LIST)).max(0);
    let found: Vec<Reported> = cfg.errors(KeySet::of(&["backoff"])).iter().map(report).collect();
    check(found, vec![value("max", "`max` must be at least 1, found 0")]);
}

#[test]
fn summaries_name_no_values() {
    let errors = [
        RetryConfig::new().max(0).validate().unwrap_err(),
        RetryConfig::new().base_delay(Duration::from_secs(10)).validate().unwrap_err(),
        HedgeConfig::new().timeout(Duration::from_millis(50)).validate().unwrap_err(),
        CircuitBreakerConfig::new().window_size(5).validate().unwrap_err(),
    ];
    let summaries: Vec<&str> = errors.iter().map(ConfigError::summary).collect();
    assert_eq!(
        summaries,
        [
            "a count is below its minimum",
            "a delay exceeds the delay that caps it",
            "a hedge delay is not shorter than `timeout`",
            "`minimum_calls` exceeds the count window's `window_size`, so the breaker could never open",
        ]
    );
}
