#[derive(Debug)]
struct DbError;

#[resile::hedge(delay = "20ms", timeout = "1s")]
async fn call() -> Result<u32, DbError> { //~ ERROR `#[hedge]` with a `timeout` needs the error type `DbError`
    Ok(1)
}

fn main() {}
