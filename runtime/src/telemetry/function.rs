//! [`Function`]: how telemetry names a guarded function, with the impl type for a method.

use std::fmt;
use std::marker::PhantomData;

/// A guarded function as telemetry names it, in the span's `function` field, in
/// every event's, and in [`Event`](super::Event) values: `Orders::get` for a method (the
/// impl type without its module path or generic arguments, then the fn's name), and the
/// fn's path, `my_crate::orders::load`, for a free function.
///
/// The impl type is known only where the expansion can be sure that `Self` exists: a method
/// with a receiver (`self`, `&self`, `&mut self`, `self: Arc<Self>`, ...) or with `Self` in
/// its signature. An associated function with neither (`fn new_client(url: &str)` inside an
/// `impl`) cannot be told apart from a free function, and is named by its path,
/// `my_crate::orders::new_client`.
///
/// Built only when an event is written: the call path carries the impl type as a
/// zero-sized [`ImplType`] and asks it for the name then.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Function {
    path: &'static str,
    impl_type: Option<&'static str>,
}

impl Function {
    /// The function at `path` (`module::path::fn`), a method of `impl_type` (as
    /// [`std::any::type_name`] gives it) when `Some`.
    pub const fn new(path: &'static str, impl_type: Option<&'static str>) -> Self {
        Function { path, impl_type }
    }

    /// The free function (or a policy value named) `path`.
    pub const fn free(path: &'static str) -> Self {
        Function { path, impl_type: None }
    }

    /// The fn's path, `module::path::fn`, as `module_path!()` gives it (for a method, the
    /// path of the module of its `impl`, then the fn's name).
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The fn's own name: the last segment of its path.
    pub fn name(&self) -> &'static str {
        self.path.rsplit("::").next().unwrap_or(self.path)
    }

    /// The impl type as [`std::any::type_name`] gave it.
    #[cfg(feature = "metrics")]
    #[inline]
    pub(crate) fn raw_impl_type(&self) -> Option<&'static str> {
        self.impl_type
    }

    /// For a method, its impl type as shown: without module path or generic arguments
    /// (`Orders` for `my_crate::orders::Orders<u64>`). `None` for a free function.
    pub fn impl_type(&self) -> Option<&'static str> {
        self.impl_type.map(short_type_name)
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.impl_type() {
            Some(ty) => write!(f, "{ty}::{}", self.name()),
            None => f.write_str(self.path),
        }
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl PartialEq<str> for Function {
    fn eq(&self, other: &str) -> bool {
        let mut shown = Shown { rest: other, equal: true };
        fmt::write(&mut shown, format_args!("{self}")).is_ok() && shown.equal && shown.rest.is_empty()
    }
}

impl PartialEq<&str> for Function {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Compares what is written with `rest`, without allocating.
struct Shown<'a> {
    rest: &'a str,
    equal: bool,
}

impl fmt::Write for Shown<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) if self.equal => self.rest = rest,
            _ => self.equal = false,
        }
        Ok(())
    }
}

/// `Orders` for `my_crate::orders::Orders<my_crate::Id>`: the last path segment outside
/// any generic arguments, without them; references and trait objects are shown as the type
/// behind them (`Orders` for `&'static my_crate::Orders` or `&mut dyn my_crate::Orders`).
/// Any other type that is not a path (`[T]`, `(A, B)`) is shown whole, as `type_name` gives
/// it.
fn short_type_name(full: &'static str) -> &'static str {
    let mut behind = full;
    while let Some(inner) = behind
        .strip_prefix('&')
        .map(|rest| rest.strip_prefix("mut ").unwrap_or(rest))
        .or_else(|| behind.strip_prefix("dyn "))
    {
        behind = inner.trim_start();
    }
    let head = match behind.find('<') {
        Some(i) => &behind[..i],
        None => behind,
    };
    if head.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ':') {
        return head.rsplit("::").next().unwrap_or(head);
    }
    full
}

/// What a guarded call carries to name its impl type in telemetry: nothing at run time (a
/// zero-sized value), asked for the name only when an event is written. The expansion
/// passes [`Method<Self>`](Method) where `Self` is known to exist, [`Free`] otherwise.
pub trait ImplType: Copy {
    /// The impl type as [`std::any::type_name`] gives it; `None` for a free function.
    fn impl_type(self) -> Option<&'static str>;

    /// The function at `path` with this impl type.
    #[inline]
    fn function(self, path: &'static str) -> Function {
        Function::new(path, self.impl_type())
    }
}

/// A free function (or an associated one whose `Self` the expansion cannot see).
#[derive(Debug, Clone, Copy, Default)]
pub struct Free;

impl ImplType for Free {
    #[inline]
    fn impl_type(self) -> Option<&'static str> {
        None
    }
}

/// A method of `T`.
pub struct Method<T: ?Sized>(PhantomData<fn(&T)>);

impl<T: ?Sized> Method<T> {
    /// The marker for a method of `T`.
    #[inline(always)]
    pub const fn new() -> Self {
        Method(PhantomData)
    }
}

impl<T: ?Sized> Default for Method<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: ?Sized> Clone for Method<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Method<T> {}

impl<T: ?Sized> fmt::Debug for Method<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Method<{}>", std::any::type_name::<T>())
    }
}

impl<T: ?Sized> ImplType for Method<T> {
    #[inline]
    fn impl_type(self) -> Option<&'static str> {
        Some(std::any::type_name::<T>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod orders {
        pub(super) struct Orders<T>(#[allow(dead_code)] T);
    }

    #[test]
    fn a_method_is_named_by_its_impl_type_without_module_or_generics() {
        let f = Method::<orders::Orders<Vec<u8>>>::new().function("app::db::get");
        assert_eq!(f.to_string(), "Orders::get");
        assert_eq!((f.impl_type(), f.name(), f.path()), (Some("Orders"), "get", "app::db::get"));
        assert_eq!(f, "Orders::get");
        assert_ne!(f, "Orders::ge");
        assert_ne!(f, "Orders::gets");
    }

    #[test]
    fn a_free_function_is_named_by_its_path() {
        let f = Free.function("app::db::load");
        assert_eq!(f.to_string(), "app::db::load");
        assert_eq!(f.impl_type(), None);
        assert_eq!(format!("{f:?}"), "\"app::db::load\"");
    }

    #[test]
    fn a_reference_or_trait_object_is_named_by_the_type_behind_it() {
        assert_eq!(short_type_name("u64"), "u64");
        assert_eq!(short_type_name("&str"), "str");
        assert_eq!(short_type_name("&app::repo::Plain"), "Plain");
        assert_eq!(short_type_name("&mut &app::Repo<u8>"), "Repo");
        assert_eq!(short_type_name("dyn app::Repo"), "Repo");
        assert_eq!(short_type_name("&dyn app::Repo + Send"), "&dyn app::Repo + Send");
    }

    #[test]
    fn a_type_that_is_not_a_path_keeps_its_shape() {
        assert_eq!(short_type_name("[u8]"), "[u8]");
        assert_eq!(short_type_name("(u8, app::Id)"), "(u8, app::Id)");
    }
}
