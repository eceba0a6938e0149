//! The `resile` log events of one test, with their fields: [`Events::capture`].
//!
//! One process-wide subscriber hands each event to the capture of the thread it happens on:
//! each test of a file runs on a thread of its own, and its paused-clock runtime runs its
//! tasks there. (A subscriber per test thread, `set_default`, was racy: tracing caches each
//! event site's interest process-wide, and a site that another test's thread hit while the
//! cache was being rebuilt could stay silent for this one: 8 failures in 160 runs of
//! `live_config` under load.)

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Once};

use tracing::Level;
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The `resile` events captured on this thread, in order: each event's level and fields
/// (`message` among them; a `&str` field as it is, any other by its `Debug`).
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<(Level, Fields)>>>);

/// An event's fields by name.
pub type Fields = BTreeMap<String, String>;

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
    #[allow(dead_code)] // Each test file uses what it needs.
    pub fn at(&self, level: Level) -> Vec<String> {
        let events = self.0.lock().unwrap();
        events.iter().filter(|(l, _)| *l == level).map(|(_, fields)| fields["message"].clone()).collect()
    }

    /// The fields of every event whose message starts with `prefix`.
    #[allow(dead_code)] // Each test file uses what it needs.
    pub fn fields(&self, prefix: &str) -> Vec<Fields> {
        let events = self.0.lock().unwrap();
        events.iter().filter(|(_, f)| f["message"].starts_with(prefix)).map(|(_, f)| f.clone()).collect()
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
        #[derive(Default)]
        struct Visitor(Fields);
        impl tracing::field::Visit for Visitor {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.insert(field.name().to_owned(), value.to_owned());
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name().to_owned(), format!("{value:?}"));
            }
        }
        if event.metadata().target() != "resile" {
            return;
        }
        CAPTURE.with(|c| {
            if let Some(events) = &*c.borrow() {
                let mut fields = Visitor::default();
                event.record(&mut fields);
                fields.0.entry("message".to_owned()).or_default();
                events.0.lock().unwrap().push((*event.metadata().level(), fields.0));
            }
        });
    }
}
