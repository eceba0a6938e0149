#[derive(Debug)]
struct DbError;

#[resile::chaos(error_rate = 0.1, error = "injected")] //~ ERROR mismatched types
async fn call() -> Result<u32, DbError> {
    Ok(1)
}

fn main() {}
