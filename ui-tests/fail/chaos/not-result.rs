#[resile::chaos(error_rate = 0.1)]
async fn call() -> u32 { //~ ERROR `#[chaos]` needs a function returning `Result<T, E>`, found `u32`
    1
}

fn main() {}
