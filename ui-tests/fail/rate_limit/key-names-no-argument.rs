#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn tenant() -> String {
    String::from("t1")
}

#[resile::rate_limit(name = "api", rate = 10, key = tenant())] //~ ERROR `key` of `#[rate_limit]` names no argument
async fn call(id: u64) -> Result<u64, Error> {
    Ok(id)
}

fn main() {}
