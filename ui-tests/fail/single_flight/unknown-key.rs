#[resile::single_flight(keys = id)] //~ ERROR unknown argument `keys` for `#[single_flight]`
async fn load(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {}
