#[resile::retry]
struct Client; //~ ERROR `#[retry]` applies to an `async fn`, found a struct

fn main() {}
