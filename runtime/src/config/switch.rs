//! The off switches: [`set_enabled`](super::set_enabled) for everything, and `enabled =
//! false` for one bulkhead or rate limiter (a breaker has its own `Disabled` state).
//!
//! # Cost
//! A guarded call reads one word, [`SWITCH`], with a `Relaxed` load and tests it: zero
//! means every policy is on (always, unless an operator turned something off). Only when it
//! is not zero does the call look further: the global bit, then (a bulkhead or a rate
//! limiter) the list of instances turned off, one `Acquire` load and a scan of a list as
//! long as the instances turned off.
//!
//! # Orderings
//! `SWITCH` is `Relaxed`: it publishes nothing but itself. The list is a [`Swap`], read
//! with `Acquire`; a call that sees the bit but an older list (or the reverse) acts as if
//! it had started a moment earlier or later, which a call racing an operator's switch
//! cannot tell apart anyway. Calls already running keep what they were admitted with.

use std::sync::{Mutex, OnceLock};

use crate::kit::Swap;
use std::sync::atomic::{AtomicU32, Ordering};

/// Bit 0: everything is off (`set_enabled(false)`). Bit 1: some instance is off.
static SWITCH: AtomicU32 = AtomicU32::new(0);

const ALL_OFF: u32 = 1;
const SOME_OFF: u32 = 2;

/// The addresses of the instances turned off; only read while bit 1 is set.
fn off_list() -> &'static Swap<Vec<usize>> {
    static OFF: OnceLock<Swap<Vec<usize>>> = OnceLock::new();
    OFF.get_or_init(|| Swap::new(Vec::new()))
}

/// Serialises the writers of the list and of the switch.
static WRITING: Mutex<()> = Mutex::new(());

/// Whether every policy is turned off: what a breaker's admission asks (its own
/// `Disabled` state covers one breaker). One `Relaxed` load.
#[inline(always)]
pub(crate) fn all_off() -> bool {
    SWITCH.load(Ordering::Relaxed) & ALL_OFF != 0
}

/// Whether calls through `instance` pass unguarded: everything is off, or this instance
/// is. One `Relaxed` load while everything is on.
#[inline(always)]
pub(crate) fn bypassed<T>(instance: &T) -> bool {
    let switch = SWITCH.load(Ordering::Relaxed);
    switch != 0 && bypassed_slow(switch, instance as *const T as usize)
}

#[cold]
#[inline(never)]
fn bypassed_slow(switch: u32, instance: usize) -> bool {
    switch & ALL_OFF != 0 || off_list().load().contains(&instance)
}

/// Turns everything on or off.
pub(crate) fn set_all(enabled: bool) {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if enabled {
        SWITCH.fetch_and(!ALL_OFF, Ordering::Relaxed);
    } else {
        SWITCH.fetch_or(ALL_OFF, Ordering::Relaxed);
    }
}

/// Whether everything is on.
pub(crate) fn all_on() -> bool {
    !all_off()
}

/// Turns one instance on or off; whether that changed anything.
pub(crate) fn set_one<T>(instance: &'static T, enabled: bool) -> bool {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let address = instance as *const T as usize;
    let list = off_list();
    let mut next = list.load().clone();
    let was_off = next.contains(&address);
    if enabled != was_off {
        return false;
    }
    if enabled {
        next.retain(|a| *a != address);
    } else {
        next.push(address);
    }
    let some = !next.is_empty();
    list.store(next);
    if some {
        SWITCH.fetch_or(SOME_OFF, Ordering::Relaxed);
    } else {
        SWITCH.fetch_and(!SOME_OFF, Ordering::Relaxed);
    }
    true
}

/// Whether `instance` is turned off on its own.
pub(crate) fn is_off<T>(instance: &'static T) -> bool {
    SWITCH.load(Ordering::Relaxed) & SOME_OFF != 0 && off_list().load().contains(&(instance as *const T as usize))
}
