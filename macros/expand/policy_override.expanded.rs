async fn fetch(id: u64) -> Result<String, FetchError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "fetch");
    __resile_private::moves::retry_reusable::<u64>();
    const __RESILE_BULKHEAD_1_POLICY: __resile_private::BulkheadPolicy = {
        let __resile_policy: __resile_private::BulkheadPolicy = POOL;
        __resile_policy
    }
        .weight(2u32);
    const _: () = __RESILE_BULKHEAD_1_POLICY.check();
    static __RESILE_BULKHEAD_1: __resile_private::BulkheadSite = __resile_private::BulkheadSite::new(
        __RESILE_FN,
        __RESILE_BULKHEAD_1_POLICY.name,
        __RESILE_BULKHEAD_1_POLICY.config,
    );
    const __RESILE_RETRY_0_POLICY: __resile_private::RetryPolicy = {
        let __resile_policy: __resile_private::RetryPolicy = resile::presets::PRODUCTION;
        __resile_policy
    }
        .max(2u32);
    const _: () = __RESILE_RETRY_0_POLICY.check();
    static __RESILE_RETRY_0: __resile_private::RetrySite = __resile_private::RetrySite::new(
        __RESILE_FN,
        __RESILE_RETRY_0_POLICY.config,
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
                match match match __RESILE_BULKHEAD_1
                    .try_admit_as::<
                        __resile_private::Sampling<
                            { __RESILE_BULKHEAD_1_POLICY.config.adaptive.is_some() },
                        >,
                    >()
                {
                    ::core::option::Option::Some(__resile_permit) => {
                        __resile_private::Ok(__resile_permit)
                    }
                    ::core::option::Option::None => {
                        if __RESILE_BULKHEAD_1_POLICY.config.max_wait.is_zero() {
                            __resile_private::Err(
                                __RESILE_BULKHEAD_1
                                    .refuse(&__resile_call, __resile_private::Free),
                            )
                        } else {
                            __RESILE_BULKHEAD_1
                                .wait_as::<
                                    __resile_private::Sampling<
                                        { __RESILE_BULKHEAD_1_POLICY.config.adaptive.is_some() },
                                    >,
                                >(&__resile_call, __resile_private::Free)
                                .await
                        }
                    }
                } {
                    __resile_private::Ok(__resile_guard) => {
                        let __resile_attempt = __resile_private::body::<
                            Result<String, FetchError>,
                            _,
                        >(async { client().get(id).await });
                        match __resile_state.attempt() {
                            1 => __resile_attempt.await,
                            __resile_n => {
                                __resile_private::Numbered::new(
                                        __resile_n,
                                        __resile_attempt,
                                    )
                                    .await
                            }
                        }
                    }
                    __resile_private::Err(__resile_rejection) => {
                        __resile_private::Err(
                            __resile_private::reject::bulkhead::<
                                FetchError,
                            >(__resile_rejection),
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
                                    &__resile_private::RetryHooks::<FetchError> {
                                        retry_if: ::core::option::Option::Some({
                                            let __resile_hook: fn(&FetchError) -> bool = __resile_private::hooks::Hook::<
                                                FetchError,
                                            >::retry_if(is_transient);
                                            __resile_hook
                                        }),
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
