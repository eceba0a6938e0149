use std::sync::Arc;

struct Prices;

impl Prices {
    #[resile::single_flight(key = (tenant.clone(), id))]
    async fn load(self: Arc<Self>, tenant: String, id: u64) -> Result<u64, Arc<std::io::Error>> {
        Ok(id + tenant.len() as u64)
    }
}

#[resile::single_flight(key = name)]
async fn by_static_name(name: &'static str) -> Result<usize, String> {
    Ok(name.len())
}

fn assert_send<F: std::future::Future + Send>(_: F) {}

fn main() {
    assert_send(Arc::new(Prices).load("t".into(), 1));
    assert_send(by_static_name("x"));
}
