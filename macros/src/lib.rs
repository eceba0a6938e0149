//! resile macros
