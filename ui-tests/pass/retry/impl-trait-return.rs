// KNOWN BUG: this must compile (STYLE.md lists `pass/retry/impl-trait-return.rs`). The retry
// expansion names the return type with `impl Trait` erased to `_` in
// `error_of(PhantomData::<Result<_, Error>>)`, where nothing constrains `_`. Once fixed,
// move this file to `pass/retry/impl-trait-return.rs` and delete the `.stderr`.
#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::fmt::Display;

#[resile::retry(max = 3)]
#[resile::timeout("1s")]
async fn show(n: u32) -> Result<impl Display, Error> {
    Ok(n * 2)
}

fn main() {}
