#[resile::retry(max = 3)]
async fn read() -> std::io::Result<Vec<u8>> {
    std::fs::read("/dev/null")
}

fn main() {}
