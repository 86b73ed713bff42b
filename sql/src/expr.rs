//! Typed scalar expressions and their evaluation.
//!
//! Expressions are bound (types resolved) before they run, so evaluation never guesses a type:
//! an operator's operands have already been given a common type by the binder.

use crate::error::{Result, SqlError};
use crate::func::FuncSig;
use crate::types::{self, BinarySig, DataType, FormatContext, UnarySig, Value};

/// What an evaluation sees besides the input row: the values of the `$n` parameters (already of
/// their types) and the session's settings (TimeZone, DateStyle, ..., and `now()`, the
/// transaction's start), which the session fixes per statement and ships with the plan.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Vec<Value>,
    ctx: std::sync::Arc<FormatContext>,
    /// Sequence values the session fetched for this statement (`crate::seqeval`).
    seq: Option<std::sync::Arc<crate::seqeval::SeqBuffer>>,
    /// When `statement_timeout` ends the statement (`exec::interrupt`).
    deadline: Option<std::time::Instant>,
}

impl Params {
    pub fn new(values: Vec<Value>, ctx: std::sync::Arc<FormatContext>) -> Params {
        Params {
            values,
            ctx,
            seq: None,
            deadline: None,
        }
    }

    /// The same parameters, to be interrupted at `deadline` (`statement_timeout`).
    pub fn with_deadline(self, deadline: Option<std::time::Instant>) -> Params {
        Params { deadline, ..self }
    }

    /// When the statement must end, if it has a `statement_timeout`.
    pub fn deadline(&self) -> Option<std::time::Instant> {
        self.deadline
    }

    /// The same parameters with `buf` for sequence calls.
    pub fn with_sequences(&self, buf: std::sync::Arc<crate::seqeval::SeqBuffer>) -> Params {
        Params {
            seq: Some(buf),
            ..self.clone()
        }
    }

    /// The sequence buffer, if the session supplied one.
    pub fn sequences(&self) -> Option<&crate::seqeval::SeqBuffer> {
        self.seq.as_deref()
    }

    /// The session settings of this evaluation.
    pub fn ctx(&self) -> &FormatContext {
        &self.ctx
    }

    /// The shared settings, for building another `Params` with the same context.
    pub fn shared_ctx(&self) -> std::sync::Arc<FormatContext> {
        self.ctx.clone()
    }
}

impl std::ops::Deref for Params {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.values
    }
}

impl From<Vec<Value>> for Params {
    /// Parameters under default settings (tests, constant folding of DEFAULTs).
    fn from(values: Vec<Value>) -> Params {
        Params {
            values,
            ctx: Default::default(),
            seq: None,
            deadline: None,
        }
    }
}

/// A resolved built-in function (`crate::func::resolve`). Two calls are the same function when
/// name, parameter types and result type agree (what GROUP BY/ORDER BY matching needs).
#[derive(Debug, Clone)]
pub struct Function(pub FuncSig);

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name && self.0.params == other.0.params && self.0.ret == other.0.ret
    }
}

/// Arithmetic, comparison, boolean and string operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

/// A bound expression. Every node knows its result type.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(Value, DataType),
    /// 0-based parameter index (`$1` is 0).
    Param(usize, DataType),
    /// A column of the input row, by position.
    Column(usize, DataType),
    Cast(Box<Expr>, DataType),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        ty: DataType,
    },
    /// A built-in function; arguments already cast to its parameter types.
    Call {
        func: Function,
        args: Vec<Expr>,
    },
    /// A column of an enclosing query level's current row (correlated subqueries, LATERAL):
    /// `depth` 1 is the nearest enclosing level (see `crate::exec::env`).
    Outer {
        depth: usize,
        column: usize,
        ty: DataType,
    },
    /// A subquery used as an expression (EXISTS, IN/ANY/ALL, scalar).
    SubLink(Box<crate::plan::SubLink>),
    /// Operators resolved by `types::ops` and the conditional forms (CASE, COALESCE, ...):
    /// every child is in `args`, in the order [`Node`] documents.
    Node {
        kind: Node,
        args: Vec<Expr>,
        ty: DataType,
    },
}

/// The kinds of [`Expr::Node`], with the layout of their `args`.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `l op r` (args: l, r, already of the signature's operand types).
    Op(BinarySig),
    /// A prefix operator (args: the operand).
    Prefix(UnarySig),
    /// Searched CASE (args: cond1, result1, cond2, result2, ..., else). Only the branch taken is
    /// evaluated, as in PostgreSQL (`CASE WHEN false THEN 1/0 ELSE 0 END` is 0).
    Case,
    /// COALESCE (args: the alternatives, evaluated until one is not NULL).
    Coalesce,
    /// GREATEST / LEAST (args: the values, NULLs ignored).
    Greatest,
    Least,
    /// `l IS [NOT] DISTINCT FROM r` with `eq`, the `=` operator of their common type.
    IsDistinct {
        eq: BinarySig,
        negated: bool,
    },
    /// An explicit cast's length coercion (args: the operand, already of type `ty`).
    Typmod(i32),
    /// `l op ANY (array)` / `l op ALL (array)` (args: l, the array), `sig` comparing `l` with
    /// an element. ANY: true if some comparison is true, else NULL if some is NULL, else false
    /// (false for an empty array); ALL the dual.
    ArrayCmp {
        sig: BinarySig,
        all: bool,
    },
    /// nextval/currval/setval/lastval (args: setval's value and is_called; see `seqeval.rs`).
    Sequence(
        crate::seqeval::SeqOp,
        Option<std::sync::Arc<crate::catalog::TableDef>>,
    ),
    /// A user-defined SQL function's body, bound at the call (args: the call's arguments, of
    /// the parameter types). The body is an expression over the *argument row* (`Column(i)` is
    /// argument `i`), evaluated once per call over the evaluated arguments; see
    /// `crate::function::InlinedBody`.
    SqlFunction(std::sync::Arc<crate::function::InlinedBody>),
    /// `to_json`/`to_jsonb` of a value of type `from` (args: the value; NULL stays NULL): the
    /// typed step in front of the json builders and aggregates, which take any type.
    ToJson {
        from: DataType,
        jsonb: bool,
    },
    /// A row as a json object (`row_to_json(t)`, `to_jsonb(ROW(...))`; args: the fields, named
    /// `names`); `pretty` puts each field after the first on a line of its own.
    RecordToJson {
        names: Vec<String>,
        jsonb: bool,
        pretty: bool,
    },
    /// `tableoid` of a partitioned table's row: the OID of the leaf that holds it (args: the
    /// table's columns in its own order; see `crate::partition::PartitionTree`).
    PartitionOid(std::sync::Arc<crate::partition::PartitionTree>),
    /// `ROW(a, b, ...)` / `(a, b, ...)`: an anonymous record of the args (its fields' types are
    /// the args' types).
    Row,
    /// Field `n` (0-based) of a record (args: the record; NULL or a shorter record gives NULL).
    Field(usize),
}

impl Expr {
    /// The expression's result type.
    pub fn data_type(&self) -> DataType {
        match self {
            Expr::Const(_, t) | Expr::Param(_, t) | Expr::Column(_, t) | Expr::Cast(_, t) => *t,
            Expr::Neg(e) => e.data_type(),
            Expr::Not(_) | Expr::IsNull { .. } => DataType::Bool,
            Expr::Binary { ty, .. } => *ty,
            Expr::Call { func, .. } => func.0.ret,
            Expr::Outer { ty, .. } => *ty,
            Expr::SubLink(s) => s.data_type(),
            Expr::Node { ty, .. } => *ty,
        }
    }

    /// Evaluates an expression that references no columns against bound parameter values.
    pub fn eval(&self, params: &Params) -> Result<Value> {
        self.eval_row(&[], params)
    }

    /// Evaluates against one input row and the bound parameter values (already converted to the
    /// parameters' types).
    pub fn eval_row(&self, row: &[Value], params: &Params) -> Result<Value> {
        match self {
            Expr::Const(v, _) => Ok(v.clone()),
            Expr::Param(i, _) => params
                .get(*i)
                .cloned()
                .ok_or(SqlError::UndefinedParameter(i + 1)),
            Expr::Column(i, _) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| SqlError::Internal(format!("column {i} is outside the input row"))),
            Expr::Cast(e, ty) => types::cast_ctx(
                e.eval_row(row, params)?,
                e.data_type(),
                *ty,
                types::NO_TYPMOD,
                types::CastContext::Explicit,
                params.ctx(),
            ),
            Expr::Neg(e) => neg(e.eval_row(row, params)?),
            Expr::Not(e) => Ok(match e.eval_row(row, params)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            }),
            Expr::IsNull { expr, negated } => Ok(Value::Bool(
                (expr.eval_row(row, params)? == Value::Null) != *negated,
            )),
            Expr::Binary {
                op,
                left,
                right,
                ty,
            } => {
                let l = left.eval_row(row, params)?;
                // AND/OR stop at a deciding left operand, as PostgreSQL's evaluation does.
                match (op, &l) {
                    (BinOp::And, Value::Bool(false)) => return Ok(l),
                    (BinOp::Or, Value::Bool(true)) => return Ok(l),
                    _ => {}
                }
                let r = right.eval_row(row, params)?;
                binary(*op, l, r, left.data_type(), *ty, params.ctx())
            }
            Expr::Call { func, args } => {
                let args = args
                    .iter()
                    .map(|a| a.eval_row(row, params))
                    .collect::<Result<Vec<_>>>()?;
                call_builtin(&func.0, &args, params.ctx())
            }
            Expr::Outer { depth, column, .. } => crate::exec::env::outer(*depth, *column),
            Expr::SubLink(s) => crate::exec::sublink::eval(s, row, params),
            Expr::Node { kind, args, ty } => eval_node(kind, args, *ty, row, params),
        }
    }
}

fn eval_node(
    kind: &Node,
    args: &[Expr],
    ty: DataType,
    row: &[Value],
    params: &Params,
) -> Result<Value> {
    let eval = |e: &Expr| e.eval_row(row, params);
    match kind {
        Node::SqlFunction(f) => {
            let values = args.iter().map(eval).collect::<Result<Vec<_>>>()?;
            if f.strict && values.iter().any(Value::is_null) {
                return Ok(Value::Null);
            }
            f.body.eval_row(&values, params)
        }
        Node::Op(sig) => {
            let (l, r) = (eval(&args[0])?, eval(&args[1])?);
            types::ops::eval_binary(sig, l, r, params.ctx())
        }
        Node::Prefix(sig) => types::ops::eval_unary(sig, eval(&args[0])?),
        Node::Case => {
            let mut pairs = args.chunks_exact(2);
            for pair in pairs.by_ref() {
                if eval(&pair[0])? == Value::Bool(true) {
                    return eval(&pair[1]);
                }
            }
            match pairs.remainder() {
                [otherwise] => eval(otherwise),
                _ => Ok(Value::Null),
            }
        }
        Node::Coalesce => {
            for a in args {
                let v = eval(a)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            Ok(Value::Null)
        }
        Node::Greatest | Node::Least => {
            let mut best: Option<Value> = None;
            for a in args {
                let v = eval(a)?;
                if v.is_null() {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some(b) => {
                        let ord = types::ops::eval::cmp_typed(ty, &v, b);
                        if *kind == Node::Greatest {
                            ord.is_gt()
                        } else {
                            ord.is_lt()
                        }
                    }
                };
                if better {
                    best = Some(v);
                }
            }
            Ok(best.unwrap_or(Value::Null))
        }
        Node::IsDistinct { eq, negated } => {
            let (l, r) = (eval(&args[0])?, eval(&args[1])?);
            let distinct = match (l.is_null(), r.is_null()) {
                (true, true) => false,
                (true, false) | (false, true) => true,
                (false, false) => {
                    types::ops::eval_binary(eq, l, r, params.ctx())? != Value::Bool(true)
                }
            };
            Ok(Value::Bool(distinct != *negated))
        }
        Node::Typmod(typmod) => types::cast::apply_typmod(eval(&args[0])?, ty, *typmod, true),
        Node::ArrayCmp { sig, all } => {
            let l = eval(&args[0])?;
            let Value::Array(a) = eval(&args[1])? else {
                return Ok(Value::Null);
            };
            let mut saw_null = false;
            for item in a.items {
                let r = if l.is_null() || item.is_null() {
                    Value::Null
                } else {
                    types::ops::eval_binary(sig, l.clone(), item, params.ctx())?
                };
                match r {
                    Value::Bool(b) if b != *all => return Ok(Value::Bool(b)),
                    Value::Bool(_) => {}
                    _ => saw_null = true,
                }
            }
            Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(*all)
            })
        }
        Node::Sequence(op, seq) => {
            let args = args.iter().map(eval).collect::<Result<Vec<_>>>()?;
            crate::seqeval::eval(*op, seq.as_ref(), &args, params.sequences())
        }
        Node::RecordToJson {
            names,
            jsonb,
            pretty,
        } => {
            let fields = args
                .iter()
                .map(|a| Ok((eval(a)?, a.data_type())))
                .collect::<Result<Vec<_>>>()?;
            types::json::conv::record(names, &fields, *jsonb, *pretty, params.ctx())
        }
        Node::PartitionOid(tree) => {
            let row = args.iter().map(eval).collect::<Result<Vec<_>>>()?;
            Ok(match tree.leaf(row)? {
                Some(id) => Value::Oid(crate::syscat::oids::table(id)),
                None => Value::Null,
            })
        }
        Node::Row => Ok(Value::Record(Box::new(types::Record {
            fields: args
                .iter()
                .map(|a| Ok((eval(a)?, a.data_type())))
                .collect::<Result<Vec<_>>>()?,
        }))),
        Node::Field(n) => Ok(match eval(&args[0])? {
            Value::Record(r) => r.fields.into_iter().nth(*n).map_or(Value::Null, |f| f.0),
            _ => Value::Null,
        }),
        Node::ToJson { from, jsonb } => {
            let v = eval(&args[0])?;
            if v.is_null() {
                return Ok(v);
            }
            Ok(if *jsonb {
                Value::Jsonb(Box::new(types::json::conv::to_jsonb(
                    &v,
                    *from,
                    params.ctx(),
                )?))
            } else {
                Value::Text(types::json::conv::to_json_text(&v, *from, params.ctx()))
            })
        }
    }
}

/// Calls a built-in. A panic inside one (a bug in one of many functions) becomes an internal
/// error of this statement instead of taking the core down with it; the panic hook still logs it.
fn call_builtin(sig: &FuncSig, args: &[Value], ctx: &FormatContext) -> Result<Value> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sig.call(args, ctx))).unwrap_or_else(
        |_| {
            Err(SqlError::Internal(format!(
                "built-in function {} panicked",
                sig.name
            )))
        },
    )
}

fn neg(v: Value) -> Result<Value> {
    let ty = match &v {
        Value::Int2(_) => DataType::Int2,
        Value::Int4(_) => DataType::Int4,
        Value::Int8(_) => DataType::Int8,
        Value::Float4(_) => DataType::Float4,
        Value::Float8(_) => DataType::Float8,
        Value::Numeric(_) => DataType::Numeric,
        Value::Interval(_) => DataType::Interval,
        _ => return Ok(v),
    };
    let sig = types::resolve_unary("-", ty)
        .ok_or_else(|| SqlError::Internal("bug: no negation for a numeric type".into()))?;
    types::ops::eval_unary(&sig, v)
}

fn binary(
    op: BinOp,
    l: Value,
    r: Value,
    operand_ty: DataType,
    ty: DataType,
    ctx: &FormatContext,
) -> Result<Value> {
    match op {
        BinOp::And => {
            return Ok(match (l, r) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Null,
            })
        }
        BinOp::Or => {
            return Ok(match (l, r) {
                (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Null,
            })
        }
        _ => {}
    }
    if l == Value::Null || r == Value::Null {
        return Ok(Value::Null);
    }
    let spelling = match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::Concat | BinOp::And | BinOp::Or => {
            // The binder types `||` as text over any operands: concatenate the text forms.
            return Ok(Value::Text(format!(
                "{}{}",
                l.to_text().unwrap_or_default(),
                r.to_text().unwrap_or_default()
            )));
        }
    };
    let sig = types::resolve_binary(spelling, operand_ty, operand_ty).ok_or_else(|| {
        SqlError::FeatureNotSupported(format!(
            "operator {spelling} on type {} is not supported yet",
            ty.sql_name()
        ))
    })?;
    types::ops::eval_binary(&sig, l, r, ctx)
}
