#[derive(Debug)]
struct DbError;

#[resile::timeout("1s")]
async fn call() -> Result<impl std::fmt::Display, DbError> { //~ ERROR `#[timeout]` needs the error type `DbError` to implement `From<resile::Rejection>`
    Ok(1)
}

fn main() {}
