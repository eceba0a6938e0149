#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "tenants", rate = 10, key = tenant_id)] //~ ERROR names no argument of the function ...; did you mean `tenant`?
async fn serve(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {}
