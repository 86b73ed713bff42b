//! [`FormatContext`]: the session settings that change how values print and parse.
//!
//! PostgreSQL's output functions read GUCs (DateStyle, IntervalStyle, TimeZone, extra_float_digits);
//! ours take them explicitly, so evaluation stays pure and a plan running on another core formats
//! exactly as the session asked. The session (server/src/session/params.rs) owns the settings and
//! builds the context with [`FormatContext::from_settings`]; the `Default` is PostgreSQL's default
//! configuration with `TimeZone = 'UTC'`.

use std::sync::Arc;

use super::tz::TimeZone;
use crate::error::{Result, SqlError};

/// DateStyle's output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateStyle {
    #[default]
    Iso,
    Postgres,
    Sql,
    German,
}

/// DateStyle's field order for ambiguous input (and Postgres/SQL output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    Mdy,
    Dmy,
    Ymd,
}

/// IntervalStyle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalStyle {
    #[default]
    Postgres,
    PostgresVerbose,
    SqlStandard,
    Iso8601,
}

/// Settings that output and input functions depend on. Cheap to clone (the time zone is shared).
#[derive(Debug, Clone)]
pub struct FormatContext {
    pub datestyle: DateStyle,
    pub dateorder: DateOrder,
    pub intervalstyle: IntervalStyle,
    pub timezone: Arc<TimeZone>,
    /// -15..=3; values > 0 select shortest-exact float output (PostgreSQL 12+ behaviour).
    pub extra_float_digits: i32,
    /// `now()`/`current_timestamp`: the transaction start, microseconds since 2000-01-01 UTC.
    pub now: i64,
}

impl Default for FormatContext {
    fn default() -> Self {
        FormatContext {
            datestyle: DateStyle::Iso,
            dateorder: DateOrder::Mdy,
            intervalstyle: IntervalStyle::Postgres,
            timezone: Arc::new(TimeZone::utc()),
            extra_float_digits: 1,
            now: 0,
        }
    }
}

impl FormatContext {
    /// Builds a context from the settings' canonical text as SHOW prints them (`"ISO, MDY"`,
    /// `"postgres"`, `"Europe/Paris"`, `"1"`).
    pub fn from_settings(
        datestyle: &str,
        intervalstyle: &str,
        timezone: &str,
        extra_float_digits: &str,
    ) -> Result<FormatContext> {
        let mut ctx = FormatContext::default();
        for part in datestyle.split(',').map(|p| p.trim().to_ascii_lowercase()) {
            match part.as_str() {
                "iso" => ctx.datestyle = DateStyle::Iso,
                "postgres" => ctx.datestyle = DateStyle::Postgres,
                "sql" => ctx.datestyle = DateStyle::Sql,
                "german" => ctx.datestyle = DateStyle::German,
                "mdy" | "us" | "noneuropean" => ctx.dateorder = DateOrder::Mdy,
                "dmy" | "euro" | "european" => ctx.dateorder = DateOrder::Dmy,
                "ymd" => ctx.dateorder = DateOrder::Ymd,
                "" => {}
                _ => {
                    return Err(SqlError::InvalidParameterValue(format!(
                        "invalid value for parameter \"DateStyle\": \"{datestyle}\""
                    )))
                }
            }
        }
        ctx.intervalstyle = match intervalstyle.to_ascii_lowercase().as_str() {
            "postgres" => IntervalStyle::Postgres,
            "postgres_verbose" => IntervalStyle::PostgresVerbose,
            "sql_standard" => IntervalStyle::SqlStandard,
            "iso_8601" => IntervalStyle::Iso8601,
            _ => {
                return Err(SqlError::InvalidParameterValue(format!(
                    "invalid value for parameter \"IntervalStyle\": \"{intervalstyle}\""
                )))
            }
        };
        ctx.timezone = Arc::new(TimeZone::named(timezone).ok_or_else(|| {
            SqlError::InvalidParameterValue(format!(
                "invalid value for parameter \"TimeZone\": \"{timezone}\""
            ))
        })?);
        ctx.extra_float_digits = extra_float_digits
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|v| (-15..=3).contains(v))
            .ok_or_else(|| {
                SqlError::InvalidParameterValue(format!(
                    "invalid value for parameter \"extra_float_digits\": \"{extra_float_digits}\""
                ))
            })?;
        Ok(ctx)
    }
}
