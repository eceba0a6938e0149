#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "20ms", max_requests = 3)]
async fn lookup<'a>(map: &'a std::collections::HashMap<String, u32>, key: &str) -> Result<&'a u32, Error> {
    map.get(key).ok_or(Error)
}

#[resile::hedge(delay = "20ms")]
async fn cloned(s: String) -> Result<usize, Error> {
    let owned = s.clone();
    Ok(owned.len() + s.len())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut map = std::collections::HashMap::new();
    map.insert("a".to_string(), 1);
    assert_eq!(*rt.block_on(lookup(&map, "a")).unwrap(), 1);
    assert_eq!(rt.block_on(cloned("ab".into())).unwrap(), 4);
}
