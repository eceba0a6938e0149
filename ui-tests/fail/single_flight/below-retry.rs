#[resile::retry(max = 3)]
#[resile::single_flight(key = id)] //~ ERROR `#[single_flight]` below `#[retry]`
async fn load(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {}
