//! Rules across keys and across attributes, one named function per rule (serde's
//! `check.rs` style), separate from parsing. Each error points at the key that breaks the
//! rule.

use std::time::Duration;

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
        errors.at(span, format!("`base_delay` ({base:?}) must not exceed `max_delay` ({max:?}); raise `max_delay` or lower `base_delay`"));
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
        if let Some(d) = list.iter().find(|d| **d > max) {
            errors.at(
                s.backoff.span().expect("backoff is set"),
                format!("backoff list delay {d:?} exceeds `max_delay` ({max:?}); raise `max_delay` or shorten the delay"),
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
    no_nested_reruns(layers, errors);
    no_adjacent_timeouts(layers, errors);
}

/// Two `#[retry]` (or `#[hedge]`) on one function multiply their attempts.
fn no_nested_reruns(layers: &[Layer], errors: &mut Errors) {
    for kind in [Kind::Retry, Kind::Hedge] {
        let mut same = layers.iter().filter(|l| l.kind == kind);
        if let (Some(_), Some(second)) = (same.next(), same.next()) {
            let n = kind.name();
            errors.at(second.span, format!("duplicate `#[{n}]`: stacked `#[{n}]`s multiply their attempts; keep one"));
        }
    }
}

/// `#[timeout(a)] #[timeout(b)]` with nothing between: only the shorter one can fire.
fn no_adjacent_timeouts(layers: &[Layer], errors: &mut Errors) {
    for pair in layers.windows(2) {
        if pair[0].kind == Kind::Timeout && pair[1].kind == Kind::Timeout {
            errors.at(
                pair[1].span,
                "duplicate `#[timeout]`: with nothing between them only the shorter can fire; keep one, or put a `#[retry]` between them to bound each attempt and the whole call",
            );
        }
    }
}
