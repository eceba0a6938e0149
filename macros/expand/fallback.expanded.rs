async fn price(id: u64, currency: &str, note: String) -> Result<u64, PriceError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "price");
    static __RESILE_TIMEOUT_1: __resile_private::TimeoutSite = __resile_private::TimeoutSite::new(
        __RESILE_FN,
        __resile_private::TimeoutConfig::new(
            __resile_private::Duration::from_nanos(250000000u64),
        ),
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
            #[diagnostic::on_unimplemented(
                message = "`#[fallback(cached_price)]` needs `async fn cached_price(id: u64, currency: &str, note: String, error: PriceError) -> Result<u64, PriceError>`",
                label = "called on `Err` with the arguments of `price` and then the error, by value, for its result",
                note = "this fn takes and returns `{Self}`"
            )]
            trait __ResileFallback<Want> {
                type Same<F>;
                fn same<F>(f: F) -> Self::Same<F>;
            }
            type __ResileId<T> = T;
            impl<__T> __ResileFallback<__T> for __T {
                type Same<F> = F;
                #[inline(always)]
                fn same<F>(f: F) -> F {
                    f
                }
            }
            #[inline(always)]
            fn __resile_fallback<Want, F, Args, Call>(
                _sig: ::core::marker::PhantomData<(Args, Call)>,
                f: F,
            ) -> <Call as __ResileFallback<Want>>::Same<F>
            where
                F: __resile_private::fallback::FnSig<Args, Call = Call>,
                Call: __ResileFallback<Want>,
            {
                <Call as __ResileFallback<Want>>::same(f)
            }
            let __resile_keep_note = __resile_private::moves::fallback_keep::<
                String,
            >(&note);
            let __resile_result = __RESILE_TIMEOUT_1
                .run(
                    &__resile_call,
                    __resile_private::Free,
                    __resile_private::reject::timeout::<PriceError>,
                    __resile_private::body::<
                        Result<u64, PriceError>,
                        _,
                    >(async {
                        let owned = note;
                        Ok(id + currency.len() as u64 + owned.len() as u64)
                    }),
                )
                .await;
            match __resile_result {
                __resile_ok @ __resile_private::Ok(_) => __resile_ok,
                __resile_private::Err(__resile_error) => {
                    __resile_fallback::<
                        ((u64, &str, String, PriceError), Result<u64, PriceError>),
                        __ResileId<_>,
                        __ResileId<_>,
                        __ResileId<_>,
                    >(
                            __resile_private::fallback::sig(cached_price),
                            cached_price,
                        )(id, currency, __resile_keep_note, __resile_error)
                        .await
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
