#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn lookup<'a>(map: &'a std::collections::HashMap<String, u32>, key: &str, out: &mut Vec<u32>) -> Result<&'a u32, Error> {
    let v = map.get(key).ok_or(Error)?;
    out.push(*v);
    Ok(v)
}

fn main() {}
