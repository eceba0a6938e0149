const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db")
    .window_size(50);
async fn load(id: u64) -> Result<Row, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    const __RESILE_CIRCUIT_BREAKER_0_POLICY: __resile_private::CircuitBreakerPolicy = {
        let __resile_policy: __resile_private::CircuitBreakerPolicy = DB;
        __resile_policy
    };
    const _: () = __RESILE_CIRCUIT_BREAKER_0_POLICY.check();
    static __RESILE_CIRCUIT_BREAKER_0: __resile_private::Site<
        __resile_private::CircuitBreaker,
    > = __resile_private::Site::declaring(
        __RESILE_FN,
        __RESILE_CIRCUIT_BREAKER_0_POLICY.name,
        __RESILE_CIRCUIT_BREAKER_0_POLICY.config,
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    match {
        let __resile_permit = __RESILE_CIRCUIT_BREAKER_0.admit();
        if __resile_permit.admitted() {
            let __resile_result = __resile_private::body::<
                Result<Row, DbError>,
                _,
            >(async { db().get(id).await })
                .await;
            __resile_permit.record(__resile_private::Outcome::of(&__resile_result));
            __resile_result
        } else {
            __resile_private::Err(
                __resile_private::reject::circuit_breaker::<
                    DbError,
                >(
                    __RESILE_CIRCUIT_BREAKER_0
                        .rejected(
                            __resile_permit,
                            __resile_meter.span(),
                            __resile_private::Free,
                        ),
                ),
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
