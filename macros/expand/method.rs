impl Orders {
    #[resile::retry(max = 3)]
    #[resile::timeout("250ms")]
    async fn get(&self, id: u64) -> Result<u64, DbError> {
        Ok(id)
    }
}
