#[resile::timeout("1s")]
async fn call() -> Result<u32, impl std::error::Error> {
    Ok::<u32, std::io::Error>(1)
}

fn main() {}
