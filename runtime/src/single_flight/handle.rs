//! The functions guarded by `#[single_flight]`, by name, for operators and tests:
//! [`forget`] and [`stats`]. Single flight has no named, shared instance and no
//! configuration (its one argument, the key, is an expression of each call), so there is no
//! `NamedPolicy` and no registry entry of the kit: a function's group is registered here at
//! its first call, under the function's path.

use std::any::Any;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use super::state::{Group, SingleFlightStats};

/// A function's group, whatever its key and result types.
pub(crate) trait AnyGroup: Any + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn forget_any(&self, key: &dyn Any) -> bool;
    fn stats(&self) -> SingleFlightStats;
}

impl<K, R> AnyGroup for Arc<Group<K, R>>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn forget_any(&self, key: &dyn Any) -> bool {
        key.downcast_ref::<K>().is_some_and(|k| self.forget(k))
    }
    fn stats(&self) -> SingleFlightStats {
        Group::stats(self)
    }
}

/// Every guarded function that was called, with its group (a generic function has one per
/// instantiation). Written once per group, read by `forget` and `stats`: never on a call path.
static GROUPS: Mutex<Vec<(&'static str, &'static dyn AnyGroup)>> = Mutex::new(Vec::new());

pub(crate) fn register(function: &'static str, group: &'static dyn AnyGroup) {
    GROUPS.lock().unwrap_or_else(PoisonError::into_inner).push((function, group));
}

/// Whether `path` (`app::prices::load`) is `name` or ends with `::name` (`load`,
/// `prices::load`).
fn matches(path: &str, name: &str) -> bool {
    path == name || path.strip_suffix(name).is_some_and(|head| head.ends_with("::"))
}

fn each(function: &str, mut f: impl FnMut(&dyn AnyGroup)) {
    let groups = GROUPS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for (path, group) in groups {
        if matches(path, function) {
            f(group);
        }
    }
}

/// Makes the next call of the `#[single_flight]` function `function` with `key` start a
/// fresh execution, even if one is in flight; the callers already waiting on it keep it and
/// get its result. Returns whether an execution of `key` was in flight.
///
/// `function` is the function's path as `module_path!()` writes it plus its name
/// (`my_app::prices::load_price`; for a method, its module and its name, without the type),
/// or any tail of it (`prices::load_price`, `load_price`): every matching function forgets
/// `key`. `key` is of the key's owned type: a `String` (`&"AAPL".to_owned()`) where the key
/// expression is a `&str`. A key of another type than the function's matches nothing.
///
/// ```
/// # use resile_runtime as resile;
/// // nothing was called: nothing to forget
/// assert!(!resile::single_flight::forget("load_price", &"AAPL".to_owned()));
/// ```
pub fn forget<K: Any>(function: &str, key: &K) -> bool {
    let mut forgot = false;
    each(function, |group| forgot |= group.forget_any(key));
    forgot
}

/// The statistics of the `#[single_flight]` function `function` (named as for [`forget`]),
/// summed over every matching function and instantiation; `None` before its first call.
pub fn stats(function: &str) -> Option<SingleFlightStats> {
    let mut total: Option<SingleFlightStats> = None;
    each(function, |group| {
        let s = group.stats();
        let t = total.get_or_insert_with(SingleFlightStats::default);
        t.in_flight += s.in_flight;
        t.started += s.started;
        t.joined += s.joined;
    });
    total
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn a_function_is_named_by_its_path_or_a_tail_of_it() {
        assert!(matches("app::prices::load", "app::prices::load"));
        assert!(matches("app::prices::load", "prices::load"));
        assert!(matches("app::prices::load", "load"));
        assert!(!matches("app::prices::load", "oad"));
        assert!(!matches("app::prices::load", "s::load"));
        assert!(!matches("app::prices::load", "app::prices"));
    }
}
