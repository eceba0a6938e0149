//! Rules across keys and across attributes, one named function per rule (serde's
//! `check.rs` style), separate from parsing. Each error points at the key that breaks the
//! rule.

use std::time::Duration;

use crate::args::Slot;
use crate::attrs::circuit_breaker::{CircuitBreakerSlots, WindowArg};
use crate::attrs::hedge::HedgeSlots;
use crate::attrs::retry::{BackoffArg, RetrySlots};
use crate::attrs::{Kind, Layer};
use crate::diag::Errors;

const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(100);
const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(5);

/// Every cross-key rule of `#[retry]`.
pub(crate) fn retry(s: &RetrySlots, errors: &mut Errors) {
    base_delay_within_max_delay(s, errors);
    list_sets_max(s, errors);
    list_within_max_delay(s, errors);
    key_applies_to_backoff(s, errors);
}

fn base_delay_within_max_delay(s: &RetrySlots, errors: &mut Errors) {
    let base = s.base_delay.or(DEFAULT_BASE_DELAY);
    let max = s.max_delay.or(DEFAULT_MAX_DELAY);
    if base > max {
        let span = s.base_delay.key_span().or(s.max_delay.key_span()).expect("a default broke the rule");
        let message = if s.max_delay.is_set() {
            format!(
                "`base_delay` ({base:?}) must not exceed `max_delay` ({max:?}); raise `max_delay` or lower `base_delay`"
            )
        } else {
            format!(
                "`base_delay` ({base:?}) exceeds the default `max_delay` ({max:?}); set `max_delay` to at least {base:?}"
            )
        };
        errors.at(span, message);
    }
}

fn list_sets_max(s: &RetrySlots, errors: &mut Errors) {
    if let (Some(BackoffArg::List(list)), Some(span)) = (s.backoff.get(), s.max.key_span()) {
        errors.at(
            span,
            format!(
                "`max` cannot be combined with a backoff list: the list sets it to {} (one attempt plus one per delay); remove `max`",
                list.len() + 1
            ),
        );
    }
}

fn list_within_max_delay(s: &RetrySlots, errors: &mut Errors) {
    if let Some(BackoffArg::List(list)) = s.backoff.get() {
        let max = s.max_delay.or(DEFAULT_MAX_DELAY);
        if let Some(i) = list.iter().position(|d| *d > max) {
            let d = list[i];
            let span = s.backoff_entry_spans.get(i).copied().or(s.backoff.span()).expect("backoff is set");
            errors.at(
                span,
                format!(
                    "backoff list delay {d:?} exceeds `max_delay` ({max:?}); raise `max_delay` or shorten the delay"
                ),
            );
        }
    }
}

fn key_applies_to_backoff(s: &RetrySlots, errors: &mut Errors) {
    let backoff = s.backoff.get().cloned().unwrap_or(BackoffArg::Exponential);
    if let Some(span) = s.multiplier.key_span()
        && backoff != BackoffArg::Exponential
    {
        errors.at(span, "`multiplier` only applies to `backoff = \"exp\"`; remove it or change `backoff`");
    }
    if let Some(span) = s.increment.key_span()
        && backoff != BackoffArg::Linear
    {
        errors.at(span, "`increment` only applies to `backoff = \"linear\"`; remove it or change `backoff`");
    }
}

/// Rules across the attributes stacked on one function.
pub(crate) fn stacking(layers: &[Layer], errors: &mut Errors) {
    one_crate_path(layers, errors);
    no_nested_reruns(layers, errors);
    no_adjacent_timeouts(layers, errors);
}

/// The attributes of one function expand together, so they must agree on `crate = "..."`.
fn one_crate_path(layers: &[Layer], errors: &mut Errors) {
    use quote::ToTokens;
    let mut paths =
        layers.iter().filter_map(|l| l.krate.as_ref().map(|p| (p.to_token_stream().to_string().replace(" ", ""), l)));
    if let Some((first, _)) = paths.next() {
        for (other, layer) in paths {
            if other != first {
                errors.spanned(
                    &layer.blame,
                    format!("conflicting `crate` paths on one function: `{first}` and `{other}`; give `crate` once"),
                );
            }
        }
    }
}

/// Two `#[retry]` (or `#[hedge]`) on one function multiply their attempts.
fn no_nested_reruns(layers: &[Layer], errors: &mut Errors) {
    for kind in [Kind::Retry, Kind::Hedge] {
        let mut same = layers.iter().filter(|l| l.kind == kind);
        if let (Some(_), Some(second)) = (same.next(), same.next()) {
            let n = kind.name();
            errors.spanned(
                &second.blame,
                format!("duplicate `#[{n}]`: stacked `#[{n}]`s multiply their attempts; keep one"),
            );
        }
    }
}

/// `#[timeout(a)] #[timeout(b)]` with nothing between: only the shorter one can fire.
fn no_adjacent_timeouts(layers: &[Layer], errors: &mut Errors) {
    for pair in layers.windows(2) {
        if pair[0].kind == Kind::Timeout && pair[1].kind == Kind::Timeout {
            errors.spanned(
                &pair[1].blame,
                "duplicate `#[timeout]`: with nothing between them only the shorter can fire; keep one, or put a `#[retry]` between them to bound each attempt and the whole call",
            );
        }
    }
}

/// Every cross-key rule of `#[circuit_breaker]`.
pub(crate) fn circuit_breaker(s: &CircuitBreakerSlots, errors: &mut Errors) {
    minimum_calls_fit_count_window(s, errors);
    slow_rate_needs_slow_threshold(s, errors);
}

/// A count window of N calls can never hold more than N: a larger `minimum_calls` would
/// keep the breaker closed forever.
fn minimum_calls_fit_count_window(s: &CircuitBreakerSlots, errors: &mut Errors) {
    if s.window.or(WindowArg::Count) != WindowArg::Count {
        return;
    }
    let (min, size) = (s.minimum_calls.or(10), s.window_size.or(100));
    if min > size {
        let span = s.minimum_calls.key_span().or(s.window_size.key_span()).expect("a default broke the rule");
        let min_text = if s.minimum_calls.is_set() {
            format!("`minimum_calls` ({min})")
        } else {
            format!("the default `minimum_calls` ({min})")
        };
        let size_text = if s.window_size.is_set() {
            format!("`window_size` ({size})")
        } else {
            format!("the default `window_size` ({size})")
        };
        errors.at(
            span,
            format!(
                "{min_text} exceeds {size_text}: a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most {size}, or raise `window_size`"
            ),
        );
    }
}

fn slow_rate_needs_slow_threshold(s: &CircuitBreakerSlots, errors: &mut Errors) {
    if let Some(span) = s.slow_call_rate_threshold.key_span()
        && !s.slow_call_threshold.is_set()
    {
        errors.at(span, "`slow_call_rate_threshold` has no effect without `slow_call_threshold`; add `slow_call_threshold = \"500ms\"` or remove it");
    }
}

const DEFAULT_HEDGE_MIN_DELAY: Duration = Duration::from_millis(1);
const DEFAULT_HEDGE_MAX_DELAY: Duration = Duration::from_secs(5);

/// Every cross-key rule of `#[hedge]`.
pub(crate) fn hedge(s: &HedgeSlots, errors: &mut Errors) {
    hedge_mode_keys(s, errors);
    hedge_delays_ordered(s, errors);
    hedge_delay_before_timeout(s, errors);
    hedge_budget_reachable(s, errors);
}

/// `delay` is the static mode's; the tracker keys are the adaptive mode's.
fn hedge_mode_keys(s: &HedgeSlots, errors: &mut Errors) {
    if s.percentile.is_set() {
        if let Some(span) = s.delay.key_span() {
            errors.at(span, "`delay` is the static delay, but `percentile` makes the delay adaptive; use `initial_delay` for the delay before enough samples");
        }
        return;
    }
    let adaptive = [
        ("buffer_size", s.buffer_size.key_span()),
        ("min_samples", s.min_samples.key_span()),
        ("initial_delay", s.initial_delay.key_span()),
        ("min_delay", s.min_delay.key_span()),
        ("max_delay", s.max_delay.key_span()),
    ];
    for (key, span) in adaptive {
        if let Some(span) = span {
            errors.at(
                span,
                format!("`{key}` only applies to the adaptive mode; add `percentile = 95.0` or remove `{key}`"),
            );
        }
    }
}

fn hedge_delays_ordered(s: &HedgeSlots, errors: &mut Errors) {
    let (min, max) = (s.min_delay.or(DEFAULT_HEDGE_MIN_DELAY), s.max_delay.or(DEFAULT_HEDGE_MAX_DELAY));
    if min > max {
        let span = s.min_delay.key_span().or(s.max_delay.key_span()).expect("a default broke the rule");
        errors.at(
            span,
            format!(
                "`min_delay` ({min:?}) must not exceed `max_delay` ({max:?}); raise `max_delay` or lower `min_delay`"
            ),
        );
    }
    if let (Some(min_samples), Some(buffer)) = (s.min_samples.get(), s.buffer_size.get())
        && min_samples > buffer
    {
        errors.at(
            s.min_samples.key_span().expect("set"),
            format!("`min_samples` ({min_samples}) exceeds `buffer_size` ({buffer}): the tracker never holds that many samples"),
        );
    }
}

/// A hedge that fires at or after the deadline can never help: in static mode `delay`, in
/// adaptive mode `initial_delay` and `min_delay` (the delay is never below it) must be
/// shorter than `timeout`.
fn hedge_delay_before_timeout(s: &HedgeSlots, errors: &mut Errors) {
    let Some(timeout) = s.timeout.get() else { return };
    let delays: &[(&str, &Slot<Duration>, Duration)] = if s.percentile.is_set() {
        &[
            ("initial_delay", &s.initial_delay, Duration::from_millis(100)),
            ("min_delay", &s.min_delay, DEFAULT_HEDGE_MIN_DELAY),
        ]
    } else {
        &[("delay", &s.delay, Duration::from_millis(100))]
    };
    for (key, slot, default) in delays {
        let delay = slot.or(*default);
        if delay < *timeout {
            continue;
        }
        let span = slot.key_span().or(s.timeout.key_span()).expect("timeout is set");
        let message = if slot.is_set() {
            format!("`{key}` ({delay:?}) must be shorter than `timeout` ({timeout:?}), or no hedge could ever start")
        } else {
            format!(
                "the default `{key}` ({delay:?}) is not shorter than `timeout` ({timeout:?}); set `{key}` below it, or no hedge could ever start"
            )
        };
        errors.at(span, message);
    }
}

/// With `token_threshold` above `token_max`, the bucket never allows a hedge.
fn hedge_budget_reachable(s: &HedgeSlots, errors: &mut Errors) {
    let (threshold, max) = (s.token_threshold.or(1.0), s.token_max.or(10.0));
    if threshold > max {
        let span = s.token_threshold.key_span().or(s.token_max.key_span()).expect("a default broke the rule");
        errors.at(span, format!("`token_threshold` ({threshold}) exceeds `token_max` ({max}): the hedge budget could never allow a hedge"));
    }
}
