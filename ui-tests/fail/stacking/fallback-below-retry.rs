#[derive(Debug)]
struct PriceError;

#[resile::retry(max = 3)]
#[resile::fallback(cached)]
async fn price(id: u64) -> Result<u64, PriceError> {
    Ok(id)
}

async fn cached(id: u64, _error: PriceError) -> Result<u64, PriceError> {
    Ok(id)
}

fn main() {}
