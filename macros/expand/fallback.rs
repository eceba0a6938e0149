#[resile::fallback(cached_price)]
#[resile::timeout("250ms")]
async fn price(id: u64, currency: &str, note: String) -> Result<u64, PriceError> {
    let owned = note;
    Ok(id + currency.len() as u64 + owned.len() as u64)
}
