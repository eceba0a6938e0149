/// Loads a user.
#[inline]
pub async fn load<T: Copy>(id: T) -> Result<T, Error>
where
    T: Send,
{
    Ok(id)
}
