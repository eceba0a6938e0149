//! Function shapes every attribute must accept: trait impls (native and `#[async_trait]`), `#[tracing::instrument]` in either order, generics, `impl Trait`, `?` and early `return`.
use resile::Rejection;
use std::fmt::Display;
#[derive(Debug)]
pub struct E;
impl From<Rejection> for E {
    fn from(_: Rejection) -> Self {
        E
    }
}

#[async_trait::async_trait]
pub trait Repo {
    async fn get(&self, id: u64, name: String) -> Result<u64, E>;
}
pub struct R;
#[async_trait::async_trait]
impl Repo for R {
    #[resile::retry(max = 2)]
    #[resile::timeout("1s")]
    async fn get(&self, id: u64, name: String) -> Result<u64, E> {
        Ok(id + name.len() as u64)
    }
}
pub trait Native {
    fn get(&self, id: u64) -> impl std::future::Future<Output = Result<u64, E>> + Send;
}
impl Native for R {
    #[resile::retry(max = 2)]
    async fn get(&self, id: u64) -> Result<u64, E> {
        Ok(id)
    }
}
#[tracing::instrument]
#[resile::retry(max = 2)]
async fn instrumented_outer(a: u64, s: String) -> Result<u64, E> {
    Ok(a + s.len() as u64)
}
#[resile::retry(max = 2)]
#[tracing::instrument]
async fn instrumented_inner(a: u64, s: String) -> Result<u64, E> {
    Ok(a + s.len() as u64)
}
#[resile::retry(max = 2)]
async fn generic<T: Display + Send + Sync>(t: &T, u: impl AsRef<str>) -> Result<String, E> {
    Ok(format!("{t}{}", u.as_ref()))
}
#[resile::timeout("1s")]
async fn ret_impl(x: u32) -> Result<impl Display, E> {
    Ok(x)
}
#[resile::retry]
async fn early(x: u32) -> Result<u32, std::io::Error> {
    let v: u32 = "5".parse().map_err(std::io::Error::other)?;
    if x == 0 {
        return Ok(0);
    }
    Ok(v + x)
}
#[resile::timeout("1s")]
async fn moves(s: String) -> Result<String, E> {
    Ok(s)
}
#[tokio::test]
async fn probe() {
    assert_eq!(Repo::get(&R, 1, "ab".into()).await.unwrap(), 3);
    assert_eq!(Native::get(&R, 1).await.unwrap(), 1);
    assert_eq!(instrumented_outer(1, "x".into()).await.unwrap(), 2);
    assert_eq!(instrumented_inner(1, "x".into()).await.unwrap(), 2);
    assert_eq!(generic(&1, "a").await.unwrap(), "1a");
    assert_eq!(ret_impl(3).await.unwrap().to_string(), "3");
    assert_eq!(early(1).await.unwrap(), 6);
    assert_eq!(moves("q".into()).await.unwrap(), "q");
}

/// `crate = "path"` for a renamed dependency: every generated path goes through it, and the
/// attributes stacked below the leader are recognised under the new name.
mod renamed {
    use ::resile as guard;

    #[derive(Debug)]
    pub(super) struct Failure;
    impl From<guard::Rejection> for Failure {
        fn from(_: guard::Rejection) -> Self {
            Failure
        }
    }

    #[guard::retry(crate = "guard", max = 2, jitter = "none")]
    #[guard::timeout("1s")]
    pub(super) async fn call(n: u32) -> Result<u32, Failure> {
        Ok(n + 1)
    }
}

#[tokio::test]
async fn renamed_crate_path() {
    assert_eq!(renamed::call(1).await.unwrap(), 2);
}
