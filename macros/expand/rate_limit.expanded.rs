async fn search(q: &str) -> Result<Hits, ApiError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "search");
    static __RESILE_RATE_LIMIT_0: __resile_private::RateLimitSite = __resile_private::RateLimitSite::new(
        __RESILE_FN,
        "api",
        __resile_private::RateLimitConfig::new(1.0).rate(100f64),
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    match match if __RESILE_RATE_LIMIT_0.try_admit() {
        __resile_private::Ok(())
    } else {
        __RESILE_RATE_LIMIT_0.admit_now(__resile_meter.span(), __resile_private::Free)
    } {
        __resile_private::Ok(__resile_guard) => {
            __resile_private::body::<
                Result<Hits, ApiError>,
                _,
            >(async { api().search(q).await })
                .await
        }
        __resile_private::Err(__resile_rejection) => {
            __resile_private::Err(
                __resile_private::reject::rate_limit::<ApiError>(__resile_rejection),
            )
        }
    } {
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
