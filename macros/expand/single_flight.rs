#[resile::single_flight(key = symbol.as_str())]
async fn load_price(symbol: String) -> Result<u64, DbError> {
    Ok(symbol.len() as u64)
}
