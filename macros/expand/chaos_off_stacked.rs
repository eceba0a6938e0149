#[resile::timeout("1s")]
#[resile::chaos(hang_rate = 0.5)]
async fn load(id: u64) -> Result<u64, Error> {
    Ok(id)
}
