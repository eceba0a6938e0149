#[resile::retry]
async fn call() -> u32 { //~ ERROR `#[retry]` needs a function returning `Result<T, E>`, found `u32`
    1
}

fn main() {}
