#[derive(Debug)]
struct PriceError;

#[resile::fallback]
async fn price(id: u64) -> Result<u64, PriceError> {
    Ok(id)
}

fn main() {}
