//! `set` by name: every key of every config, the values each kind takes, and the errors.

use std::time::Duration;

use resile_config::{
    Backoff, Blame, CircuitBreakerConfig, ConfigError, HedgeConfig, Jitter, Key, KeyKind, Problem, RetryBudgetConfig,
    RetryConfig, TimeoutConfig, Value, WindowKind,
};

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

type Set<C> = fn(&mut C, &str, Value<'static>) -> Result<(), ConfigError>;

/// Sets each `(key, value)` on a default config and compares with the config the setters
/// build; every key of `keys` must be covered.
#[track_caller]
fn every_key<C: Copy + PartialEq + std::fmt::Debug>(
    default: C,
    keys: &[Key],
    set: Set<C>,
    cases: Vec<(&'static str, Value<'static>, C)>,
) {
    for key in keys {
        assert!(cases.iter().any(|(k, ..)| k == &key.name), "no `set` case for `{}`", key.name);
    }
    for (key, value, expected) in cases {
        let mut c = default;
        set(&mut c, key, value).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(c, expected, "{key}");
        assert_ne!(c, default, "{key}: the case changes the config");
    }
}

#[test]
fn retry() {
    let c = RetryConfig::new();
    every_key(
        c,
        RetryConfig::KEYS,
        RetryConfig::set,
        vec![
            ("max", Value::Count(5), c.max(5)),
            ("backoff", Value::Word("linear"), c.backoff(Backoff::Linear)),
            ("backoff", Value::Word("fibonacci"), c.backoff(Backoff::Fibonacci)),
            ("base_delay", Value::Duration(ms(50)), c.base_delay(ms(50))),
            ("max_delay", Value::Duration(ms(500)), c.max_delay(ms(500))),
            ("multiplier", Value::Number(1.5), c.multiplier(1.5)),
            ("multiplier", Value::Count(3), c.multiplier(3.0)),
            ("increment", Value::Duration(ms(20)), c.increment(ms(20))),
            ("jitter", Value::Word("none"), c.jitter(Jitter::None)),
            ("jitter", Value::Number(0.25), c.jitter(Jitter::Proportional(0.25))),
            ("jitter", Value::Count(1), c.jitter(Jitter::Proportional(1.0))),
            ("budget", Value::Duration(ms(900)), c.budget(ms(900))),
        ],
    );
    // "exp" and "exponential" are one backoff, the default.
    let mut linear = c.backoff(Backoff::Linear);
    linear.set("backoff", Value::Word("exponential")).unwrap();
    assert_eq!(linear, c);
    // A list is leaked to `'static` and sets `max` as the setter does.
    let mut listed = c;
    listed.set("backoff", Value::Durations(vec![ms(100), ms(500), ms(2000)])).unwrap();
    static LIST: [Duration; 3] = [ms(100), ms(500), ms(2000)];
    assert_eq!(listed.backoff, Backoff::List(&LIST));
    assert_eq!(listed.max, 4);
}

#[test]
fn retry_budget() {
    let c = RetryBudgetConfig::new();
    every_key(
        c,
        RetryBudgetConfig::KEYS,
        RetryBudgetConfig::set,
        vec![
            ("ratio", Value::Number(0.5), c.ratio(0.5)),
            ("ratio", Value::Count(2), c.ratio(2.0)),
            ("min_per_sec", Value::Count(0), c.min_per_sec(0)),
            ("ttl", Value::Duration(ms(30_000)), c.ttl(ms(30_000))),
        ],
    );
}

#[test]
fn circuit_breaker() {
    let c = CircuitBreakerConfig::new();
    every_key(
        c,
        CircuitBreakerConfig::KEYS,
        CircuitBreakerConfig::set,
        vec![
            ("window", Value::Word("time"), c.window(WindowKind::Time)),
            ("window_size", Value::Count(50), c.window_size(50)),
            ("failure_rate_threshold", Value::Number(0.25), c.failure_rate_threshold(0.25)),
            ("slow_call_threshold", Value::Duration(ms(500)), c.slow_call_threshold(ms(500))),
            ("slow_call_rate_threshold", Value::Number(0.75), c.slow_call_rate_threshold(0.75)),
            ("minimum_calls", Value::Count(20), c.minimum_calls(20)),
            ("open_timeout", Value::Duration(ms(10_000)), c.open_timeout(ms(10_000))),
            ("permitted_calls_in_half_open", Value::Count(3), c.permitted_calls_in_half_open(3)),
            ("open_timeout_multiplier", Value::Number(2.0), c.open_timeout_multiplier(2.0)),
            ("open_timeout_multiplier", Value::Count(3), c.open_timeout_multiplier(3.0)),
            ("max_open_timeout", Value::Duration(ms(300_000)), c.max_open_timeout(ms(300_000))),
        ],
    );
}

#[test]
fn hedge() {
    let c = HedgeConfig::new();
    every_key(
        c,
        HedgeConfig::KEYS,
        HedgeConfig::set,
        vec![
            ("delay", Value::Duration(ms(50)), c.delay(ms(50))),
            ("percentile", Value::Number(95.0), c.percentile(95.0)),
            ("percentile", Value::Count(99), c.percentile(99.0)),
            ("max_requests", Value::Count(3), c.max_requests(3)),
            ("timeout", Value::Duration(ms(2000)), c.timeout(ms(2000))),
            ("buffer_size", Value::Count(500), c.buffer_size(500)),
            ("min_samples", Value::Count(20), c.min_samples(20)),
            ("initial_delay", Value::Duration(ms(20)), c.initial_delay(ms(20))),
            ("min_delay", Value::Duration(ms(2)), c.min_delay(ms(2))),
            ("max_delay", Value::Duration(ms(900)), c.max_delay(ms(900))),
            ("token_max", Value::Number(20.0), c.token_max(20.0)),
            ("token_success_credit", Value::Number(0.5), c.token_success_credit(0.5)),
            ("token_hedge_cost", Value::Count(2), c.token_hedge_cost(2.0)),
            ("token_threshold", Value::Number(2.0), c.token_threshold(2.0)),
        ],
    );
}

#[test]
fn timeout() {
    let c = TimeoutConfig::new(ms(1000));
    every_key(c, TimeoutConfig::KEYS, TimeoutConfig::set, vec![("after", Value::Duration(ms(250)), c.after(ms(250)))]);
}

/// What a failed `set` says, and that it leaves the config as it was.
fn refused<C: Copy + PartialEq + std::fmt::Debug>(
    mut c: C,
    set: Set<C>,
    key: &str,
    value: Value<'static>,
) -> ConfigError {
    let before = c;
    let e = set(&mut c, key, value).expect_err("refused");
    assert_eq!(c, before, "a refused value changes nothing");
    e
}

#[test]
fn unknown_keys() {
    let e = refused(RetryConfig::new(), RetryConfig::set, "max_attempts", Value::Count(3));
    assert_eq!((e.key(), e.blame()), ("", Blame::Key));
    assert_eq!(
        e.to_string(),
        "unknown key `max_attempts`; expected one of: `max`, `backoff`, `base_delay`, `max_delay`, `multiplier`, `increment`, `jitter`, `budget`"
    );
    // Attribute-only keys are not config keys.
    let e = refused(CircuitBreakerConfig::new(), CircuitBreakerConfig::set, "name", Value::Word("db"));
    assert!(matches!(e.problem(), Problem::UnknownKey { found, .. } if found.as_str() == "name"));
    // A long key is kept in part.
    let long = "a_key_name_far_longer_than_forty_bytes_is_cut";
    let e = refused(HedgeConfig::new(), HedgeConfig::set, long, Value::Count(1));
    assert!(e.to_string().starts_with("unknown key `a_key_name_far_longer_than_forty_bytes_i…`;"), "{e}");
    let e = refused(HedgeConfig::new(), HedgeConfig::set, "délai_très_long_avec_des_accents_éèà", Value::Count(1));
    assert!(e.to_string().starts_with("unknown key `délai_très_long_avec_des_accents_éè…`;"), "{e}");
    let e = refused(TimeoutConfig::new(ms(1)), TimeoutConfig::set, "duration", Value::Duration(ms(1)));
    assert_eq!(e.to_string(), "unknown key `duration`; expected one of: `after`");
}

/// A bare number is never read as milliseconds (SPEC §4): the error says to add a unit.
#[test]
fn bare_numbers_are_not_durations() {
    let cases: Vec<(&str, Value<'static>, &str)> = vec![
        ("base_delay", Value::Count(100), "a duration needs a unit: write `\"100ms\"` or `\"100s\"`"),
        ("budget", Value::Number(1.5), "a duration needs a unit: write `\"1.5ms\"` or `\"1.5s\"`"),
    ];
    for (key, value, message) in cases {
        let e = refused(RetryConfig::new(), RetryConfig::set, key, value);
        assert_eq!((e.key(), e.blame(), e.to_string().as_str()), (key, Blame::Value, message));
        assert!(matches!(e.problem(), Problem::DurationWithoutUnit { index: None, .. }));
    }
    let e = refused(TimeoutConfig::new(ms(1)), TimeoutConfig::set, "after", Value::Count(5));
    assert_eq!(e.to_string(), "a duration needs a unit: write `\"5ms\"` or `\"5s\"`");
    let e = refused(CircuitBreakerConfig::new(), CircuitBreakerConfig::set, "open_timeout", Value::Count(30));
    assert_eq!(e.to_string(), "a duration needs a unit: write `\"30ms\"` or `\"30s\"`");
    let e = refused(HedgeConfig::new(), HedgeConfig::set, "delay", Value::Count(50));
    assert_eq!(e.to_string(), "a duration needs a unit: write `\"50ms\"` or `\"50s\"`");
    let e = ConfigError::without_unit("backoff", "100", Some(1));
    assert_eq!((e.index(), e.blame()), (Some(1), Blame::Value));
    assert_eq!(e.to_string(), "a backoff delay needs a unit: write `\"100ms\"` or `\"100s\"`");
}

/// The unit hint suggests only strings that `duration::parse` reads back.
#[test]
fn unit_hints_parse() {
    let hint = |found: &str, index| ConfigError::without_unit("after", found, index).to_string();
    assert_eq!(hint("1e3", None), "a duration needs a unit: write `\"1000ms\"` or `\"1000s\"`");
    assert_eq!(hint("2.50", None), "a duration needs a unit: write `\"2.5ms\"` or `\"2.5s\"`");
    assert_eq!(hint("5_000", None), "a duration needs a unit: write `\"5000ms\"` or `\"5000s\"`");
    assert_eq!(hint("-5", None), "a duration needs a unit and is never negative: write `\"5ms\"` or `\"5s\"`");
    assert_eq!(
        hint("-2e2", Some(0)),
        "a backoff delay needs a unit and is never negative: write `\"200ms\"` or `\"200s\"`"
    );
    // 1e-7 ms is a fraction of a nanosecond: only the seconds are offered.
    assert_eq!(hint("1e-7", None), "a duration needs a unit: write `\"0.0000001s\"`");
    // Neither reads back (too large): an example instead.
    assert_eq!(hint("1e30", None), "a duration needs a unit, e.g. `\"250ms\"`");
    let e = refused(TimeoutConfig::new(ms(1)), TimeoutConfig::set, "after", Value::Number(-5.0));
    assert_eq!(e.to_string(), "a duration needs a unit and is never negative: write `\"5ms\"` or `\"5s\"`");
    assert!(matches!(e.problem(), Problem::DurationWithoutUnit { negative: true, index: None, .. }));
    let e = refused(TimeoutConfig::new(ms(1)), TimeoutConfig::set, "after", Value::Number(1e3));
    assert_eq!(e.to_string(), "a duration needs a unit: write `\"1000ms\"` or `\"1000s\"`");
    for found in ["5", "1e3", "2.5", "0.001", "-7", "123456789"] {
        let message = hint(found, None);
        let suggested = message.split('"').skip(1).step_by(2);
        for s in suggested {
            assert!(resile_config::duration::parse(s).is_ok(), "{message}: {s}");
        }
    }
}

#[test]
fn values_of_the_wrong_kind() {
    let cases: Vec<(&str, Value<'static>, &str)> = vec![
        ("max", Value::Duration(ms(1)), "`max` expects an integer, found a duration"),
        ("max", Value::Number(3.0), "`max` expects an integer, found a number"),
        ("multiplier", Value::Word("double"), "`multiplier` expects a number, found a word"),
        (
            "backoff",
            Value::Count(3),
            "`backoff` expects one of `\"exp\"`, `\"exponential\"`, `\"linear\"`, `\"constant\"`, `\"fibonacci\"`, or a list of delays such as `[\"100ms\", \"500ms\", \"2s\"]`, found an integer",
        ),
        (
            "jitter",
            Value::Durations(vec![ms(1)]),
            "`jitter` expects one of `\"none\"`, `\"full\"`, `\"equal\"`, `\"decorrelated\"`, or a proportion within `0.0..=1.0`, found a list of durations",
        ),
    ];
    for (key, value, message) in cases {
        let e = refused(RetryConfig::new(), RetryConfig::set, key, value);
        assert_eq!((e.key(), e.blame(), e.to_string().as_str()), (key, Blame::Value, message));
        assert!(matches!(e.problem(), Problem::WrongValue { .. }));
    }
    let e = refused(CircuitBreakerConfig::new(), CircuitBreakerConfig::set, "window", Value::Count(1));
    assert_eq!(e.to_string(), "`window` expects one of `\"count\"`, `\"time\"`, found an integer");
}

#[test]
fn unknown_words() {
    let e = refused(RetryConfig::new(), RetryConfig::set, "jitter", Value::Word("uniform"));
    assert_eq!(
        e.to_string(),
        "unknown jitter `\"uniform\"`; expected one of `\"none\"`, `\"full\"`, `\"equal\"`, `\"decorrelated\"`, or a proportion within `0.0..=1.0`"
    );
    assert_eq!(e.blame(), Blame::Value);
    let e = refused(RetryConfig::new(), RetryConfig::set, "backoff", Value::Word("random"));
    assert_eq!(
        e.to_string(),
        "unknown backoff `\"random\"`; expected one of `\"exp\"`, `\"exponential\"`, `\"linear\"`, `\"constant\"`, `\"fibonacci\"`, or a list of delays such as `[\"100ms\", \"500ms\", \"2s\"]`"
    );
}

#[test]
fn own_rules_and_ranges() {
    let e = refused(RetryConfig::new(), RetryConfig::set, "backoff", Value::Durations(vec![]));
    assert_eq!((e.key(), e.blame()), ("backoff", Blame::Value));
    let e = refused(CircuitBreakerConfig::new(), CircuitBreakerConfig::set, "minimum_calls", Value::Count(u64::MAX));
    assert_eq!(e.to_string(), "`minimum_calls` must be at most 4294967295, found 18446744073709551615");
    let e = refused(RetryBudgetConfig::new(), RetryBudgetConfig::set, "min_per_sec", Value::Count(1 << 40));
    assert_eq!(e.key(), "min_per_sec");
    let e = refused(TimeoutConfig::new(ms(1)), TimeoutConfig::set, "after", Value::Duration(Duration::ZERO));
    assert_eq!(e.to_string(), "`after` must be greater than zero");
    // `set` checks the key's own rule only: the rules across keys are `errors`'s.
    let mut c = RetryConfig::new();
    c.set("base_delay", Value::Duration(ms(10_000))).unwrap();
    assert!(c.validate().is_err());
}

#[test]
fn kinds_say_how_to_parse() {
    for key in RetryConfig::KEYS.iter().chain(CircuitBreakerConfig::KEYS).chain(HedgeConfig::KEYS) {
        let kind = key.kind;
        match key.name {
            "backoff" => assert_eq!(kind, KeyKind::WordOrDurations(Backoff::WORDS)),
            "jitter" => assert_eq!(kind, KeyKind::WordOrProportion(Jitter::WORDS)),
            "window" => assert_eq!(kind, KeyKind::Words(WindowKind::WORDS)),
            _ => assert!(matches!(kind, KeyKind::Duration | KeyKind::Count | KeyKind::Number), "{key:?}"),
        }
    }
    for word in Backoff::WORDS {
        assert_eq!(
            Backoff::from_word(word).and_then(|b| b.word()).and_then(Backoff::from_word),
            Backoff::from_word(word)
        );
    }
    for word in Jitter::WORDS {
        assert_eq!(Jitter::from_word(word).and_then(|j| j.word()), Some(*word));
    }
    for word in WindowKind::WORDS {
        assert_eq!(WindowKind::from_word(word).map(|w| w.word()), Some(*word));
    }
}
