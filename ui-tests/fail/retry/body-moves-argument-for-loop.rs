#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn call(ids: Vec<u32>) -> Result<u32, Error> {
    let mut sum = 0;
    for id in ids { //~ ERROR `#[retry]` runs the body once per attempt, so it cannot move this `Vec<u32>` argument out
        sum += id;
    }
    Ok(sum)
}

fn main() {}
