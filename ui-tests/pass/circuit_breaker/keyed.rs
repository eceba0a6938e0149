#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const HOSTS: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("keyed-policy").window_size(20);

/// A `&str` key: a `String` is made only for a new host.
#[resile::circuit_breaker(name = "keyed-str", key = host)]
async fn by_str(host: &str) -> Result<usize, Error> {
    Ok(host.len())
}

/// A key over an argument the body consumes: the key is read before the body runs.
#[resile::circuit_breaker(name = "keyed-string", key = host, max_keys = 50)]
async fn by_string(host: String) -> Result<String, Error> {
    Ok(host)
}

/// A tuple key, and a policy.
#[resile::circuit_breaker(policy = HOSTS, key = (region, shard))]
async fn by_tuple(region: u8, shard: u32) -> Result<u32, Error> {
    Ok(shard + u32::from(region))
}

struct Client {
    host: String,
}

impl Client {
    /// A key over a field of `self`, in a method.
    #[resile::circuit_breaker(name = "keyed-self", key = self.host.as_str())]
    async fn get(&self, path: &str) -> Result<usize, Error> {
        Ok(self.host.len() + path.len())
    }
}

/// Under a retry: the key is looked up for each attempt.
#[resile::retry(max = 2)]
#[resile::circuit_breaker(name = "keyed-retry", key = format!("{id}-{}", id % 2))]
async fn retried(id: u64) -> Result<u64, Error> {
    Ok(id)
}

fn main() {
    let _ = (by_str("a"), by_string(String::new()), by_tuple(1, 2), retried(3));
    let client = Client { host: String::from("h") };
    let _ = client.get("/");
}
