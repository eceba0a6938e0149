async fn fetch(host: &str, tenant: u64) -> Result<usize, Error> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "fetch");
    static __RESILE_RATE_LIMIT_2: __resile_private::KeyedRateLimitSite = __resile_private::KeyedRateLimitSite::new(
        __RESILE_FN,
        "tenants",
        __resile_private::RateLimitConfig::new(1.0).rate(100f64),
        10000usize,
    );
    static __RESILE_BULKHEAD_1: __resile_private::KeyedBulkheadSite = __resile_private::KeyedBulkheadSite::new(
        __RESILE_FN,
        "tenants",
        __resile_private::BulkheadConfig::new(1u32)
            .max_concurrent(4u32)
            .max_wait(__resile_private::Duration::from_nanos(10000000u64)),
        1000usize,
    );
    static __RESILE_CIRCUIT_BREAKER_0: __resile_private::KeyedSite<
        __resile_private::CircuitBreaker,
    > = __resile_private::KeyedSite::new(
        __resile_private::Site::reference(__RESILE_FN, "hosts"),
        10000usize,
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
            #[allow(unused_imports)]
            use __resile_private::single_flight::{AnyKey as _, StrKey as _};
            #[allow(unused_imports)]
            use __resile_private::{ShowDebug as _, ShowNone as _};
            let __resile_instance_0 = __RESILE_CIRCUIT_BREAKER_0
                .instance_shown(
                    (&&__resile_private::ShowKey(
                        (&&__resile_private::single_flight::KeyOf(&(host)))
                            .__resile_flight_key(),
                    ))
                        .__resile_shown_key(),
                );
            {
                let __resile_permit = __RESILE_CIRCUIT_BREAKER_0
                    .admit(&__resile_instance_0);
                if __resile_permit.admitted() {
                    let __resile_result = {
                        #[allow(unused_imports)]
                        use __resile_private::single_flight::{AnyKey as _, StrKey as _};
                        let __resile_instance_1 = __RESILE_BULKHEAD_1
                            .instance(
                                (&&__resile_private::single_flight::KeyOf(&(tenant)))
                                    .__resile_flight_key(),
                            );
                        match match __RESILE_BULKHEAD_1.try_admit(&__resile_instance_1) {
                            ::core::option::Option::Some(__resile_permit) => {
                                __resile_private::Ok(__resile_permit)
                            }
                            ::core::option::Option::None => {
                                __RESILE_BULKHEAD_1
                                    .wait(
                                        &__resile_instance_1,
                                        &__resile_call,
                                        __resile_private::Free,
                                    )
                                    .await
                            }
                        } {
                            __resile_private::Ok(__resile_guard) => {
                                #[allow(unused_imports)]
                                use __resile_private::single_flight::{
                                    AnyKey as _, StrKey as _,
                                };
                                let __resile_instance_2 = __RESILE_RATE_LIMIT_2
                                    .instance(
                                        (&&__resile_private::single_flight::KeyOf(&(tenant)))
                                            .__resile_flight_key(),
                                    );
                                match if __RESILE_RATE_LIMIT_2
                                    .try_admit(&__resile_instance_2)
                                {
                                    __resile_private::Ok(())
                                } else {
                                    __RESILE_RATE_LIMIT_2
                                        .admit_now(
                                            &__resile_instance_2,
                                            &__resile_call,
                                            __resile_private::Free,
                                        )
                                } {
                                    __resile_private::Ok(__resile_guard) => {
                                        __resile_private::body::<
                                            Result<usize, Error>,
                                            _,
                                        >(async { Ok(host.len()) })
                                            .await
                                    }
                                    __resile_private::Err(__resile_rejection) => {
                                        __resile_private::Err(
                                            __resile_private::reject::rate_limit::<
                                                Error,
                                            >(__resile_rejection),
                                        )
                                    }
                                }
                            }
                            __resile_private::Err(__resile_rejection) => {
                                __resile_private::Err(
                                    __resile_private::reject::bulkhead::<
                                        Error,
                                    >(__resile_rejection),
                                )
                            }
                        }
                    };
                    __resile_permit
                        .record(__resile_private::Outcome::of(&__resile_result));
                    __resile_result
                } else {
                    __resile_private::Err(
                        __resile_private::reject::circuit_breaker::<
                            Error,
                        >(
                            __RESILE_CIRCUIT_BREAKER_0
                                .rejected(
                                    __resile_permit,
                                    &__resile_call,
                                    __resile_private::Free,
                                ),
                        ),
                    )
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
