#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

struct Counter {
    calls: u32,
}

impl Counter {
    #[resile::retry(max = 3)]
    async fn bump(&mut self) -> Result<u32, Error> {
        self.calls += 1;
        if self.calls < 2 { Err(Error) } else { Ok(self.calls) }
    }
}

fn main() {
    let mut counter = Counter { calls: 0 };
    drop(counter.bump());
}
