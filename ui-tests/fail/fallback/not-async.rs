#[derive(Debug)]
struct PriceError;

#[resile::fallback(cheap_price)]
async fn price(id: u64) -> Result<u64, PriceError> {
    Ok(id)
}

fn cheap_price(id: u64, _error: PriceError) -> Result<u64, PriceError> {
    Ok(id)
}

fn main() {}
