#[derive(Debug)]
struct PriceError;

#[resile::fallback(cached)]
async fn price((a, b): (u64, u64)) -> Result<u64, PriceError> {
    Ok(a + b)
}

async fn cached(pair: (u64, u64), _error: PriceError) -> Result<u64, PriceError> {
    Ok(pair.0)
}

fn main() {}
