//! Loom model of the shard lock of keyed families (`kit::ShardLock`): a reader and a writer,
//! or two writers, racing on one shard never access the value in a way that races (loom's
//! cell checks every access against the others), a reader sees a writer's whole write or
//! none of it, two writers exclude each other, and every lock is released at the end.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p resile-runtime --release --test keyed_loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use resile_runtime::kit::ShardLock;

/// `loom::model` with room for the lock's waits: each is a loop that yields the thread,
/// and every turn of it is a branch of the model. Bounded to two preemptions, as is
/// usual for spin loops (every interleaving of the lock's atomics with up to two
/// involuntary switches; the waits' voluntary ones are not counted).
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.max_branches = 100_000;
    builder.check(f);
}

/// A writer updates a pair whose halves must agree while a reader reads it: the reader never
/// sees half a write, and the lock's word is back to zero at the end.
#[test]
fn readers_never_see_half_a_write() {
    model(|| {
        let lock = Arc::new(ShardLock::new((0u64, 0u64)));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut pair = lock.write();
                pair.0 += 1;
                pair.1 += 1;
            })
        };
        {
            let pair = lock.read();
            assert_eq!(pair.0, pair.1, "a reader saw half a write");
        }
        writer.join().unwrap();
        assert_eq!(*lock.read(), (1, 1));
        assert_eq!(lock.state(), 0, "every lock was released");
    });
}

/// Two writers racing: they exclude each other (no update is lost).
#[test]
fn two_writers_exclude_each_other() {
    model(|| {
        let lock = Arc::new(ShardLock::new(0u64));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 1)
        };
        *lock.write() += 1;
        writer.join().unwrap();
        assert_eq!(*lock.read(), 2, "no update was lost");
        assert_eq!(lock.state(), 0, "every lock was released");
    });
}

/// A reader that comes while a writer holds the lock steps back and comes again: it gets
/// in after the write, and sees it; its second read never goes back.
#[test]
fn a_reader_stepping_back_gets_in_after_the_writer() {
    model(|| {
        let lock = Arc::new(ShardLock::new(0u64));
        let mut held = lock.write();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                let first = *lock.read();
                let second = *lock.read();
                (first, second)
            })
        };
        *held = 10;
        drop(held);
        let (first, second) = reader.join().unwrap();
        assert_eq!((first, second), (10, 10), "a reader got in before the write was done");
        assert_eq!(lock.state(), 0, "every lock was released");
    });
}
