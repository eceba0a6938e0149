async fn load(id: u64) -> Result<u64, Error> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    __resile_private::moves::retry_reusable::<u64>();
    static __RESILE_CHAOS_2: __resile_private::ChaosSite = __resile_private::ChaosSite::declaring(
        __RESILE_FN,
        ::core::concat!(
            ::core::module_path!(), "::", "load", "@", ::core::line!(), ":",
            ::core::column!()
        ),
        __resile_private::ChaosConfig::new()
            .error_rate(0.1f64)
            .latency(__resile_private::Duration::from_nanos(200000000u64))
            .latency_rate(0.25f64)
            .hang_rate(0.01f64)
            .seed(7u64),
    );
    static __RESILE_TIMEOUT_1: __resile_private::TimeoutSite = __resile_private::TimeoutSite::new(
        __RESILE_FN,
        __resile_private::TimeoutConfig::new(
            __resile_private::Duration::from_nanos(1000000000u64),
        ),
    );
    static __RESILE_RETRY_0: __resile_private::RetrySite = __resile_private::RetrySite::new(
        __RESILE_FN,
        __resile_private::RetryConfig::new()
            .max(3u32)
            .jitter(__resile_private::Jitter::None),
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
                match __resile_private::Numbered::new(
                        __resile_state.attempt(),
                        __RESILE_TIMEOUT_1
                            .run(
                                &__resile_call,
                                __resile_private::Free,
                                __resile_private::reject::timeout::<Error>,
                                __RESILE_CHAOS_2
                                    .run(
                                        &__resile_call,
                                        __resile_private::Free,
                                        |
                                            __resile_fault: ::core::option::Option<
                                                __resile_private::ChaosError,
                                            >|
                                        match __resile_fault {
                                            ::core::option::Option::None => {
                                                __resile_private::ChaosBegun::Body(
                                                    __resile_private::body::<
                                                        Result<u64, Error>,
                                                        _,
                                                    >(async { Ok(id) }),
                                                )
                                            }
                                            ::core::option::Option::Some(__resile_fault) => {
                                                __resile_private::ChaosBegun::Done(
                                                    __resile_private::Err(
                                                        (__resile_private::chaos_inject::<Error>
                                                            as fn(_) -> _)(__resile_fault),
                                                    ),
                                                )
                                            }
                                        },
                                    ),
                            ),
                    )
                    .await
                {
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
                                    &__resile_private::RetryHooks::<Error> {
                                        retry_if: ::core::option::Option::None,
                                        on_retry: ::core::option::Option::None,
                                        retry_after: ::core::option::Option::None,
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
