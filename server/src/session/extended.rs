//! The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync.
//!
//! Statements are bound at Parse (so ParameterDescription and RowDescription are known before any
//! Bind, as clients like asyncpg and tokio-postgres require), parameters are decoded at Bind by their
//! resolved types and formats, and a portal runs its statement on the first Execute, keeping the rows
//! so that later Executes with a row limit continue where the last one stopped (PortalSuspended).
//! After any error, messages are skipped until Sync.

use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use pglitedb_protocol::{backend, ErrorFields, Format, SqlState, Target};
use pglitedb_sql::{bind, parse, DataType, QueryPlan, Statement, Value};

use super::exec::{
    aborted_error, allowed_when_failed, result_columns, shared_plan, write_row_description,
    TxnState,
};
use super::{Next, Session};
use crate::error;

/// A prepared statement: `None` is the empty query.
pub struct Prepared {
    pub stmt: Option<Statement>,
    pub plan: Option<Arc<QueryPlan>>,
    /// Parameter type OIDs for ParameterDescription.
    pub param_oids: Vec<u32>,
    pub param_types: Vec<DataType>,
}

/// A bound portal.
pub struct Portal {
    pub statement: Rc<Prepared>,
    pub params: Vec<Value>,
    pub formats: Vec<Format>,
    /// Rows not yet sent, once the portal has run.
    pub pending: Option<std::collections::VecDeque<Vec<Value>>>,
    /// Rows sent so far (for the final SELECT tag).
    pub sent: usize,
}

impl Session {
    fn extended_error(&mut self, f: ErrorFields) -> Next {
        self.send_error(&f);
        self.skip_until_sync = true;
        Next::Continue
    }

    pub(super) fn parse(&mut self, name: String, query: &str, param_oids: &[u32]) -> Next {
        match self.prepare(&name, query, param_oids) {
            Ok(p) => {
                self.prepared.insert(name, Rc::new(p));
                backend::parse_complete(&mut self.conn.out);
                Next::Continue
            }
            Err(f) => self.extended_error(f),
        }
    }

    fn prepare(
        &mut self,
        name: &str,
        query: &str,
        param_oids: &[u32],
    ) -> Result<Prepared, ErrorFields> {
        if !name.is_empty() && self.prepared.contains_key(name) {
            return Err(error::error(
                SqlState::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        let mut stmts = parse(query).map_err(|e| error::from_sql(&e))?;
        if stmts.len() > 1 {
            return Err(error::error(
                SqlState::SYNTAX_ERROR,
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let mut declared = Vec::with_capacity(param_oids.len());
        for &oid in param_oids {
            declared.push(match oid {
                0 => None,
                oid => Some(DataType::from_oid(oid).ok_or_else(|| {
                    error::error(
                        SqlState::UNDEFINED_OBJECT,
                        format!("type with OID {oid} does not exist"),
                    )
                })?),
            });
        }
        let Some(parsed) = stmts.pop() else {
            return Ok(Prepared {
                stmt: None,
                plan: None,
                param_oids: param_oids.to_vec(),
                param_types: Vec::new(),
            });
        };
        let stmt = bind(&parsed, &declared, &self.ctx()).map_err(|e| error::from_sql(&e))?;
        if self.txn == TxnState::Failed && !allowed_when_failed(&stmt) {
            return Err(aborted_error());
        }
        let param_types = statement_param_types(&stmt).unwrap_or_else(|| {
            declared
                .iter()
                .map(|t| t.unwrap_or(DataType::Text))
                .collect()
        });
        let plan = shared_plan(&stmt);
        Ok(Prepared {
            param_oids: param_types.iter().map(|t| t.oid()).collect(),
            param_types,
            plan,
            stmt: Some(stmt),
        })
    }

    pub(super) fn bind(
        &mut self,
        portal: String,
        statement: &str,
        param_formats: &[Format],
        params: Vec<Option<Bytes>>,
        result_formats: Vec<Format>,
    ) -> Next {
        match self.make_portal(statement, param_formats, params, result_formats) {
            Ok(p) => {
                if !portal.is_empty() && self.portals.contains_key(&portal) {
                    return self.extended_error(error::error(
                        SqlState::DUPLICATE_CURSOR,
                        format!("cursor \"{portal}\" already exists"),
                    ));
                }
                self.portals.insert(portal, p);
                backend::bind_complete(&mut self.conn.out);
                Next::Continue
            }
            Err(f) => self.extended_error(f),
        }
    }

    fn make_portal(
        &mut self,
        statement: &str,
        param_formats: &[Format],
        params: Vec<Option<Bytes>>,
        formats: Vec<Format>,
    ) -> Result<Portal, ErrorFields> {
        let prepared = self
            .prepared
            .get(statement)
            .cloned()
            .ok_or_else(|| missing_statement(statement))?;
        if let Some(stmt) = &prepared.stmt {
            if self.txn == TxnState::Failed && !allowed_when_failed(stmt) {
                return Err(aborted_error());
            }
        }
        if params.len() != prepared.param_types.len() {
            return Err(error::error(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but prepared statement \"{statement}\" requires {}",
                    params.len(),
                    prepared.param_types.len()
                ),
            ));
        }
        let columns = prepared
            .stmt
            .as_ref()
            .and_then(result_columns)
            .map_or(0, |c| c.len());
        if formats.len() > 1 && formats.len() != columns {
            return Err(error::error(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message has {} result formats but query has {columns} columns",
                    formats.len()
                ),
            ));
        }
        let mut values = Vec::with_capacity(params.len());
        // Text parameters are read by the types' input functions under the session's settings
        // (DateStyle's field order, TimeZone) and the transaction's `now`, as PostgreSQL does.
        let mut ctx = None;
        for (i, (raw, ty)) in params.iter().zip(&prepared.param_types).enumerate() {
            let format = Format::for_index(param_formats, i).unwrap_or(Format::Text);
            values.push(match raw {
                None => Value::Null,
                Some(bytes) => {
                    let ctx = ctx.get_or_insert_with(|| {
                        let mut c = (*self.format_ctx()).clone();
                        c.now = self.ctx().now;
                        c
                    });
                    decode_param(*ty, format, bytes, i + 1, ctx)?
                }
            });
        }
        Ok(Portal {
            statement: prepared,
            params: values,
            formats,
            pending: None,
            sent: 0,
        })
    }

    pub(super) fn describe(&mut self, target: Target, name: &str) -> Next {
        match target {
            Target::Statement => {
                let Some(p) = self.prepared.get(name).cloned() else {
                    return self.extended_error(missing_statement(name));
                };
                backend::parameter_description(&mut self.conn.out, &p.param_oids);
                self.describe_rows(p.stmt.as_ref(), &[]);
            }
            Target::Portal => {
                let Some(portal) = self.portals.get(name) else {
                    return self.extended_error(missing_portal(name));
                };
                let (prepared, formats) = (portal.statement.clone(), portal.formats.clone());
                self.describe_rows(prepared.stmt.as_ref(), &formats);
            }
        }
        Next::Continue
    }

    fn describe_rows(&mut self, stmt: Option<&Statement>, formats: &[Format]) {
        let columns = stmt.and_then(result_columns).map(|mut cols| {
            if let (Some(Statement::Show(name)), [(col, _)]) = (stmt, cols.as_mut_slice()) {
                if let Ok((canonical, _)) = self.settings.show(name) {
                    *col = canonical;
                }
            }
            cols
        });
        match columns {
            Some(cols) => write_row_description(&mut self.conn.out, &cols, formats),
            None => backend::no_data(&mut self.conn.out),
        }
    }

    pub(super) async fn execute_portal(&mut self, name: &str, max_rows: i32) -> Next {
        let Some(portal) = self.portals.get_mut(name) else {
            return self.extended_error(missing_portal(name));
        };
        let prepared = portal.statement.clone();
        let Some(stmt) = prepared.stmt.as_ref() else {
            backend::empty_query_response(&mut self.conn.out);
            return Next::Continue;
        };
        let Statement::Query(q) = stmt else {
            let (params, formats) = (portal.params.clone(), portal.formats.clone());
            return match self
                .run_statement(stmt, None, &params, &formats, false)
                .await
            {
                Ok(_) => Next::Continue,
                Err(f) => self.extended_error(f),
            };
        };
        if self.txn == TxnState::Failed {
            return self.extended_error(aborted_error());
        }
        if portal.pending.is_none() {
            self.cancel.set(false);
            let (plan, values) = (
                prepared.plan.clone().unwrap_or_else(|| Arc::new(q.clone())),
                portal.params.clone(),
            );
            let params = self.statement_params(&values);
            let rows = match self.portal_query(plan, &params).await {
                Ok(rows) => rows,
                Err(f) => return self.extended_error(f),
            };
            if let Some(portal) = self.portals.get_mut(name) {
                portal.pending = Some(rows.into());
            }
        }
        let Some(portal) = self.portals.get_mut(name) else {
            return Next::Continue;
        };
        let pending = portal.pending.get_or_insert_with(Default::default);
        let take = if max_rows > 0 {
            (max_rows as usize).min(pending.len())
        } else {
            pending.len()
        };
        let batch: Vec<Vec<Value>> = pending.drain(..take).collect();
        let more = !pending.is_empty();
        portal.sent += batch.len();
        let (sent, formats) = (portal.sent, portal.formats.clone());
        if let Err(f) = self.write_rows(&batch, &q.columns, &formats) {
            return self.extended_error(f);
        }
        if more {
            backend::portal_suspended(&mut self.conn.out);
        } else {
            backend::command_complete(&mut self.conn.out, &format!("SELECT {sent}"));
        }
        Next::Continue
    }

    pub(super) fn close(&mut self, target: Target, name: &str) -> Next {
        match target {
            Target::Statement => self.prepared.remove(name).map(|_| ()),
            Target::Portal => self.portals.remove(name).map(|_| ()),
        };
        backend::close_complete(&mut self.conn.out);
        Next::Continue
    }

    pub(super) fn sync(&mut self) -> Next {
        self.skip_until_sync = false;
        if self.txn == TxnState::Idle {
            // The implicit transaction ends: its portals go with it.
            self.portals.clear();
        }
        self.ready_for_query();
        Next::Continue
    }
}

fn missing_statement(name: &str) -> ErrorFields {
    let msg = if name.is_empty() {
        "unnamed prepared statement does not exist".to_string()
    } else {
        format!("prepared statement \"{name}\" does not exist")
    };
    error::error(SqlState::INVALID_SQL_STATEMENT_NAME, msg)
}

fn missing_portal(name: &str) -> ErrorFields {
    error::error(
        SqlState::INVALID_CURSOR_NAME,
        format!("portal \"{name}\" does not exist"),
    )
}

/// Decodes one Bind parameter of type `ty`. Errors name the parameter as PostgreSQL does.
fn decode_param(
    ty: DataType,
    format: Format,
    bytes: &[u8],
    n: usize,
    ctx: &pglitedb_sql::FormatContext,
) -> Result<Value, ErrorFields> {
    match format {
        Format::Text => {
            let s = std::str::from_utf8(bytes).map_err(|_| {
                error::error(
                    SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                    "invalid byte sequence for encoding \"UTF8\"",
                )
            })?;
            Value::parse_text_ctx(ty, s, ctx).map_err(|e| error::from_sql(&e))
        }
        Format::Binary => Value::parse_binary(ty, bytes).map_err(|e| {
            let mut f = error::from_sql(&e);
            if f.code == SqlState::INVALID_BINARY_REPRESENTATION {
                f.message = format!("incorrect binary data format in bind parameter {n}");
            }
            f
        }),
    }
}

/// The parameter types a bound statement resolved, for statements that take parameters.
pub(super) fn statement_param_types(stmt: &Statement) -> Option<Vec<DataType>> {
    Some(match stmt {
        Statement::Query(q) => q.param_types.clone(),
        Statement::Insert { param_types, .. } => param_types.clone(),
        Statement::Update(p) | Statement::Delete(p) => p.param_types.clone(),
        Statement::SetConfig { param_types, .. } | Statement::Sleep { param_types, .. } => {
            param_types.clone()
        }
        Statement::WithWrites(w) => w.param_types.clone(),
        Statement::InsertSelect { query, .. }
        | Statement::CreateTableAs { query, .. }
        | Statement::CopyTo { query, .. } => query.param_types.clone(),
        Statement::Explain { inner, .. } | Statement::Returning { inner, .. } => {
            return statement_param_types(inner)
        }
        _ => return None,
    })
}
