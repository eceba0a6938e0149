#[resile::single_flight] //~ ERROR `#[single_flight]` needs a `key`
async fn load(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {}
