async fn load(id: u64) -> Result<Row, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    static __RESILE_BULKHEAD_0: __resile_private::BulkheadSite = __resile_private::BulkheadSite::new(
        __RESILE_FN,
        "db",
        __resile_private::BulkheadConfig::new(1u32).max_concurrent(10u32),
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    match match match __RESILE_BULKHEAD_0.try_admit() {
        ::core::option::Option::Some(__resile_permit) => {
            __resile_private::Ok(__resile_permit)
        }
        ::core::option::Option::None => {
            __resile_private::Err(
                __RESILE_BULKHEAD_0.refuse(__resile_meter.span(), __resile_private::Free),
            )
        }
    } {
        __resile_private::Ok(__resile_guard) => {
            __resile_private::body::<
                Result<Row, DbError>,
                _,
            >(async { db().get(id).await })
                .await
        }
        __resile_private::Err(__resile_rejection) => {
            __resile_private::Err(
                __resile_private::reject::bulkhead::<DbError>(__resile_rejection),
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
