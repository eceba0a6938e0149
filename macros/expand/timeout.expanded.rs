async fn load(id: u64) -> Result<u64, DbError> {
    #[allow(unused_imports)]
    use ::resile::__private::{
        self as __resile_private, DescribeDisplay as _, DescribeError as _,
        DescribeNone as _,
    };
    const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", "load");
    static __RESILE_TIMEOUT_0: __resile_private::TimeoutSite = __resile_private::TimeoutSite::new(
        __RESILE_FN,
        __resile_private::TimeoutConfig::new(
            __resile_private::Duration::from_nanos(250000000u64),
        ),
    );
    __RESILE_TIMEOUT_0
        .run(
            __resile_private::CallSpan::detached(),
            __resile_private::Free,
            __resile_private::reject::timeout::<DbError>,
            __resile_private::body::<Result<u64, DbError>, _>(async { Ok(id) }),
        )
        .await
}
