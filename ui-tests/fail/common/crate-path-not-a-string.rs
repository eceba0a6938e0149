#[derive(Debug)]
struct Error;

#[resile::retry(crate = resile)] //~ ERROR expected the path of the `resile` crate as a string
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
