#[derive(Debug)]
struct PriceError;

#[resile::fallback(cheap_price)]
async fn price(id: u64, currency: &str) -> Result<u64, PriceError> {
    Ok(id + currency.len() as u64)
}

async fn cheap_price(id: u64, error: PriceError) -> Result<u64, PriceError> {
    drop(error);
    Ok(id)
}

fn main() {}
