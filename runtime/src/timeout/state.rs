//! A timeout keeps no state of its own: its only state is its deadline, which tokio's timer
//! wheel keeps (`tokio::time::timeout`, wrapped in `site.rs`). This file stays, empty, so
//! that every policy folder has the same files.
