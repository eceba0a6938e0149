#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

struct Cache {
    hits: u32,
}

impl Cache {
    #[resile::hedge(delay = "10ms")]
    async fn get(&mut self) -> Result<u32, Error> { //~ ERROR cannot share `&mut self`
        self.hits += 1;
        Ok(self.hits)
    }
}

#[resile::hedge(delay = "10ms")]
async fn fill(buffer: &mut Vec<u8>) -> Result<usize, Error> { //~ ERROR cannot share `&mut Vec<u8>`
    buffer.push(1);
    Ok(buffer.len())
}

fn main() {}
