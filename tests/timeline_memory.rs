//! A live `resile::timeline::capture` holds its capped entries and the state of the calls
//! running in it, not of every call it saw: memory stays flat however many calls end inside
//! it. Counted by a `#[global_allocator]` that tracks the bytes held by the measuring thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static HELD: Cell<i64> = const { Cell::new(0) };
}

fn add(bytes: i64) {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = HELD.try_with(|h| h.set(h.get() + bytes));
        }
    });
}

// SAFETY: defers every operation to `System`; counting has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug)]
struct E;

#[resile::retry(max = 2)]
async fn in_capture(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// Bytes a capture holds after `calls` calls ended in it (its first 64 calls fill the
/// entries up to the cap before counting starts).
fn held_after(calls: u64) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let (held, timeline) = resile::timeline::capture(async {
            for i in 0..64 {
                in_capture(i).await.unwrap();
            }
            HELD.with(|h| h.set(0));
            MEASURING.with(|m| m.set(true));
            for i in 0..calls {
                in_capture(i).await.unwrap();
            }
            MEASURING.with(|m| m.set(false));
            HELD.with(Cell::get)
        })
        .await;
        assert_eq!(timeline.len(), resile::timeline::DEFAULT_LIMIT);
        assert_eq!(timeline.dropped(), 64 + calls - resile::timeline::DEFAULT_LIMIT as u64);
        held
    })
}

#[test]
fn a_capture_holds_no_state_for_calls_that_ended() {
    let (few, many) = (held_after(1_000), held_after(100_000));
    assert!(many <= few.max(4096), "held {few} bytes after 1 000 calls, {many} after 100 000");
}
