#[derive(Debug)]
struct PriceError;

#[resile::fallback(cheap_pirce)]
async fn price(id: u64) -> Result<u64, PriceError> {
    Ok(id)
}

async fn cheap_price(id: u64, _error: PriceError) -> Result<u64, PriceError> {
    Ok(id)
}

fn main() {}
