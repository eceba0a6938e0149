#[derive(Debug)]
struct PriceError;

struct Prices;

impl Prices {
    #[resile::fallback(Self::cached)]
    async fn price(&self, id: u64) -> Result<u64, PriceError> {
        Ok(id)
    }

    async fn cached(id: u64, _error: PriceError) -> Result<u64, PriceError> {
        Ok(id)
    }
}

fn main() {}
