async fn load(id: u64) -> Result<u64, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    {
        #[deprecated(
            note = "`#[retry]` above `#[circuit_breaker]` retries its `CircuitOpen` rejections, so while the breaker is open every retry is rejected at once: list `#[circuit_breaker]` above `#[retry]`, add `retry_after` or a `retry_if` that is false for `Rejection::CircuitOpen`, or silence it with `allow = \"retry_into_open_breaker\"` on the `#[retry]`"
        )]
        fn retry_into_open_breaker() {}
        let _ = retry_into_open_breaker;
    }
    __resile_private::moves::retry_reusable::<u64>();
    static __RESILE_CIRCUIT_BREAKER_1: __resile_private::Site<
        __resile_private::CircuitBreaker,
    > = __resile_private::Site::reference(__RESILE_FN, "db");
    static __RESILE_RETRY_0: __resile_private::RetrySite = __resile_private::RetrySite::new(
        __RESILE_FN,
        __resile_private::RetryConfig::new().max(3u32),
        ::core::option::Option::None,
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    let mut __resile_call = __resile_private::CallSpan::new();
    static __RESILE_TIMELINE: __resile_private::TimelineSite = __resile_private::TimelineSite::new();
    __resile_call.start(&__RESILE_TIMELINE, __RESILE_FN, __resile_private::Free);
    match {
        let __resile_result = {
            let mut __resile_state = __RESILE_RETRY_0.start();
            loop {
                match {
                    let __resile_permit = __RESILE_CIRCUIT_BREAKER_1.admit();
                    if __resile_permit.admitted() {
                        let __resile_result = __resile_private::body::<
                            Result<u64, DbError>,
                            _,
                        >(async { Ok(id) })
                            .await;
                        __resile_permit
                            .record(__resile_private::Outcome::of(&__resile_result));
                        __resile_result
                    } else {
                        __resile_private::Err(
                            __resile_private::reject::circuit_breaker::<
                                DbError,
                            >(
                                __RESILE_CIRCUIT_BREAKER_1
                                    .rejected(
                                        __resile_permit,
                                        &__resile_call,
                                        __resile_private::Free,
                                    ),
                            ),
                        )
                    }
                } {
                    __resile_ok @ __resile_private::Ok(_) => break __resile_ok,
                    __resile_private::Err(__resile_error) => {
                        match {
                            let __resile_describe = (&&&__resile_private::Describe::of(
                                &__resile_error,
                            ))
                                .describe_fn();
                            __RESILE_RETRY_0
                                .on_error(
                                    &mut __resile_state,
                                    &__resile_call,
                                    __resile_error,
                                    &__resile_private::RetryHooks::<DbError> {
                                        retry_if: ::core::option::Option::None,
                                        on_retry: ::core::option::Option::None,
                                    },
                                    __resile_describe,
                                    __resile_private::Free,
                                )
                        } {
                            __resile_private::ControlFlow::Break(__resile_error) => {
                                break __resile_private::Err(__resile_error);
                            }
                            __resile_private::ControlFlow::Continue(
                                __resile_backoff,
                            ) => {
                                __resile_backoff.await;
                            }
                        }
                    }
                }
            }
        };
        __resile_call.finish(&__resile_result);
        __resile_result
    } {
        __resile_result => {
            __RESILE_METER
                .finish(
                    &__resile_meter,
                    &__resile_call,
                    &__resile_result,
                    __resile_private::Free,
                );
            __resile_result
        }
    }
}
