async fn pay(amount: u64) -> Result<u64, Error> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "pay");
    static __RESILE_CHAOS_0: __resile_private::ChaosSite = __resile_private::ChaosSite::reference(
        __RESILE_FN,
        "payments",
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
                        __resile_private::body::<
                            Result<u64, Error>,
                            _,
                        >(async { Ok(amount) }),
                    )
                }
                ::core::option::Option::Some(__resile_fault) => {
                    __resile_private::ChaosBegun::Done(
                        __resile_private::Err({
                            let __resile_error: Error = Error::Injected;
                            __resile_error
                        }),
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
