#[resile::timeout("1s")]
async fn call() {} //~ ERROR `#[timeout]` needs a function returning `Result<T, E>`, but `call` returns `()`

fn main() {}
