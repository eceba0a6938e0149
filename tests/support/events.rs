//! The `resile` log events of one test, as `(level, message)`: [`Events::capture`].
//!
//! One process-wide subscriber hands each event to the capture of the thread it happens on:
//! each test of a file runs on a thread of its own, and its paused-clock runtime runs its
//! tasks there. (A subscriber per test thread, `set_default`, was racy: tracing caches each
//! event site's interest process-wide, and a site that another test's thread hit while the
//! cache was being rebuilt could stay silent for this one: 8 failures in 160 runs of
//! `live_config` under load.)

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

use tracing::Level;
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The `resile` events captured on this thread, in order.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<(Level, String)>>>);

/// Captures until dropped.
pub struct Capturing(());

thread_local! {
    static CAPTURE: RefCell<Option<Events>> = const { RefCell::new(None) };
}

impl Events {
    /// Captures the `resile` events of this thread until the guard is dropped.
    pub fn capture() -> (Self, Capturing) {
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| {
            tracing::subscriber::set_global_default(Registry::default().with(ToThread))
                .expect("the only subscriber of this test binary");
        });
        let events = Events::default();
        CAPTURE.with(|c| *c.borrow_mut() = Some(events.clone()));
        (events, Capturing(()))
    }

    /// The messages at `level`.
    pub fn at(&self, level: Level) -> Vec<String> {
        self.0.lock().unwrap().iter().filter(|(l, _)| *l == level).map(|(_, m)| m.clone()).collect()
    }
}

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}

/// Hands a `resile` event to the capture of the thread it happens on, if any.
struct ToThread;

impl<S: tracing::Subscriber> Layer<S> for ToThread {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        if event.metadata().target() != "resile" {
            return;
        }
        CAPTURE.with(|c| {
            if let Some(events) = &*c.borrow() {
                let mut message = Message(String::new());
                event.record(&mut message);
                events.0.lock().unwrap().push((*event.metadata().level(), message.0));
            }
        });
    }
}
