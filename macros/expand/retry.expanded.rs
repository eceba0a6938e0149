async fn fetch(id: u64, name: &str) -> Result<String, FetchError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDebug as _, DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "fetch");
    static __RESILE_RETRY_0: __resile_private::RetrySite = __resile_private::RetrySite::new(
        __RESILE_FN,
        __resile_private::RetryConfig::new()
            .backoff(__resile_private::Backoff::Exponential)
            .max(4u32)
            .base_delay(__resile_private::Duration::from_nanos(50000000u64))
            .jitter(__resile_private::Jitter::Equal),
        ::core::option::Option::None,
    );
    let __resile_span = __resile_private::CallSpan::new(__RESILE_FN);
    let mut __resile_run = __RESILE_RETRY_0
        .start(
            &__resile_private::RetryHooks::<FetchError> {
                retry_if: ::core::option::Option::Some(is_transient),
                on_retry: ::core::option::Option::None,
            },
        );
    loop {
        let __resile_result = __resile_span
            .instrument(
                __resile_private::body::<
                    Result<String, FetchError>,
                    _,
                >(async {
                    if id == 0 {
                        return Err(FetchError::NotFound);
                    }
                    Ok(format!("{name}-{id}"))
                }),
            )
            .await;
        let __resile_describe = (&&__resile_private::error_of(&__resile_result))
            .describe_fn();
        match __resile_span
            .in_scope(|| __resile_run.next(__resile_result, __resile_describe))
        {
            __resile_private::ControlFlow::Break(__resile_result) => {
                break __resile_result;
            }
            __resile_private::ControlFlow::Continue(__resile_delay) => {
                __resile_private::sleep(__resile_delay).await
            }
        }
    }
}
