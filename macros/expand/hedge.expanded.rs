async fn read(&self, key: &str) -> Result<Bytes, ReadError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "read");
    static __RESILE_HEDGE_0: __resile_private::HedgeSite = __resile_private::HedgeSite::named(
        __RESILE_FN,
        __resile_private::HedgeConfig::new()
            .percentile(95f64)
            .max_requests(3u32)
            .timeout(__resile_private::Duration::from_nanos(1000000000u64)),
        "replicas",
        true,
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    let mut __resile_call = __resile_private::CallSpan::new();
    static __RESILE_TIMELINE: __resile_private::TimelineSite = __resile_private::TimelineSite::new();
    __resile_call
        .start(&__RESILE_TIMELINE, __RESILE_FN, __resile_private::Method::<Self>::new());
    match {
        let __resile_result = __RESILE_HEDGE_0
            .call_timed(
                &__resile_call,
                __resile_private::Method::<Self>::new(),
                &__resile_private::HedgeHooks::<ReadError> {
                    fatal: ::core::option::Option::None,
                    on_hedge: ::core::option::Option::None,
                    timed_out: ::core::option::Option::Some(
                        __resile_private::reject::hedge::<ReadError>,
                    ),
                },
                || __resile_private::body::<
                    Result<Bytes, ReadError>,
                    _,
                >(async { self.replica().get(key).await }),
            )
            .await;
        __resile_call.finish(&__resile_result);
        __resile_result
    } {
        __resile_result => {
            __RESILE_METER
                .finish(
                    &__resile_meter,
                    &__resile_call,
                    &__resile_result,
                    __resile_private::Method::<Self>::new(),
                );
            __resile_result
        }
    }
}
