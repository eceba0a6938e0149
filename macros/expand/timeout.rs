#[resile::timeout("250ms")]
async fn load(id: u64) -> Result<u64, DbError> {
    Ok(id)
}
