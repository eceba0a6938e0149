async fn load_price(symbol: String) -> Result<u64, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(
        ::core::module_path!(), "::", "load_price"
    );
    static __RESILE_SINGLE_FLIGHT_0: __resile_private::single_flight::SingleFlightSite = __resile_private::single_flight::SingleFlightSite::new(
        __RESILE_FN,
    );
    static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(
        __RESILE_FN,
    );
    let __resile_meter = __RESILE_METER.start();
    match {
        #[allow(unused_imports)]
        use __resile_private::single_flight::{AnyKey as _, StrKey as _};
        let __resile_flight = match __RESILE_SINGLE_FLIGHT_0
            .lookup_result::<
                u64,
                DbError,
                _,
            >(
                (&&__resile_private::single_flight::KeyOf(&(symbol.as_str())))
                    .__resile_flight_key(),
            )
        {
            __resile_private::single_flight::Lookup::Joined(__resile_flight) => {
                __resile_flight
            }
            __resile_private::single_flight::Lookup::Vacant(__resile_vacancy) => {
                __resile_vacancy
                    .start(async move {
                        __resile_private::body::<
                            Result<u64, DbError>,
                            _,
                        >(async { Ok(symbol.len() as u64) })
                            .await
                    })
            }
        };
        __resile_flight.await
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
