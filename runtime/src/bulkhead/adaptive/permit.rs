//! The permits of a call admitted by an adaptive site ([`AdaptivePermit`]), and the
//! admission that takes them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use tokio::time::Instant;

use super::super::site::{Bulkhead, BulkheadPermit, BulkheadSite};
use crate::Rejection;
use crate::telemetry::{CallSpan, ImplType};

/// The permits of one admitted call, as [`BulkheadPermit`], and when they were taken: its
/// drop gives the adaptive limit the call's latency sample (see the
/// [module docs](super#samples)), then returns the permits.
///
/// On a fixed bulkhead (a `policy` site whose policy is not adaptive, or a bulkhead turned
/// off) it holds no start and takes no sample.
#[must_use = "the permits return when this is dropped"]
pub struct AdaptivePermit<'a> {
    permit: BulkheadPermit<'a>,
    /// When the permits were taken; `None`: no sample.
    start: Option<Instant>,
    /// The permits in use just after admission.
    in_flight: u32,
}

impl<'a> AdaptivePermit<'a> {
    /// Wraps `permit`, just taken: reads the clock if its bulkhead adapts.
    #[inline]
    pub(crate) fn new(permit: BulkheadPermit<'a>) -> Self {
        let bulkhead = permit.bulkhead;
        let sampled = bulkhead.adaptive.is_some() && permit.weight > 0;
        let (start, in_flight) = if sampled { (Some(Instant::now()), bulkhead.ledger.in_use()) } else { (None, 0) };
        AdaptivePermit { permit, start, in_flight }
    }

    /// The permits held.
    #[inline]
    pub fn weight(&self) -> u32 {
        self.permit.weight
    }
}

impl fmt::Debug for AdaptivePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdaptivePermit").field("permit", &self.permit).field("in_flight", &self.in_flight).finish()
    }
}

impl Drop for AdaptivePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(start) = self.start {
            self.sample(start);
        }
        // Then `self.permit` drops: the permits go back, paying what a lower limit owes first.
    }
}

impl AdaptivePermit<'_> {
    /// Gives the adaptive limit this call's sample: out of line, so that a fixed
    /// bulkhead's permit (no start) drops with one test more than a [`BulkheadPermit`].
    #[inline(never)]
    fn sample(&self, start: Instant) {
        let Some(adaptive) = self.permit.bulkhead.adaptive.as_deref() else {
            return;
        };
        let now = Instant::now();
        let rtt = u64::try_from(now.duration_since(start).as_nanos()).unwrap_or(u64::MAX);
        let now_ns = u64::try_from(now.duration_since(self.permit.bulkhead.epoch).as_nanos()).unwrap_or(u64::MAX);
        let bulkhead = self.permit.bulkhead;
        adaptive.on_sample(
            rtt,
            self.in_flight,
            std::thread::panicking(),
            now_ns,
            &bulkhead.ledger,
            &bulkhead.semaphore,
        );
    }
}

impl Bulkhead {
    /// [`try_acquire`](Bulkhead::try_acquire), the permits holding their start for the
    /// latency sample of an adaptive bulkhead.
    #[inline]
    pub fn try_acquire_sampled(&self, weight: u32) -> Option<AdaptivePermit<'_>> {
        self.try_acquire(weight).map(AdaptivePermit::new)
    }

    /// [`acquire`](Bulkhead::acquire), the permits holding their start for the latency
    /// sample of an adaptive bulkhead (on a fixed one, the same as `acquire`).
    pub async fn acquire_sampled(
        &self,
        weight: u32,
        max_wait: std::time::Duration,
        span: &CallSpan,
        function: crate::telemetry::Function,
    ) -> Result<AdaptivePermit<'_>, Rejection> {
        self.acquire(weight, max_wait, span, function).await.map(AdaptivePermit::new)
    }
}

/// The permits a site's admission hands out, chosen at compile time from whether its
/// bulkhead adapts: [`Sampling<true>`](Sampling) for an adaptive one (an
/// [`AdaptivePermit`], which takes the latency sample), `Sampling<false>` for a fixed one
/// (a [`BulkheadPermit`], the inline fixed site's admission to the instruction).
///
/// The `#[bulkhead(adaptive = ..)]` expansion names `Sampling<true>`; the
/// `#[bulkhead(policy = PATH)]` expansion names `Sampling<{ PATH.config.adaptive.is_some() }>`:
/// the policy is a `const`, so the choice costs nothing at run time, and a fixed policy's
/// call reads no clock and holds no start.
pub trait Admission {
    /// What the call holds until it ends.
    type Permit;

    /// The permits just taken, as this admission holds them.
    fn hold(permit: BulkheadPermit<'static>) -> Self::Permit;
}

/// The [`Admission`] of a site whose bulkhead adapts (`true`) or not (`false`).
#[derive(Debug)]
pub struct Sampling<const ADAPTIVE: bool>;

impl Admission for Sampling<false> {
    type Permit = BulkheadPermit<'static>;

    #[inline(always)]
    fn hold(permit: BulkheadPermit<'static>) -> Self::Permit {
        permit
    }
}

impl Admission for Sampling<true> {
    type Permit = AdaptivePermit<'static>;

    #[inline(always)]
    fn hold(permit: BulkheadPermit<'static>) -> Self::Permit {
        AdaptivePermit::new(permit)
    }
}

impl BulkheadSite {
    /// [`try_admit`](BulkheadSite::try_admit), the permits held as `A` says: what an
    /// adaptive or a `policy` site calls, `A` being [`Sampling`] of whether it adapts. One
    /// clock read more when it does; none when it does not.
    #[inline(always)]
    pub fn try_admit_as<A: Admission>(&self) -> Option<A::Permit> {
        self.try_admit().map(A::hold)
    }

    /// [`wait`](BulkheadSite::wait), the permits held as `A` says.
    #[inline]
    pub fn wait_as<'a, A: Admission>(
        &'a self,
        span: &'a CallSpan,
        impl_type: impl ImplType + 'a,
    ) -> Pin<Box<impl Future<Output = Result<A::Permit, Rejection>> + 'a>> {
        Box::pin(async move { self.wait_inline(span, impl_type).await.map(A::hold) })
    }
}
