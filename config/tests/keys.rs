//! The key tables: every field has its key, the defaults as written are the defaults, the
//! attribute tables hold every key once, and `KeySet` behaves as a set.

use std::time::Duration;

use resile_config::{
    BulkheadConfig, ChaosConfig, CircuitBreakerConfig, HedgeConfig, Key, KeyKind, KeySet, RetryBudgetConfig,
    RetryConfig, TimeoutConfig, Value, duration,
};

fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|k| k.name).collect()
}

/// Destructures each config without `..`, so a new field fails to compile here until it
/// is named, and then this test until it has a key.
#[test]
fn keys_list_every_field_in_order() {
    let RetryConfig {
        max: _,
        backoff: _,
        base_delay: _,
        max_delay: _,
        multiplier: _,
        increment: _,
        jitter: _,
        budget: _,
    } = RetryConfig::new();
    assert_eq!(
        names(RetryConfig::KEYS),
        ["max", "backoff", "base_delay", "max_delay", "multiplier", "increment", "jitter", "budget"]
    );

    let RetryBudgetConfig { ratio: _, min_per_sec: _, ttl: _ } = RetryBudgetConfig::new();
    assert_eq!(names(RetryBudgetConfig::KEYS), ["ratio", "min_per_sec", "ttl"]);

    let CircuitBreakerConfig {
        window: _,
        window_size: _,
        failure_rate_threshold: _,
        slow_call_threshold: _,
        slow_call_rate_threshold: _,
        minimum_calls: _,
        open_timeout: _,
        permitted_calls_in_half_open: _,
        open_timeout_multiplier: _,
        max_open_timeout: _,
    } = CircuitBreakerConfig::new();
    assert_eq!(
        names(CircuitBreakerConfig::KEYS),
        [
            "window",
            "window_size",
            "failure_rate_threshold",
            "slow_call_threshold",
            "slow_call_rate_threshold",
            "minimum_calls",
            "open_timeout",
            "permitted_calls_in_half_open",
            "open_timeout_multiplier",
            "max_open_timeout",
        ]
    );

    let HedgeConfig {
        delay: _,
        percentile: _,
        max_requests: _,
        timeout: _,
        buffer_size: _,
        min_samples: _,
        initial_delay: _,
        min_delay: _,
        max_delay: _,
        token_max: _,
        token_success_credit: _,
        token_hedge_cost: _,
        token_threshold: _,
    } = HedgeConfig::new();
    assert_eq!(
        names(HedgeConfig::KEYS),
        [
            "delay",
            "percentile",
            "max_requests",
            "timeout",
            "buffer_size",
            "min_samples",
            "initial_delay",
            "min_delay",
            "max_delay",
            "token_max",
            "token_success_credit",
            "token_hedge_cost",
            "token_threshold",
        ]
    );

    let TimeoutConfig { after: _ } = TimeoutConfig::new(Duration::from_secs(1));
    assert_eq!(names(TimeoutConfig::KEYS), ["after"]);

    let BulkheadConfig {
        max_concurrent: _,
        max_wait: _,
        weight: _,
        adaptive: _,
        min_concurrent: _,
        initial_concurrent: _,
    } = BulkheadConfig::new(1);
    assert_eq!(
        names(BulkheadConfig::KEYS),
        ["max_concurrent", "max_wait", "weight", "adaptive", "min_concurrent", "initial_concurrent"]
    );
}

/// The attributes' argument lists, in the order their "expected one of" messages show.
#[test]
fn arguments_are_every_key_of_the_attribute_once() {
    assert_eq!(
        names(RetryConfig::ARGUMENTS),
        [
            "max",
            "backoff",
            "base_delay",
            "max_delay",
            "multiplier",
            "increment",
            "jitter",
            "budget",
            "retry_if",
            "on_retry",
            "retry_budget",
            "retry_after",
        ]
    );
    assert_eq!(
        names(CircuitBreakerConfig::ARGUMENTS),
        [
            "name",
            "window",
            "window_size",
            "failure_rate_threshold",
            "slow_call_threshold",
            "slow_call_rate_threshold",
            "minimum_calls",
            "open_timeout",
            "permitted_calls_in_half_open",
            "should_record",
            "on_state_change",
            "open_timeout_multiplier",
            "max_open_timeout",
        ]
    );
    assert_eq!(
        names(HedgeConfig::ARGUMENTS),
        [
            "delay",
            "percentile",
            "max_requests",
            "timeout",
            "name",
            "buffer_size",
            "min_samples",
            "initial_delay",
            "min_delay",
            "max_delay",
            "token_max",
            "token_success_credit",
            "token_hedge_cost",
            "token_threshold",
            "fatal",
            "on_hedge",
        ]
    );
    assert_eq!(names(TimeoutConfig::ARGUMENTS), ["after"]);
    assert_eq!(
        names(BulkheadConfig::ARGUMENTS),
        ["name", "max_concurrent", "max_wait", "weight", "adaptive", "min_concurrent", "initial_concurrent"]
    );
    for (arguments, keys, attribute_keys) in [
        (RetryConfig::ARGUMENTS, RetryConfig::KEYS, RetryConfig::ATTRIBUTE_KEYS),
        (CircuitBreakerConfig::ARGUMENTS, CircuitBreakerConfig::KEYS, CircuitBreakerConfig::ATTRIBUTE_KEYS),
        (HedgeConfig::ARGUMENTS, HedgeConfig::KEYS, HedgeConfig::ATTRIBUTE_KEYS),
        (TimeoutConfig::ARGUMENTS, TimeoutConfig::KEYS, TimeoutConfig::ATTRIBUTE_KEYS),
        (BulkheadConfig::ARGUMENTS, BulkheadConfig::KEYS, BulkheadConfig::ATTRIBUTE_KEYS),
        (ChaosConfig::ARGUMENTS, ChaosConfig::KEYS, ChaosConfig::ATTRIBUTE_KEYS),
    ] {
        let mut from_tables: Vec<Key> = keys.iter().chain(attribute_keys).copied().collect();
        let mut arguments = arguments.to_vec();
        from_tables.sort_by_key(|k| k.name);
        arguments.sort_by_key(|k| k.name);
        assert_eq!(arguments, from_tables);
        let attribute_only =
            |k: &Key| matches!(k.kind, KeyKind::Name | KeyKind::Callback { .. } | KeyKind::Expression { .. });
        assert!(attribute_keys.iter().all(attribute_only));
        assert!(!keys.iter().any(attribute_only));
        assert!(arguments.iter().all(|k| !k.doc.is_empty() && !k.doc.contains('\n') && !k.default.is_empty()));
    }
}

/// Parses a default as written in a `Key`, as an attribute or a TOML value would be parsed;
/// `None` for the defaults that are not values (`none`, `= base_delay`, `= open_timeout`, `required`).
fn parse_default(key: &Key) -> Option<Value<'static>> {
    let text = key.default;
    if text == "none" {
        return None;
    }
    if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Some(match key.kind {
            KeyKind::Duration => Value::Duration(duration::parse(quoted).expect("a duration default parses")),
            _ => Value::Word(key.word(quoted).expect("a word default is one of the key's words")),
        });
    }
    match key.kind {
        KeyKind::Count => Some(Value::Count(text.parse().expect("a count default parses"))),
        KeyKind::Number => text.parse().ok().map(Value::Number),
        _ => None,
    }
}

type Set<C> = fn(&mut C, &str, Value<'static>) -> Result<(), resile_config::ConfigError>;

/// Setting every key to its default as written leaves the default config.
fn check_written_defaults<C: Copy + PartialEq + std::fmt::Debug>(default: C, keys: &[Key], set: Set<C>) {
    let mut parsed = 0;
    for key in keys {
        let Some(value) = parse_default(key) else {
            assert!(["none", "= base_delay", "= open_timeout", "required"].contains(&key.default), "{key:?}");
            continue;
        };
        let mut c = default;
        set(&mut c, key.name, value).unwrap_or_else(|e| panic!("{}: {e}", key.name));
        assert_eq!(c, default, "`{}` = {}", key.name, key.default);
        parsed += 1;
    }
    assert!(parsed > 0);
}

/// The defaults as written in the key tables (and so in the attributes' docs) are the
/// defaults `new()` builds.
#[test]
fn written_defaults_are_the_defaults() {
    check_written_defaults(RetryConfig::new(), RetryConfig::KEYS, RetryConfig::set);
    check_written_defaults(RetryBudgetConfig::new(), RetryBudgetConfig::KEYS, RetryBudgetConfig::set);
    check_written_defaults(CircuitBreakerConfig::new(), CircuitBreakerConfig::KEYS, CircuitBreakerConfig::set);
    check_written_defaults(HedgeConfig::new(), HedgeConfig::KEYS, HedgeConfig::set);
    check_written_defaults(ChaosConfig::new(), ChaosConfig::KEYS, ChaosConfig::set);
}

#[test]
fn defaults_validate() {
    assert_eq!(RetryConfig::new().validate(), Ok(()));
    assert_eq!(RetryBudgetConfig::new().validate(), Ok(()));
    assert_eq!(CircuitBreakerConfig::new().validate(), Ok(()));
    assert_eq!(HedgeConfig::new().validate(), Ok(()));
    assert_eq!(RetryConfig::default(), RetryConfig::new());
    assert_eq!(RetryBudgetConfig::default(), RetryBudgetConfig::new());
    assert_eq!(CircuitBreakerConfig::default(), CircuitBreakerConfig::new());
    assert_eq!(HedgeConfig::default(), HedgeConfig::new());
    for errors in [
        RetryConfig::new().errors(KeySet::EMPTY),
        RetryBudgetConfig::new().errors(KeySet::ALL),
        CircuitBreakerConfig::new().errors(KeySet::EMPTY),
        HedgeConfig::new().errors(KeySet::EMPTY),
    ] {
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn key_sets() {
    const GIVEN: KeySet = KeySet::EMPTY.with("max").with("base_delay");
    assert!(GIVEN.contains("max"));
    assert!(GIVEN.contains("base_delay"));
    assert!(!GIVEN.contains("max_delay"));
    assert!(!GIVEN.contains("no_such_key"));
    assert_eq!(GIVEN, KeySet::of(&["base_delay", "max"]));
    assert_eq!(GIVEN.without("max"), KeySet::EMPTY.with("base_delay"));
    assert_eq!(GIVEN.without("no_such_key"), GIVEN);
    assert_eq!(GIVEN.with("max"), GIVEN);
    assert_eq!(GIVEN.iter().collect::<Vec<_>>(), ["max", "base_delay"]);
    assert_eq!(format!("{GIVEN:?}"), r#"{"max", "base_delay"}"#);
    assert_eq!(KeySet::EMPTY.union(GIVEN), GIVEN);
    assert!(KeySet::EMPTY.is_empty() && !GIVEN.is_empty());
    assert_eq!(KeySet::default(), KeySet::EMPTY);

    // One set serves every config; a shared name is one member.
    let all: Vec<&str> = KeySet::ALL.iter().collect();
    for table in [
        RetryConfig::ARGUMENTS,
        RetryBudgetConfig::KEYS,
        CircuitBreakerConfig::ARGUMENTS,
        HedgeConfig::ARGUMENTS,
        TimeoutConfig::ARGUMENTS,
    ] {
        for key in table {
            assert!(all.contains(&key.name), "{}", key.name);
            assert!(KeySet::EMPTY.with(key.name).contains(key.name));
        }
    }
    assert_eq!(all.iter().filter(|n| **n == "max_delay").count(), 1);
    let mut deduplicated = all.clone();
    deduplicated.sort_unstable();
    deduplicated.dedup();
    assert_eq!(deduplicated.len(), all.len());
}

#[test]
#[should_panic(expected = "not a configuration key")]
fn key_sets_refuse_unknown_names() {
    let _ = KeySet::EMPTY.with("max_attempts");
}

#[test]
fn lookups() {
    let jitter = Key::find(RetryConfig::KEYS, "jitter").expect("jitter is a key");
    assert_eq!(jitter.word("equal"), Some("equal"));
    assert_eq!(jitter.word("uniform"), None);
    assert_eq!(jitter.kind.words(), resile_config::Jitter::WORDS);
    assert!(Key::find(RetryConfig::KEYS, "retry_if").is_none());
    assert!(Key::find(RetryConfig::ARGUMENTS, "retry_if").is_some());
    assert_eq!(KeyKind::Count.words(), &[] as &[&str]);
    assert_eq!(KeyKind::Callback { signature: "fn(&E) -> bool" }.to_string(), "a path to a function `fn(&E) -> bool`");
}

/// `TRACKER_KEYS` are exactly the keys `same_tracker_settings` compares: a configuration that
/// differs from the defaults in one key shares the defaults' tracker settings unless the key
/// is one of them.
#[test]
fn tracker_keys_are_the_keys_same_tracker_settings_compares() {
    let defaults = HedgeConfig::new();
    for key in HedgeConfig::KEYS {
        let value = match key.kind {
            KeyKind::Duration => Value::Duration(Duration::from_millis(3)),
            KeyKind::Count => Value::Count(3),
            KeyKind::Number => Value::Number(0.75),
            other => panic!("no sample value for `{}` ({other:?})", key.name),
        };
        let mut changed = defaults;
        changed.set(key.name, value).unwrap_or_else(|e| panic!("`{}`: {e}", key.name));
        assert_ne!(changed, defaults, "`{}`", key.name);
        assert_eq!(
            defaults.same_tracker_settings(&changed),
            !HedgeConfig::TRACKER_KEYS.contains(&key.name),
            "`{}`",
            key.name
        );
    }
}
