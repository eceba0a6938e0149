//! A private `redis-server` per test, on a free port, that a test can stop and start again.
//! A server that cannot be started or reached fails the test with a clear message: these
//! tests never skip.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process on 127.0.0.1:`port`, killed on drop.
/// The command timeout of the tests that expect Redis to answer: generous, so that a loaded
/// CI machine (a slow answer, the script's first load) is not taken for an unreachable
/// server, which would switch the decisions to the fallback.
#[allow(dead_code)]
pub const LOADED: Duration = Duration::from_secs(5);

pub struct Server {
    pub port: u16,
    child: Option<Child>,
}

impl Server {
    /// Starts a server on a free port and waits until it answers `PING`.
    pub fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().unwrap().port();
        let mut server = Server { port, child: None };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: no persistence).
    pub fn restart(&mut self) {
        self.stop();
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `{binary}` ({e}): these tests need a Redis server binary \
                     (Debian: `apt-get install redis-server`; `.ci/run` installs it)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(self.url())
                && let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server on port {} did not answer PING within 10 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A plain synchronous connection, for the tests' own commands.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("cannot connect to the test's redis-server on port {}: {e}", self.port))
    }

    /// The server's clock, in microseconds.
    pub fn time_micros(&self) -> u64 {
        let (secs, micros): (u64, u64) = redis::cmd("TIME").query(&mut self.conn()).unwrap();
        secs * 1_000_000 + micros
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
