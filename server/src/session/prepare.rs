//! SQL-level PREPARE / EXECUTE / DEALLOCATE. They share the session's map of named prepared
//! statements with the extended protocol (a statement PREPAREd in SQL can be bound by name with
//! Bind, and one made by Parse can be EXECUTEd), as PostgreSQL does.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, Format, SqlState};
use pglitedb_sql::{bind, parse, DataType, Params, PreparedCommand, Statement};

use super::exec::shared_plan;
use super::extended::{statement_param_types, Prepared};
use super::Session;
use crate::error;

/// What a prepared-statement command did.
pub(super) enum PreparedDone {
    Tag(String),
    /// EXECUTE sent the inner statement's rows and tag (this many rows).
    Ran(usize),
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, ErrorFields>> + 'a>>;

impl Session {
    pub(super) async fn prepared_command(
        &mut self,
        cmd: &PreparedCommand,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<PreparedDone, ErrorFields> {
        match cmd {
            PreparedCommand::Prepare {
                name,
                inner,
                declared,
            } => {
                if self.prepared.contains_key(name) {
                    return Err(error::error(
                        SqlState::DUPLICATE_PREPARED_STATEMENT,
                        format!("prepared statement \"{name}\" already exists"),
                    ));
                }
                let param_types = statement_param_types(inner).unwrap_or_else(|| declared.clone());
                let stmt = (**inner).clone();
                let prepared = Prepared {
                    param_oids: param_types.iter().map(|t| t.oid()).collect(),
                    param_types,
                    plan: shared_plan(&stmt),
                    stmt: Some(stmt),
                };
                self.prepared.insert(name.clone(), Rc::new(prepared));
                Ok(PreparedDone::Tag("PREPARE".into()))
            }
            PreparedCommand::Deallocate(None) => {
                self.prepared.retain(|n, _| n.is_empty());
                Ok(PreparedDone::Tag("DEALLOCATE ALL".into()))
            }
            PreparedCommand::Deallocate(Some(name)) => match self.prepared.remove(name) {
                Some(_) => Ok(PreparedDone::Tag("DEALLOCATE".into())),
                None => Err(missing(name)),
            },
            PreparedCommand::Execute { name, args } => {
                let Some(prepared) = self.prepared.get(name).cloned() else {
                    return Err(missing(name));
                };
                if args.len() != prepared.param_types.len() {
                    let mut f = error::error(
                        SqlState::SYNTAX_ERROR,
                        format!("wrong number of parameters for prepared statement \"{name}\""),
                    );
                    f.detail = Some(format!(
                        "Expected {} parameters but got {}.",
                        prepared.param_types.len(),
                        args.len()
                    ));
                    return Err(f);
                }
                let values = self
                    .argument_values(args, &prepared.param_types, params)
                    .await?;
                let Some(stmt) = prepared.stmt.as_ref() else {
                    return Ok(PreparedDone::Tag(String::new()));
                };
                let run: Boxed<'_, usize> = Box::pin(self.run_statement(
                    stmt,
                    prepared.plan.clone(),
                    &values,
                    formats,
                    describe,
                ));
                Ok(PreparedDone::Ran(run.await?))
            }
        }
    }

    /// EXECUTE's arguments as values of the parameters' types: `SELECT (arg)::type, ...`.
    async fn argument_values(
        &mut self,
        args: &[String],
        types: &[DataType],
        params: &Params,
    ) -> Result<Vec<pglitedb_sql::Value>, ErrorFields> {
        if args.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = args
            .iter()
            .zip(types)
            .map(|(a, t)| format!("({a})::{}", t.sql_name()))
            .collect();
        let sql = format!("SELECT {}", list.join(", "));
        let sql_err = |e: pglitedb_sql::SqlError| {
            // Positions would point into the generated SELECT, not the user's text.
            let mut f = error::from_sql(&e);
            f.position = None;
            f
        };
        let mut parsed = parse(&sql).map_err(sql_err)?;
        let Some(one) = parsed.pop() else {
            return Err(error::error(
                SqlState::INTERNAL_ERROR,
                "EXECUTE arguments did not parse (bug)",
            ));
        };
        let Statement::Query(plan) = bind(&one, &[], &self.ctx()).map_err(sql_err)? else {
            return Err(error::error(
                SqlState::INTERNAL_ERROR,
                "EXECUTE arguments are not a query (bug)",
            ));
        };
        let rows: Boxed<'_, Vec<Vec<pglitedb_sql::Value>>> =
            Box::pin(self.query_rows(Arc::new(plan), params));
        let mut rows = rows.await?;
        Ok(rows.pop().unwrap_or_default())
    }
}

fn missing(name: &str) -> ErrorFields {
    error::error(
        SqlState::INVALID_SQL_STATEMENT_NAME,
        format!("prepared statement \"{name}\" does not exist"),
    )
}
