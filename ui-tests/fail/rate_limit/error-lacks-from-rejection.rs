#[derive(Debug)]
struct Error;

#[resile::rate_limit(name = "api", rate = 5)]
async fn call() -> Result<u32, Error> { //~ ERROR `#[rate_limit]` needs the error type `Error` to implement `From<resile::Rejection>`
    Ok(1)
}

fn main() {}
