//! [`RedisBackend::connect`]: what [`install`](crate::install) sets up, in order: the
//! options checked, the connection, the backend's state (the GCRA script, the breakers it
//! shares), and the task that shares breaker openings with the other replicas.

use std::sync::Arc;

use crate::breaker;
use crate::limiter::{Inner, RedisBackend, connect, report_available};
use crate::options::Options;

impl RedisBackend {
    /// Connects to `url` (`redis://host:port/db`) with `options`, without installing the
    /// backend. Fails if the options are invalid, the URL is not a Redis URL, or the server
    /// does not answer within `options.timeout`.
    ///
    /// # Errors
    /// See [`Error`](crate::Error).
    pub async fn connect(url: &str, options: Options) -> Result<Self, crate::Error> {
        options.validate()?;
        let client = redis::Client::open(url).map_err(crate::Error::Url)?;
        let conn = connect(&client, &options).await.map_err(crate::Error::Connect)?;
        let inner = Arc::new(Inner::new(client, conn, options));
        breaker::start(&inner);
        report_available(&inner.options, true);
        Ok(RedisBackend { inner })
    }
}
