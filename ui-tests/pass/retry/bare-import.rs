#[derive(Debug)]
struct Error;

use resile::retry;

#[retry]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[retry(max = 2)]
async fn two() -> Result<u32, Error> {
    Ok(2)
}

fn main() {}
