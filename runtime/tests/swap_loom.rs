//! Loom model of the configuration swap (`kit::Swap`) racing calls: a call that loads the
//! settings while a reconfiguration stores new ones sees one whole value, the old or the
//! new (never a torn one, never freed under it), and once it has seen the new one it never
//! sees the old one again; the value a call loaded stays valid to the call's end.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p resile-runtime --release --test swap_loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use resile_runtime::kit::Swap;

/// Settings whose fields must agree: a torn read would show two generations at once.
#[derive(Debug)]
struct Settings {
    generation: u64,
    check: u64,
}

fn settings(generation: u64) -> Settings {
    Settings { generation, check: generation * 7 }
}

/// One reconfiguration thread stores generations 1 and 2 while a call loads twice and a
/// second call loads once: every load is whole, loads by one call never go back, and a
/// call's loaded value is still readable after the stores.
#[test]
fn a_call_sees_whole_settings_that_never_go_back() {
    loom::model(|| {
        let swap = Arc::new(Swap::new(settings(0)));
        let writer = {
            let swap = swap.clone();
            thread::spawn(move || {
                swap.store(settings(1));
                swap.store(settings(2));
            })
        };
        let call = {
            let swap = swap.clone();
            thread::spawn(move || {
                let first = swap.load();
                let first_generation = first.generation;
                assert_eq!(first.check, first.generation * 7);
                let second = swap.load();
                assert_eq!(second.check, second.generation * 7);
                assert!(second.generation >= first_generation, "settings went back");
                // What the call started with stays valid however many stores followed.
                (first.generation, first.check)
            })
        };
        let other = {
            let swap = swap.clone();
            thread::spawn(move || {
                let s = swap.load();
                assert_eq!(s.check, s.generation * 7);
            })
        };
        writer.join().unwrap();
        let (generation, check) = call.join().unwrap();
        assert_eq!(check, generation * 7);
        other.join().unwrap();
        assert_eq!(swap.load().generation, 2);
    });
}
