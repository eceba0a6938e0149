#[resile::chaos(name = "payments", error = Error::Injected)]
async fn pay(amount: u64) -> Result<u64, Error> {
    Ok(amount)
}
