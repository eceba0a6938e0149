#[resile::single_flight(key = symbol)]
async fn load(symbol: &str) -> Result<usize, String> { //~ ERROR cannot borrow `&str`
    Ok(symbol.len())
}

fn main() {}
