async fn load(id: u64) -> Result<u64, Error> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    const __RESILE_CHAOS_0_POLICY: __resile_private::ChaosPolicy = {
        let __resile_policy: __resile_private::ChaosPolicy = FLAKY;
        __resile_policy
    }
        .latency(__resile_private::Duration::from_nanos(5000000u64));
    const _: () = __RESILE_CHAOS_0_POLICY.check();
    static __RESILE_CHAOS_0: __resile_private::ChaosSite = __resile_private::ChaosSite::declaring(
        __RESILE_FN,
        "db",
        __RESILE_CHAOS_0_POLICY.config,
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    match __RESILE_CHAOS_0
        .run(
            __resile_meter.span(),
            __resile_private::Free,
            |__resile_fault: ::core::option::Option<__resile_private::ChaosError>| match __resile_fault {
                ::core::option::Option::None => {
                    __resile_private::ChaosBegun::Body(
                        __resile_private::body::<Result<u64, Error>, _>(async { Ok(id) }),
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
        )
        .await
    {
        __resile_result => {
            __RESILE_METER
                .finish(
                    &__resile_meter,
                    __resile_meter.span(),
                    &__resile_result,
                    __resile_private::Free,
                );
            __resile_result
        }
    }
}
