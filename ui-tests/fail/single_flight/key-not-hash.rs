#[derive(Clone, PartialEq)]
struct Query {
    id: u64,
}

#[resile::single_flight(key = query.clone())] //~ ERROR `#[single_flight]` needs its key `Query` to be `Hash + Eq`
async fn load(query: Query) -> Result<u64, String> {
    Ok(query.id)
}

fn main() {}
