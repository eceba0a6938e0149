//! Compile-fail and compile-pass cases for resile's attributes, run by `tests/ui.rs`.
//! This library is empty: the cases live in `fail/` and `pass/`, see `README.md`.
