#[derive(Debug)]
struct Price(u64);

#[resile::single_flight(key = id)]
async fn load(id: u64) -> Result<Price, String> { //~ ERROR `#[single_flight]` gives every waiting caller a clone of the one result, so `Price` must be `Clone + Send + Sync`
    Ok(Price(id))
}

fn main() {}
