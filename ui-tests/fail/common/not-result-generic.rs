#[resile::retry]
async fn call() -> Option<Vec<String>> { //~ ERROR `#[retry]` needs a function returning `Result<T, E>`, found `Option<Vec<String>>`
    None
}

fn main() {}
