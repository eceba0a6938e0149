#[derive(Debug)]
struct Error;

#[resile::bulkhead(name = "pool", max_concurrent = 2)]
async fn call() -> Result<u32, Error> { //~ ERROR `#[bulkhead]` needs the error type `Error` to implement `From<resile::Rejection>`
    Ok(1)
}

fn main() {}
