#[derive(Debug)]
struct DbError;

#[resile::chaos(error_rate = 0.1)]
async fn call() -> Result<u32, DbError> { //~ ERROR `#[chaos]` needs the error type `DbError` to implement `From<resile::chaos::ChaosError>`
    Ok(1)
}

fn main() {}
