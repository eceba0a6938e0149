#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, key = weight)] //~ ERROR a keyed instance needs its key `f64` to be `Hash + Eq`
async fn call(weight: f64) -> Result<f64, Error> {
    Ok(weight)
}

fn main() {}
