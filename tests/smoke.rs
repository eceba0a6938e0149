use std::time::Duration;
use resile::Rejection;
use tokio::time::Instant;

#[derive(Debug, PartialEq)]
enum E { Flaky, Rejected(Rejection) }
impl From<Rejection> for E { fn from(r: Rejection) -> Self { E::Rejected(r) } }

static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[resile::retry(max = 5, backoff = "exp", base_delay = "100ms", jitter = "none")]
async fn always_fails() -> Result<(), E> {
    CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Err(E::Flaky)
}

#[resile::retry(max = 3, jitter = "none")]
#[resile::timeout("50ms")]
async fn slow(n: &str) -> Result<usize, E> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(n.len())
}

struct S { n: u32 }
impl S {
    #[resile::retry(max = 3, jitter = "none")]
    async fn bump(&mut self) -> Result<u32, E> {
        self.n += 1;
        if self.n < 3 { return Err(E::Flaky); }
        Ok(self.n)
    }
}

#[tokio::test(start_paused = true)]
async fn smoke() {
    let t = Instant::now();
    assert_eq!(always_fails().await, Err(E::Flaky));
    assert_eq!(CALLS.load(std::sync::atomic::Ordering::SeqCst), 5);
    assert_eq!(t.elapsed(), Duration::from_millis(1500));
    let t = Instant::now();
    assert_eq!(slow("ab").await, Err(E::Rejected(Rejection::TimedOut { after: Duration::from_millis(50) })));
    assert_eq!(t.elapsed(), Duration::from_millis(50 * 3 + 100 + 200));
    let mut s = S { n: 0 };
    assert_eq!(s.bump().await, Ok(3));
    let h = tokio::spawn(async { slow("x").await });
    assert!(h.await.unwrap().is_err());
}
