#[derive(Debug)]
struct PriceError;

struct Request {
    id: u64,
}

fn send(r: Request) -> u64 {
    r.id
}

#[resile::fallback(cached)]
async fn price(request: Request) -> Result<u64, PriceError> {
    Ok(send(request))
}

async fn cached(request: Request, _error: PriceError) -> Result<u64, PriceError> {
    Ok(request.id)
}

fn main() {}
