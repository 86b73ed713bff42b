//! `SELECT pg_sleep(seconds)` and friends (bound by `sql/src/bind/session_call.rs`): the session
//! sleeps on the executor's timer, so its core keeps serving other sessions and shards, and wakes
//! early for statement_timeout (57014) or a cancel request (57014), as PostgreSQL's does.

use std::time::{Duration, Instant};

use pglitedb_protocol::{ErrorFields, Format, SqlState};
use pglitedb_sql::{Expr, Params, Value};

use super::Session;
use crate::error;

/// How often a sleep looks at the session's cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(10);

impl Session {
    pub(super) async fn sleep(
        &mut self,
        arg: &Expr,
        column: &str,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<(), ErrorFields> {
        let v = arg.eval(params).map_err(|e| error::from_sql(&e))?;
        let secs = match v {
            Value::Float8(s) => s,
            Value::Interval(i) => {
                let days = f64::from(i.months) * 30.0 + f64::from(i.days);
                days * 86_400.0 + i.micros as f64 / 1e6
            }
            Value::Timestamptz(t) => (t - params.ctx().now) as f64 / 1e6,
            _ => 0.0, // NULL: no sleep
        };
        let wake = Instant::now() + Duration::from_secs_f64(secs.clamp(0.0, 1e9));
        let deadline = self.statement_deadline();
        self.cancel.set(false);
        loop {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Err(error::error(
                    SqlState::QUERY_CANCELED,
                    "canceling statement due to statement timeout",
                ));
            }
            if self.cancel.replace(false) {
                return Err(error::error(
                    SqlState::QUERY_CANCELED,
                    "canceling statement due to user request",
                ));
            }
            if now >= wake {
                break;
            }
            let until = deadline.map_or(wake, |d| d.min(wake));
            glommio::timer::sleep(until.saturating_duration_since(now).min(CANCEL_POLL)).await;
        }
        // pg_sleep returns void, which prints as an empty value.
        self.answer_one(column, "", formats, describe);
        Ok(())
    }
}
