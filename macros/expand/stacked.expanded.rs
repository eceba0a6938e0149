async fn load_user(&self, id: u64) -> Result<User, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDebug as _, DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load_user");
    __resile_private::moves::retry_reusable::<u64>();
    static __RESILE_CIRCUIT_BREAKER_1: __resile_private::circuit_breaker::BreakerSite = __resile_private::circuit_breaker::BreakerSite::new(
        __RESILE_FN,
        "db",
        __resile_private::circuit_breaker::CircuitBreakerConfig::new()
            .failure_rate_threshold(0.5f64),
        ::core::option::Option::None,
    );
    static __RESILE_RETRY_0: __resile_private::RetrySite = __resile_private::RetrySite::new(
        __RESILE_FN,
        __resile_private::RetryConfig::new().max(3u32),
        ::core::option::Option::None,
    );
    let __resile_span = __resile_private::CallSpan::new(__RESILE_FN);
    let mut __resile_run = __RESILE_RETRY_0
        .start(
            &__resile_private::RetryHooks::<DbError> {
                retry_if: ::core::option::Option::None,
                on_retry: ::core::option::Option::None,
            },
        );
    loop {
        let __resile_result = __resile_span
            .instrument(
                __RESILE_CIRCUIT_BREAKER_1
                    .call_rejecting(
                        __resile_private::reject::circuit_breaker::<DbError>,
                        ::core::option::Option::None,
                        __resile_private::timeout(
                            __RESILE_FN,
                            __resile_private::Duration::from_nanos(200000000u64),
                            __resile_private::reject::timeout::<DbError>,
                            __resile_private::body::<
                                Result<User, DbError>,
                                _,
                            >(async { self.db.get(id).await }),
                        ),
                    ),
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
