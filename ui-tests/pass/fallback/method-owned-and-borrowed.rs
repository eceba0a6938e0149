#[derive(Debug)]
struct PriceError;

impl From<resile::Rejection> for PriceError {
    fn from(_: resile::Rejection) -> Self {
        PriceError
    }
}

struct Prices {
    rate: u64,
}

impl Prices {
    #[resile::fallback(Self::cached)]
    #[resile::timeout("1s")]
    async fn price(&self, id: u64, sku: &str, note: String) -> Result<u64, PriceError> {
        let moved = note;
        Ok(id * self.rate + sku.len() as u64 + moved.len() as u64)
    }

    async fn cached(&self, id: u64, sku: &str, note: String, _error: PriceError) -> Result<u64, PriceError> {
        Ok(id + sku.len() as u64 + note.len() as u64 + self.rate)
    }

    #[resile::fallback(Self::reset)]
    async fn bump(&mut self, by: u64) -> Result<u64, PriceError> {
        self.rate += by;
        Ok(self.rate)
    }

    async fn reset(&mut self, _by: u64, _error: PriceError) -> Result<u64, PriceError> {
        self.rate = 0;
        Ok(0)
    }
}

#[resile::fallback(generic_default)]
async fn generic<T: Default + Clone + std::fmt::Debug>(value: T) -> Result<T, PriceError> {
    Ok(value)
}

async fn generic_default<T: Default + std::fmt::Debug>(_value: T, _error: PriceError) -> Result<T, PriceError> {
    Ok(T::default())
}

#[resile::fallback(io_default)]
async fn io_alias(path: &str) -> std::io::Result<usize> {
    Ok(path.len())
}

async fn io_default(_path: &str, _error: std::io::Error) -> std::io::Result<usize> {
    Ok(0)
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let prices = Prices { rate: 2 };
    assert_send(prices.price(1, "a", String::new()));
    assert_send(generic(1u8));
    assert_send(io_alias("x"));
}
