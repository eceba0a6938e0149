#[resile::chaos(error_rate = 0.1, latency = "200ms", seed = 7)]
/// Loads a user.
#[inline]
pub async fn load<T: Copy>(id: T) -> Result<T, Error>
where
    T: Send,
{
    Ok(id)
}
