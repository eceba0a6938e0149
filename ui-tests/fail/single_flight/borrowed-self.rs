struct Prices;

impl Prices {
    #[resile::single_flight(key = id)]
    async fn load(&self, id: u64) -> Result<u64, String> { //~ ERROR cannot borrow `&self`
        Ok(id)
    }
}

fn main() {}
