#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("0.4ns")] //~ ERROR invalid duration for `after`: durations are whole nanoseconds: `0.4ns` lies between 0ns and 1ns; write `"0ns"` or `"1ns"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
