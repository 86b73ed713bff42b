//! Run-time settings (GUCs) of one session: defaults, validation and canonical forms as PostgreSQL 15
//! shows them, which of them are reported to the client with ParameterStatus, and their transactional
//! behaviour (a SET inside a transaction that rolls back is undone; SET LOCAL lasts until its
//! transaction ends).

use std::collections::BTreeMap;

use pglitedb_sql::{SetValue, SqlError};

/// The version we speak. Clients choose SQL dialects by it (psql's `\d` queries, pgbench's COPY).
pub const SERVER_VERSION: &str = "15.18";
pub const SERVER_VERSION_NUM: &str = "150018";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Any string.
    Text,
    /// on/off and PostgreSQL's other boolean spellings, shown as on/off.
    Bool,
    /// An integer within bounds.
    Int(i64, i64),
    /// Milliseconds, shown with the largest unit that divides it (`5s`, `1min`).
    Millis,
    /// One of fixed words (lowercase).
    Enum(&'static [&'static str]),
    DateStyle,
    TimeZone,
    ClientEncoding,
    /// A comma-separated list of identifiers (search_path).
    List,
    /// Cannot be changed by SET.
    ReadOnly,
}

pub(super) struct Guc {
    /// The canonical name: SHOW's column name and the ParameterStatus name.
    pub(super) name: &'static str,
    pub(super) default: &'static str,
    pub(super) kind: Kind,
    /// GUC_REPORT: sent as ParameterStatus at startup and whenever it changes.
    pub(super) report: bool,
    pub(super) description: &'static str,
}

use super::gucs::GUCS;

fn find(name: &str) -> Option<&'static Guc> {
    GUCS.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}

/// One session's settings.
#[derive(Clone)]
pub struct Settings {
    values: BTreeMap<String, String>,
    /// Values to restore when the transaction ends (SET LOCAL), keyed by lowercase name.
    local_saved: BTreeMap<String, String>,
    /// All values as of BEGIN, restored by ROLLBACK.
    txn_saved: Option<BTreeMap<String, String>>,
    /// Values the startup packet set: what RESET returns to (PostgreSQL's session defaults).
    startup: BTreeMap<String, String>,
}

impl Settings {
    /// Defaults, with `user` as the session user.
    pub fn new(user: &str) -> Settings {
        let mut values: BTreeMap<String, String> = GUCS
            .iter()
            .map(|g| (g.name.to_ascii_lowercase(), g.default.to_string()))
            .collect();
        values.insert("session_authorization".into(), user.to_string());
        Settings {
            values,
            local_saved: BTreeMap::new(),
            txn_saved: None,
            startup: BTreeMap::new(),
        }
    }

    /// Current value by (case-insensitive) name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// `(canonical name, value)` of every GUC_REPORT setting, for the startup ParameterStatus burst.
    pub fn reported(&self) -> Vec<(&'static str, String)> {
        GUCS.iter()
            .filter(|g| g.report)
            .map(|g| (g.name, self.get(g.name).unwrap_or(g.default).to_string()))
            .collect()
    }

    /// SHOW: the column name and value.
    pub fn show(&self, name: &str) -> Result<(String, String), SqlError> {
        if let Some(g) = find(name) {
            return Ok((
                g.name.to_string(),
                self.get(g.name).unwrap_or(g.default).to_string(),
            ));
        }
        match self.values.get(&name.to_ascii_lowercase()) {
            Some(v) if name.contains('.') => Ok((name.to_string(), v.clone())),
            _ => Err(SqlError::UnrecognizedParameter(name.to_string())),
        }
    }

    /// SHOW ALL: `(name, setting, description)` rows in name order.
    pub fn show_all(&self) -> Vec<[String; 3]> {
        let mut rows: Vec<[String; 3]> = GUCS
            .iter()
            .map(|g| {
                [
                    g.name.to_string(),
                    self.get(g.name).unwrap_or(g.default).to_string(),
                    g.description.to_string(),
                ]
            })
            .collect();
        rows.sort_by_key(|r| r[0].to_ascii_lowercase());
        rows
    }

    /// `pg_settings` rows: every setting with its current value, in name order.
    pub fn describe_all(&self) -> Vec<pglitedb_sql::SettingInfo> {
        let mut rows: Vec<pglitedb_sql::SettingInfo> = GUCS
            .iter()
            .filter(|g| !g.name.contains('.'))
            .map(|g| {
                let current = self.get(g.name).unwrap_or(g.default).to_string();
                let reset = self
                    .startup
                    .get(&g.name.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_else(|| g.default.to_string());
                let millis = |v: &str| parse_millis(v).map_or(v.to_string(), |n| n.to_string());
                let (vartype, unit, min, max, enumvals) = match g.kind {
                    Kind::Bool => ("bool", None, None, None, None),
                    Kind::Int(lo, hi) => ("integer", None, Some(lo), Some(hi), None),
                    Kind::Millis => (
                        "integer",
                        Some("ms"),
                        Some(0),
                        Some(i64::from(i32::MAX)),
                        None,
                    ),
                    Kind::Enum(words) => (
                        "enum",
                        None,
                        None,
                        None,
                        Some(words.iter().map(|w| w.to_string()).collect()),
                    ),
                    _ => ("string", None, None, None, None),
                };
                let shown = |v: &str| {
                    if unit.is_some() {
                        millis(v)
                    } else {
                        v.to_string()
                    }
                };
                pglitedb_sql::SettingInfo {
                    name: g.name.to_string(),
                    setting: shown(&current),
                    unit,
                    short_desc: g.description.to_string(),
                    context: if g.kind == Kind::ReadOnly {
                        "internal"
                    } else {
                        "user"
                    },
                    vartype,
                    source: if current == g.default {
                        "default"
                    } else {
                        "session"
                    },
                    min_val: min.map(|n| n.to_string()),
                    max_val: max.map(|n| n.to_string()),
                    enumvals,
                    boot_val: shown(g.default),
                    reset_val: shown(&reset),
                }
            })
            .collect();
        rows.sort_by_key(|r| r.name.to_ascii_lowercase());
        rows
    }

    /// SET at startup (StartupMessage options): same validation, not transactional.
    pub fn set_startup(&mut self, name: &str, value: &str) -> Result<(), SqlError> {
        let (key, v) = validate(name, &SetValue::Values(vec![value.to_string()]), self)?;
        self.startup.insert(key.clone(), v.clone());
        self.values.insert(key, v);
        Ok(())
    }

    /// A database default (ALTER DATABASE SET) at connection: applied unless the client's startup
    /// packet set the same setting, which wins as in PostgreSQL. A default that no longer validates
    /// is skipped.
    pub fn set_database_default(&mut self, name: &str, value: &str) {
        if let Ok((key, v)) = validate(name, &SetValue::Values(vec![value.to_string()]), self) {
            if !self.startup.contains_key(&key) {
                self.startup.insert(key.clone(), v.clone());
                self.values.insert(key, v);
            }
        }
    }

    /// Checks a setting and value as SET would, without applying it: the canonical name and value
    /// text (ALTER DATABASE SET stores these).
    pub fn check(&self, name: &str, value: &SetValue) -> Result<(String, String), SqlError> {
        validate(name, value, self)
    }

    /// SET / SET LOCAL / RESET. Returns the `(name, value)` to report with ParameterStatus if the
    /// setting is GUC_REPORT.
    pub fn set(
        &mut self,
        name: &str,
        value: &SetValue,
        local: bool,
        in_txn: bool,
    ) -> Result<Option<(&'static str, String)>, SqlError> {
        let (key, v) = validate(name, value, self)?;
        if local && in_txn {
            if let Some(old) = self.values.get(&key) {
                self.local_saved
                    .entry(key.clone())
                    .or_insert_with(|| old.clone());
            }
        } else if local {
            // SET LOCAL outside a transaction block has no effect (PostgreSQL warns).
            return Ok(None);
        } else {
            self.local_saved.remove(&key);
        }
        self.values.insert(key.clone(), v.clone());
        Ok(find(&key).filter(|g| g.report).map(|g| (g.name, v)))
    }

    /// What `set` would store for `name`, checked but not applied (a SET LOCAL that ends at
    /// once).
    pub fn preview(&self, name: &str, value: &SetValue) -> Result<String, SqlError> {
        validate(name, value, self).map(|(_, v)| v)
    }

    /// RESET ALL: every settable setting back to its default. Returns the reported ones that changed.
    pub fn reset_all(&mut self) -> Vec<(&'static str, String)> {
        let before = self.reported();
        for g in GUCS.iter().filter(|g| g.kind != Kind::ReadOnly) {
            let key = g.name.to_ascii_lowercase();
            let v = self.startup.get(&key).cloned();
            self.values
                .insert(key, v.unwrap_or_else(|| g.default.to_string()));
        }
        self.changed_since(&before)
    }

    /// BEGIN: remember values for ROLLBACK.
    pub fn begin(&mut self) {
        self.txn_saved = Some(self.values.clone());
    }

    /// Transaction end. On rollback every SET since BEGIN is undone; on commit only SET LOCAL is.
    /// Returns the reported settings whose values changed, for ParameterStatus.
    pub fn end(&mut self, committed: bool) -> Vec<(&'static str, String)> {
        let before = self.reported();
        let saved = self.txn_saved.take();
        if !committed {
            if let Some(saved) = saved {
                self.values = saved;
            }
        } else {
            for (k, v) in std::mem::take(&mut self.local_saved) {
                self.values.insert(k, v);
            }
        }
        self.local_saved.clear();
        // Transaction-scoped characteristics revert to their defaults.
        let iso = self
            .get("default_transaction_isolation")
            .unwrap_or("read committed")
            .to_string();
        self.values.insert("transaction_isolation".into(), iso);
        let ro = self
            .get("default_transaction_read_only")
            .unwrap_or("off")
            .to_string();
        self.values.insert("transaction_read_only".into(), ro);
        let deferrable = self
            .get("default_transaction_deferrable")
            .unwrap_or("off")
            .to_string();
        self.values
            .insert("transaction_deferrable".into(), deferrable);
        self.changed_since(&before)
    }

    /// The reported settings whose values differ from `before`'s (ParameterStatus after ROLLBACK TO).
    pub fn changed_from(&self, before: &Settings) -> Vec<(&'static str, String)> {
        self.changed_since(&before.reported())
    }

    fn changed_since(&self, before: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        self.reported()
            .into_iter()
            .filter(|(n, v)| before.iter().any(|(bn, bv)| bn == n && bv != v))
            .collect()
    }
}

/// Validates a SET and returns the storage key and canonical value.
fn validate(
    name: &str,
    value: &SetValue,
    current: &Settings,
) -> Result<(String, String), SqlError> {
    let key = name.to_ascii_lowercase();
    let Some(g) = find(&key) else {
        if key.contains('.') {
            let v = match value {
                SetValue::Default => String::new(),
                SetValue::Values(v) => v.join(", "),
                SetValue::Raw(v) => v.clone(),
            };
            return Ok((key, v));
        }
        return Err(SqlError::UnrecognizedParameter(name.to_string()));
    };
    if g.kind == Kind::ReadOnly {
        return Err(SqlError::CantChangeRuntimeParam(g.name.to_string()));
    }
    let items = match value {
        SetValue::Default => {
            let v = current.startup.get(&key).cloned();
            return Ok((key, v.unwrap_or_else(|| g.default.to_string())));
        }
        SetValue::Values(items) => items,
        SetValue::Raw(text) if g.kind == Kind::List => return Ok((key, text.clone())),
        SetValue::Raw(text) => &vec![text.clone()],
    };
    let invalid = |v: &str| {
        SqlError::InvalidParameterValue(format!(
            "invalid value for parameter \"{}\": \"{v}\"",
            g.name
        ))
    };
    if items.len() != 1 && !matches!(g.kind, Kind::DateStyle | Kind::List) {
        return Err(SqlError::InvalidParameterValue(format!(
            "SET {} takes only one argument",
            g.name
        )));
    }
    let joined = items.join(", ");
    let v = match g.kind {
        Kind::Text => joined,
        Kind::Bool => {
            match pglitedb_sql::Value::parse_text(pglitedb_sql::DataType::Bool, &joined) {
                Ok(pglitedb_sql::Value::Bool(b)) => (if b { "on" } else { "off" }).to_string(),
                _ => {
                    return Err(SqlError::InvalidParameterValue(format!(
                        "parameter \"{}\" requires a Boolean value",
                        g.name
                    )))
                }
            }
        }
        Kind::Int(lo, hi) => {
            let n: i64 = joined.trim().parse().map_err(|_| {
                SqlError::InvalidParameterValue(format!(
                    "invalid value for parameter \"{}\": \"{joined}\"",
                    g.name
                ))
            })?;
            if n < lo || n > hi {
                return Err(SqlError::InvalidParameterValue(format!(
                    "{n} is outside the valid range for parameter \"{}\" ({lo} .. {hi})",
                    g.name
                )));
            }
            n.to_string()
        }
        Kind::Millis => format_millis(parse_millis(&joined).ok_or_else(|| invalid(&joined))?),
        Kind::Enum(words) => {
            let l = joined.to_ascii_lowercase();
            if let Some(w) = words.iter().find(|w| w.eq_ignore_ascii_case(&l)) {
                // As spelled in the table (`Default`), which is how SHOW prints it.
                w.to_string()
            } else if g.name == "standard_conforming_strings"
                && matches!(l.as_str(), "true" | "1" | "yes")
            {
                "on".into()
            } else if g.name == "standard_conforming_strings" {
                return Err(SqlError::FeatureNotSupported(
                    "standard_conforming_strings = off is not supported".into(),
                ));
            } else {
                return Err(invalid(&joined));
            }
        }
        Kind::DateStyle => datestyle(items, current.get("datestyle").unwrap_or("ISO, MDY"))
            .map_err(|word| SqlError::InvalidParameterValueDetail {
                message: format!("invalid value for parameter \"{}\": \"{joined}\"", g.name),
                detail: format!("Unrecognized key word: \"{word}\"."),
            })?,
        Kind::TimeZone => {
            let tz = joined.trim();
            let known = std::path::Path::new("/usr/share/zoneinfo")
                .join(tz)
                .is_file()
                || tz.eq_ignore_ascii_case("utc")
                || tz.eq_ignore_ascii_case("gmt")
                || tz.parse::<f64>().is_ok()
                || (tz.starts_with(|c: char| c == '+' || c == '-' || c.is_ascii_digit())
                    && pglitedb_sql::types::TimeZone::named(tz).is_some());
            if !known || tz.contains("..") {
                return Err(invalid(tz));
            }
            tz.to_string()
        }
        Kind::ClientEncoding => {
            let norm: String = joined
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_uppercase();
            if norm == "UTF8" || norm == "UNICODE" {
                "UTF8".into()
            } else {
                return Err(invalid(&joined));
            }
        }
        Kind::List => items
            .iter()
            .map(|i| {
                if i.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    i.clone()
                } else {
                    format!("\"{i}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        Kind::ReadOnly => return Err(SqlError::CantChangeRuntimeParam(g.name.to_string())),
    };
    Ok((key, v))
}

/// DateStyle: an output style and/or a field order; the part not given keeps its current value.
/// The new DateStyle, or the word PostgreSQL reports as unrecognized.
fn datestyle(items: &[String], current: &str) -> Result<String, String> {
    let (mut style, mut order) = current
        .split_once(", ")
        .map(|(s, o)| (s.to_string(), o.to_string()))
        .ok_or_else(String::new)?;
    let mut order_given = false;
    for word in items
        .iter()
        .flat_map(|i| i.split(','))
        .map(|w| w.trim().to_ascii_lowercase())
    {
        match word.as_str() {
            "iso" => style = "ISO".into(),
            "sql" => style = "SQL".into(),
            "postgres" => style = "Postgres".into(),
            "german" => {
                style = "German".into();
                if !order_given {
                    order = "DMY".into();
                }
            }
            "ymd" => (order, order_given) = ("YMD".into(), true),
            "dmy" | "euro" | "european" => (order, order_given) = ("DMY".into(), true),
            "mdy" | "us" | "noneuropean" | "non-european" => {
                (order, order_given) = ("MDY".into(), true)
            }
            "default" => {}
            _ => return Err(word),
        }
    }
    Ok(format!("{style}, {order}"))
}

fn parse_millis(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "us" => 0.001,
        _ => return None,
    };
    let v = (n * factor).round();
    (0.0..=f64::from(i32::MAX)).contains(&v).then_some(v as i64)
}

fn format_millis(ms: i64) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(
        s: &mut Settings,
        name: &str,
        v: &str,
    ) -> Result<Option<(&'static str, String)>, SqlError> {
        s.set(name, &SetValue::Values(vec![v.to_string()]), false, false)
    }

    #[test]
    fn canonical_forms_match_postgres() {
        let mut s = Settings::new("alice");
        assert_eq!(
            set(&mut s, "datestyle", "german").expect("ok"),
            Some(("DateStyle", "German, DMY".into()))
        );
        s.set(
            "DateStyle",
            &SetValue::Values(vec!["iso".into(), "mdy".into()]),
            false,
            false,
        )
        .expect("ok");
        assert_eq!(
            s.show("datestyle").expect("show"),
            ("DateStyle".into(), "ISO, MDY".into())
        );
        set(&mut s, "statement_timeout", "5000").expect("ok");
        assert_eq!(s.get("statement_timeout"), Some("5s"));
        set(&mut s, "statement_timeout", "90s").expect("ok");
        assert_eq!(s.get("statement_timeout"), Some("90s"));
        assert_eq!(s.get("session_authorization"), Some("alice"));
        let e = set(&mut s, "server_version", "1").expect_err("read-only");
        assert_eq!(
            (e.sqlstate(), e.to_string()),
            (
                "55P02",
                "parameter \"server_version\" cannot be changed".into()
            )
        );
        let e = set(&mut s, "no_such_thing", "1").expect_err("unknown");
        assert_eq!(e.sqlstate(), "42704");
        assert!(set(&mut s, "myapp.flag", "x").is_ok());
        assert_eq!(s.show("myapp.flag").expect("custom").1, "x");
    }

    #[test]
    fn rollback_undoes_set_and_commit_undoes_set_local() {
        let mut s = Settings::new("u");
        s.begin();
        set(&mut s, "application_name", "inside").expect("ok");
        assert_eq!(s.end(false), vec![("application_name", String::new())]);
        assert_eq!(s.get("application_name"), Some(""));
        s.begin();
        s.set(
            "extra_float_digits",
            &SetValue::Values(vec!["3".into()]),
            true,
            true,
        )
        .expect("ok");
        set(&mut s, "application_name", "kept").expect("ok");
        s.end(true);
        assert_eq!(s.get("extra_float_digits"), Some("1"));
        assert_eq!(s.get("application_name"), Some("kept"));
    }
}
