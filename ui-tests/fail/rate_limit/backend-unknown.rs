#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, backend = "redsi")] //~ ERROR unknown backend `"redsi"`; did you mean `"redis"`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
