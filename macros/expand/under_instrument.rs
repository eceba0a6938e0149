#[resile::retry(max = 2)]
async fn traced(s: String) -> Result<usize, E> {
    let __tracing_attr_span = tracing::span!(tracing::Level::INFO, "traced");
    let __tracing_instrument_future = async move { Ok(s.len()) };
    if !__tracing_attr_span.is_disabled() {
        tracing::Instrument::instrument(__tracing_instrument_future, __tracing_attr_span).await
    } else {
        __tracing_instrument_future.await
    }
}
