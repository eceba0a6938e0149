// Without `timeout`, `#[hedge]` never refuses a call, so the error type needs no
// `From<resile::Rejection>`.
#[derive(Debug)]
struct DbError;

fn is_fatal(_: &DbError) -> bool {
    true
}

#[resile::hedge(delay = "20ms")]
async fn call() -> Result<u32, DbError> {
    Ok(1)
}

#[resile::hedge(percentile = 90.0, fatal = is_fatal)]
async fn adaptive() -> Result<u32, DbError> {
    Err(DbError)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.block_on(call()).unwrap(), 1);
    assert!(rt.block_on(adaptive()).is_err());
}
