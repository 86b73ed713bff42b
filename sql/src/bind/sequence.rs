//! Sequences: CREATE SEQUENCE, DROP SEQUENCE, and binding nextval/currval/setval/lastval.
//!
//! A sequence is a [`TableDef`] without columns whose `sequence` holds its parameters, validated
//! and defaulted here as PostgreSQL's `init_params` does; its values come from its owner shard
//! (`shard/src/sequence.rs`) and reach expressions through the session (`seqeval.rs`). OWNED BY is
//! accepted and has no effect yet (dropping the table does not drop the sequence).

use std::sync::Arc;

use sqlparser::ast;

use super::ddl::{new_table_name, schema_of, table_name};
use super::typing::type_and_typmod;
use super::{coerce, object_name, Binder, Statement};
use crate::catalog::{Catalog, SequenceDef, TableDef, TableId};
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Node};
use crate::seqeval::SeqOp;
use crate::types::{DataType, Value};

/// CREATE [TEMP] SEQUENCE [IF NOT EXISTS] name [options].
pub(super) fn create_sequence(
    b: &mut Binder<'_>,
    temporary: bool,
    if_not_exists: bool,
    name: &ast::ObjectName,
    options: &[ast::SequenceOptions],
) -> Result<Statement> {
    let (name, temp) = new_table_name(name, temporary, None)?;
    let params = sequence_params(b, options)?;
    let seq = TableDef {
        database: b.ctx.database(),
        id: TableId(0),
        schema: schema_of(temp).into(),
        name,
        columns: Vec::new(),
        primary_key: None,
        checks: Vec::new(),
        partition_by: None,
        partition_of: None,
        temp,
        view: None,
        sequence: Some(params),
    };
    Ok(Statement::CreateSequence { seq, if_not_exists })
}

fn sequence_params(b: &mut Binder<'_>, options: &[ast::SequenceOptions]) -> Result<SequenceDef> {
    let mut ty = DataType::Int8;
    let (mut inc, mut min, mut max, mut start, mut cache, mut cycle) =
        (None, None, None, None, None, false);
    for o in options {
        match o {
            ast::SequenceOptions::DataType(t) => {
                ty = type_and_typmod(t)?.0;
                if !matches!(ty, DataType::Int2 | DataType::Int4 | DataType::Int8) {
                    return Err(SqlError::InvalidParameterValue(
                        "sequence type must be smallint, integer, or bigint".into(),
                    ));
                }
            }
            ast::SequenceOptions::IncrementBy(e, _) => inc = Some(int(b, e)?),
            ast::SequenceOptions::MinValue(e) => min = e.as_ref().map(|e| int(b, e)).transpose()?,
            ast::SequenceOptions::MaxValue(e) => max = e.as_ref().map(|e| int(b, e)).transpose()?,
            ast::SequenceOptions::StartWith(e, _) => start = Some(int(b, e)?),
            ast::SequenceOptions::Cache(e) => cache = Some(int(b, e)?),
            // sqlparser's flag says NO CYCLE.
            ast::SequenceOptions::Cycle(no) => cycle = !*no,
            ast::SequenceOptions::OwnedBy(_) => {}
        }
    }
    let (lo, hi) = match ty {
        DataType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        DataType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let increment = inc.unwrap_or(1);
    if increment == 0 {
        return Err(SqlError::InvalidParameterValue(
            "INCREMENT must not be zero".into(),
        ));
    }
    let ty_name = ty.sql_name();
    let max = max.unwrap_or(if increment > 0 { hi } else { -1 });
    let min = min.unwrap_or(if increment > 0 { 1 } else { lo });
    if !(lo..=hi).contains(&max) {
        return Err(SqlError::InvalidParameterValue(format!(
            "MAXVALUE ({max}) is out of range for sequence data type {ty_name}"
        )));
    }
    if !(lo..=hi).contains(&min) {
        return Err(SqlError::InvalidParameterValue(format!(
            "MINVALUE ({min}) is out of range for sequence data type {ty_name}"
        )));
    }
    if min >= max {
        return Err(SqlError::InvalidParameterValue(format!(
            "MINVALUE ({min}) must be less than MAXVALUE ({max})"
        )));
    }
    let start = start.unwrap_or(if increment > 0 { min } else { max });
    if start < min {
        return Err(SqlError::InvalidParameterValue(format!(
            "START value ({start}) cannot be less than MINVALUE ({min})"
        )));
    }
    if start > max {
        return Err(SqlError::InvalidParameterValue(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max})"
        )));
    }
    let cache = cache.unwrap_or(1);
    if cache <= 0 {
        return Err(SqlError::InvalidParameterValue(format!(
            "CACHE ({cache}) must be greater than zero"
        )));
    }
    Ok(SequenceDef {
        ty,
        start,
        increment,
        min,
        max,
        cache,
        cycle,
    })
}

/// A constant integer option.
fn int(b: &mut Binder<'_>, e: &ast::Expr) -> Result<i64> {
    let bound = coerce(b.expr(e)?, DataType::Int8, &mut b.params)?;
    match bound.eval(&b.params.eval_params())? {
        Value::Int8(v) => Ok(v),
        _ => Err(SqlError::InvalidParameterValue(format!(
            "invalid sequence option value: {e}"
        ))),
    }
}

/// DROP SEQUENCE [IF EXISTS] a, b.
pub(super) fn drop_sequence(
    names: &[ast::ObjectName],
    if_exists: bool,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let mut seqs = Vec::new();
    let mut missing = Vec::new();
    for n in names {
        let name = table_name(n)?;
        match crate::catalog::resolve(catalog, &object_name(n)) {
            Some(t) if t.sequence.is_some() => seqs.push(t),
            Some(t) => {
                return Err(SqlError::WrongKind {
                    message: format!("\"{}\" is not a sequence", t.name),
                    hint: Some("Use DROP TABLE to remove a table."),
                })
            }
            None if if_exists => missing.push(name),
            None => return Err(SqlError::UndefinedSequence(name)),
        }
    }
    Ok(Statement::DropSequence { seqs, missing })
}

impl Binder<'_> {
    /// nextval/currval/setval/lastval, or `None` for other functions. The sequence argument must
    /// be a constant name (PostgreSQL's regclass literal), resolved now.
    pub(super) fn sequence_call(
        &mut self,
        name: &str,
        args: Vec<Expr>,
        at: Option<u32>,
    ) -> Option<Result<Expr>> {
        let op = match name {
            "nextval" => SeqOp::NextVal,
            "currval" => SeqOp::CurrVal,
            "setval" => SeqOp::SetVal,
            "lastval" => SeqOp::LastVal,
            _ => return None,
        };
        Some(self.bind_sequence_call(op, name, args, at))
    }

    fn bind_sequence_call(
        &mut self,
        op: SeqOp,
        name: &str,
        args: Vec<Expr>,
        at: Option<u32>,
    ) -> Result<Expr> {
        let arity_ok = match op {
            SeqOp::LastVal => args.is_empty(),
            SeqOp::NextVal | SeqOp::CurrVal => args.len() == 1,
            SeqOp::SetVal => args.len() == 2 || args.len() == 3,
        };
        if !arity_ok {
            let types: Vec<&str> = args.iter().map(|a| a.data_type().sql_name()).collect();
            return Err(SqlError::UndefinedFunction {
                signature: format!("{name}({})", types.join(", ")),
                position: at,
            });
        }
        let mut args = args.into_iter();
        let seq = match op {
            SeqOp::LastVal => None,
            _ => {
                let Some(Expr::Const(Value::Text(text), _)) = args.next() else {
                    return Err(SqlError::FeatureNotSupported(format!(
                        "{name}() of a sequence name that is not a constant is not supported yet"
                    )));
                };
                Some(self.sequence_named(&text, at)?)
            }
        };
        let mut rest = Vec::new();
        if op == SeqOp::SetVal {
            if let Some(v) = args.next() {
                rest.push(coerce(v, DataType::Int8, &mut self.params)?);
            }
            if let Some(c) = args.next() {
                rest.push(coerce(c, DataType::Bool, &mut self.params)?);
            }
        }
        Ok(Expr::Node {
            kind: Node::Sequence(op, seq),
            args: rest,
            ty: DataType::Int8,
        })
    }

    /// The sequence a regclass literal names (`'s'`, `'"S"'`, `'public.s'`).
    fn sequence_named(&self, text: &str, at: Option<u32>) -> Result<Arc<TableDef>> {
        let name: Vec<String> = text
            .split('.')
            .map(
                |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                    Some(quoted) => quoted.to_string(),
                    None => p.to_lowercase(),
                },
            )
            .collect();
        let full = name.join(".");
        let t =
            crate::catalog::resolve(self.ctx.catalog(), &full).ok_or(SqlError::UndefinedTable {
                name: full.clone(),
                position: at,
            })?;
        if t.sequence.is_none() {
            return Err(SqlError::WrongKind {
                message: format!("\"{}\" is not a sequence", t.name),
                hint: None,
            });
        }
        Ok(t)
    }
}
