//! Ending a CPU-bound router-side run at the statement's deadline (`statement_timeout`).
//!
//! A run is synchronous (see `env`), on the router as on a shard: while it loops, its core's
//! executor runs nothing else, so no timer can fire and no interrupt message is read. The session
//! therefore puts the deadline into the statement's [`Params`] (`Params::with_deadline`), which
//! travel with every request, and the loops whose length the data or the query decides (rows fed
//! to a `ShardRun`, join pairs, series, recursive CTE iterations) call [`tick`], which looks at the
//! clock every [`CHECK_EVERY`] calls and fails with 57014 past the deadline.

use std::cell::Cell;
use std::time::Instant;

use crate::error::{Result, SqlError};
use crate::expr::Params;

/// How many ticks pass between two clock reads (a clock read costs ~20 ns, a tick ~1 ns).
const CHECK_EVERY: u32 = 1024;

thread_local! {
    static TICKS: Cell<u32> = const { Cell::new(0) };
}

/// One unit of work; every [`CHECK_EVERY`]th call fails if the deadline has passed.
#[inline]
pub(crate) fn tick(params: &Params) -> Result<()> {
    let n = TICKS.with(|t| {
        let n = t.get().wrapping_add(1);
        t.set(n);
        n
    });
    if !n.is_multiple_of(CHECK_EVERY) {
        return Ok(());
    }
    check(params)
}

/// Fails at once if the deadline has passed.
pub(crate) fn check(params: &Params) -> Result<()> {
    match params.deadline() {
        Some(d) if Instant::now() >= d => Err(SqlError::StatementTimeout),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FormatContext;
    use std::time::Duration;

    #[test]
    fn ticks_fail_only_past_the_deadline() {
        let p = Params::new(Vec::new(), std::sync::Arc::new(FormatContext::default()));
        assert!((0..5000).all(|_| tick(&p).is_ok()));
        let far = p
            .clone()
            .with_deadline(Some(Instant::now() + Duration::from_secs(3600)));
        assert!((0..5000).all(|_| tick(&far).is_ok()));
        let past = p.with_deadline(Some(Instant::now() - Duration::from_millis(1)));
        assert!((0..5000).any(|_| tick(&past).is_err()));
        assert!(matches!(check(&past), Err(SqlError::StatementTimeout)));
    }
}
