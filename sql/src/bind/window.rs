//! Binding window function calls (`f(...) OVER ...`) and the `WINDOW` clause.
//!
//! Window calls may appear in the select list and ORDER BY only. While binding, a call is an
//! `Expr::Column(WINDOW_BASE + k)` placeholder (like aggregate placeholders, see `select`); its
//! arguments, PARTITION BY and ORDER BY are bound as select-list expressions (so aggregates may
//! appear inside them) and moved onto the group row with the rest in an aggregate query.
//! `select` then makes the body emit the pre-window row and renumbers the placeholders past it
//! (`crate::plan::window`).
//!
//! Left out: `EXCLUDE` (sqlparser does not parse it), `IGNORE NULLS`.

use sqlparser::ast;

use super::{coerce, ident, resolve_unknown, Binder};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::func::agg::resolve_agg;
use crate::plan::window::{Frame, FrameBound, FrameUnits, WindowCall, WindowFunc, WindowSpec};
use crate::plan::SortKey;
use crate::types::DataType;

/// Placeholder columns for window calls start here (far past any row's width).
pub(crate) const WINDOW_BASE: usize = 1 << 40;

/// Where window calls may appear while binding one SELECT level.
#[derive(Debug, Default)]
pub(crate) struct WindowScope {
    /// The calls so far; `None` where window functions are not allowed.
    pub(crate) calls: Option<Vec<WindowCall>>,
    /// The clause named in "window functions are not allowed in ...".
    pub(crate) clause: &'static str,
    /// Inside a window call's arguments or window definition.
    pub(crate) inside: bool,
    /// The level's `WINDOW name AS (...)` definitions.
    pub(crate) named: Vec<(String, ast::NamedWindowExpr)>,
    /// Set-returning calls of the select list (`super::srf`), collected where `calls` is.
    pub(crate) srfs: Vec<crate::plan::window::SrfCall>,
}

/// Whether `name` is a window-only function.
pub(crate) fn is_window_function(name: &str) -> bool {
    matches!(
        name,
        "row_number"
            | "rank"
            | "dense_rank"
            | "percent_rank"
            | "cume_dist"
            | "ntile"
            | "lag"
            | "lead"
            | "first_value"
            | "last_value"
            | "nth_value"
    )
}

impl Binder<'_> {
    /// `name(...) OVER ...`: returns the call's placeholder.
    pub(super) fn window_call(&mut self, f: &ast::Function, name: &str) -> Result<Expr> {
        let position = self.position(&f.name);
        let Some(over) = &f.over else {
            return Err(SqlError::WindowWithoutOver {
                name: name.to_string(),
                position,
            });
        };
        if self.aggs.inside {
            return Err(SqlError::Grouping {
                message: "aggregate function calls cannot contain window function calls".into(),
                position,
            });
        }
        if self.windows.calls.is_none() {
            return Err(SqlError::Windowing {
                message: format!(
                    "window functions are not allowed in {}",
                    self.windows.clause
                ),
                position,
            });
        }
        if self.windows.inside {
            return Err(SqlError::Windowing {
                message: "window function calls cannot be nested".into(),
                position,
            });
        }
        self.windows.inside = true;
        let bound = self.window_parts(f, name, over, position);
        self.windows.inside = false;
        let call = bound?;
        let ty = call.ty;
        let calls = self.windows.calls.get_or_insert_with(Vec::new);
        let k = match calls.iter().position(|c| *c == call) {
            Some(k) => k,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Expr::Column(WINDOW_BASE + k, ty))
    }

    fn window_parts(
        &mut self,
        f: &ast::Function,
        name: &str,
        over: &ast::WindowType,
        position: Option<u32>,
    ) -> Result<WindowCall> {
        let unsupported = |what: &str| Err(SqlError::FeatureNotSupported(what.into()));
        let mut star = false;
        let mut args = Vec::new();
        match &f.args {
            ast::FunctionArguments::None => {}
            ast::FunctionArguments::List(list) => {
                if matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                ) {
                    return unsupported("DISTINCT is not implemented for window functions");
                }
                if !list.clauses.is_empty() {
                    return unsupported(
                        "aggregate ORDER BY is not implemented for window functions",
                    );
                }
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                            args.push(self.expr(e)?)
                        }
                        _ => {
                            return unsupported(
                                "this window function argument is not supported yet",
                            )
                        }
                    }
                }
            }
            ast::FunctionArguments::Subquery(_) => {
                return unsupported("this window function call is not supported yet")
            }
        }
        let spec = self.window_spec(over)?;
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let undefined = || SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types),
            position,
        };
        let is_agg = crate::func::agg::is_aggregate(name);
        if f.filter.is_some() && !is_agg {
            return unsupported("FILTER is not implemented for non-aggregate window functions");
        }
        let int4 = |b: &mut Self, e: Expr| coerce(e, DataType::Int4, &mut b.params);
        let (func, ty, args) = match (name, args.len()) {
            ("row_number", 0) => (WindowFunc::RowNumber, DataType::Int8, args),
            ("rank", 0) => (WindowFunc::Rank, DataType::Int8, args),
            ("dense_rank", 0) => (WindowFunc::DenseRank, DataType::Int8, args),
            ("percent_rank", 0) => (WindowFunc::PercentRank, DataType::Float8, args),
            ("cume_dist", 0) => (WindowFunc::CumeDist, DataType::Float8, args),
            ("ntile", 1) => {
                let a = int4(
                    self,
                    args.into_iter().next().expect("invariant: one argument"),
                )?;
                (WindowFunc::Ntile, DataType::Int4, vec![a])
            }
            ("lag" | "lead", 1..=3) => {
                let mut it = args.into_iter();
                let value = it.next().expect("invariant: 1..=3");
                let offset = it.next();
                let default = it.next();
                // lag(anycompatible, integer, anycompatible): value and default share a type.
                let vt = value.data_type();
                let ty = match &default {
                    None => vt,
                    Some(d) => super::expr::common_of(vt, d.data_type()).ok_or_else(|| {
                        SqlError::UndefinedFunction {
                            signature: crate::func::signature(
                                name,
                                &[vt, DataType::Int4, d.data_type()],
                            ),
                            position,
                        }
                    })?,
                };
                let ty = if ty == DataType::Unknown {
                    DataType::Text
                } else {
                    ty
                };
                let mut out = vec![coerce(value, ty, &mut self.params)?];
                if let Some(off) = offset {
                    out.push(int4(self, off)?);
                }
                if let Some(d) = default {
                    out.push(coerce(d, ty, &mut self.params)?);
                }
                let func = if name == "lag" {
                    WindowFunc::Lag
                } else {
                    WindowFunc::Lead
                };
                (func, ty, out)
            }
            ("first_value" | "last_value", 1) => {
                let value = resolve_unknown(
                    args.into_iter().next().expect("invariant: one"),
                    DataType::Text,
                );
                let func = if name == "first_value" {
                    WindowFunc::FirstValue
                } else {
                    WindowFunc::LastValue
                };
                (func, value.data_type(), vec![value])
            }
            ("nth_value", 2) => {
                let mut it = args.into_iter();
                let value = resolve_unknown(it.next().expect("invariant: two"), DataType::Text);
                let n = int4(self, it.next().expect("invariant: two"))?;
                (WindowFunc::NthValue, value.data_type(), vec![value, n])
            }
            _ if is_agg => {
                if star && !(args.is_empty() && name == "count") {
                    return Err(undefined());
                }
                let sig = resolve_agg(name, &types).map_err(|e| match e {
                    SqlError::UndefinedFunction { signature, .. } => SqlError::UndefinedFunction {
                        signature,
                        position,
                    },
                    other => other,
                })?;
                let mut cast = Vec::with_capacity(args.len());
                for (i, a) in args.into_iter().enumerate() {
                    let x = coerce(a, sig.arg, &mut self.params)?;
                    cast.push(if i == 0 || x.data_type() == sig.arg {
                        x
                    } else {
                        Expr::Cast(Box::new(x), sig.arg)
                    });
                }
                (WindowFunc::Agg(sig), sig.result, cast)
            }
            _ => return Err(undefined()),
        };
        let filter = match &f.filter {
            None => None,
            Some(cond) => Some(self.condition(cond, "FILTER")?),
        };
        Ok(WindowCall {
            func,
            args,
            filter,
            spec,
            ty,
        })
    }

    /// Resolves `OVER w` / `OVER (w ORDER BY ...)` / `OVER (...)` against the WINDOW clause.
    fn window_spec(&mut self, over: &ast::WindowType) -> Result<WindowSpec> {
        let (spec, copy_frame_ok) = match over {
            ast::WindowType::NamedWindow(name) => (
                self.named_window(&ident(name), self.ident_position(name))?,
                true,
            ),
            ast::WindowType::WindowSpec(s) => (s.clone(), false),
        };
        let spec = match &spec.window_name {
            None => spec,
            Some(base_name) => {
                let base = self.named_window(&ident(base_name), self.ident_position(base_name))?;
                let n = ident(base_name);
                if !spec.partition_by.is_empty() {
                    return Err(SqlError::Windowing {
                        message: format!("cannot override PARTITION BY clause of window \"{n}\""),
                        position: self.definition_position(self.ident_position(base_name)),
                    });
                }
                if !spec.order_by.is_empty() && !base.order_by.is_empty() {
                    return Err(SqlError::Windowing {
                        message: format!("cannot override ORDER BY clause of window \"{n}\""),
                        position: self.definition_position(self.ident_position(base_name)),
                    });
                }
                if base.window_frame.is_some() && !copy_frame_ok {
                    return Err(SqlError::Windowing {
                        message: format!(
                            "cannot copy window \"{n}\" because it has a frame clause"
                        ),
                        position: self.definition_position(self.ident_position(base_name)),
                    });
                }
                ast::WindowSpec {
                    window_name: None,
                    partition_by: base.partition_by.clone(),
                    order_by: if spec.order_by.is_empty() {
                        base.order_by.clone()
                    } else {
                        spec.order_by.clone()
                    },
                    window_frame: spec.window_frame.clone().or(base.window_frame.clone()),
                }
            }
        };
        let mut partition = Vec::with_capacity(spec.partition_by.len());
        for p in &spec.partition_by {
            partition.push(resolve_unknown(self.expr(p)?, DataType::Text));
        }
        let mut order = Vec::with_capacity(spec.order_by.len());
        for (column, o) in spec.order_by.iter().enumerate() {
            order.push(self.sort_key(o, column, "window definitions")?);
        }
        let frame = match &spec.window_frame {
            None => Frame::default(),
            Some(f) => self.frame(f, &order)?,
        };
        Ok(WindowSpec {
            partition,
            order,
            frame,
        })
    }

    pub(crate) fn ident_position(&self, i: &ast::Ident) -> Option<u32> {
        self.position(&ast::Expr::Identifier(i.clone()))
    }

    /// The position of the parenthesis that opens the window definition around `inner`
    /// (PostgreSQL's position for errors about a whole definition).
    fn definition_position(&self, inner: Option<u32>) -> Option<u32> {
        let at = inner? as usize;
        let before: Vec<char> = self.source.chars().take(at.saturating_sub(1)).collect();
        let mut depth = 0i32;
        for (i, c) in before.iter().enumerate().rev() {
            match c {
                ')' => depth += 1,
                '(' if depth == 0 => return Some(i as u32 + 1),
                '(' => depth -= 1,
                _ => {}
            }
        }
        inner
    }

    /// A named window of this level (a chain `WINDOW w2 AS w1` resolves to its definition).
    fn named_window(&self, name: &str, position: Option<u32>) -> Result<ast::WindowSpec> {
        let mut name = name.to_string();
        for _ in 0..=self.windows.named.len() {
            match self.windows.named.iter().find(|(n, _)| *n == name) {
                Some((_, ast::NamedWindowExpr::WindowSpec(s))) => return Ok(s.clone()),
                Some((_, ast::NamedWindowExpr::NamedWindow(next))) => name = ident(next),
                None => break,
            }
        }
        Err(SqlError::UndefinedObject(format!("window \"{name}\" does not exist")).at(position))
    }

    fn frame(&mut self, f: &ast::WindowFrame, order: &[(Expr, SortKey)]) -> Result<Frame> {
        let units = match f.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => FrameUnits::Groups,
        };
        // PostgreSQL points at the frame end for the errors about it (when it has an offset).
        let end_at = match &f.end_bound {
            Some(
                ast::WindowFrameBound::Preceding(Some(e))
                | ast::WindowFrameBound::Following(Some(e)),
            ) => self.position(e.as_ref()),
            _ => None,
        };
        let windowing = |message: &str| {
            Err(SqlError::Windowing {
                message: message.into(),
                position: if message.starts_with("frame starting") {
                    end_at
                } else {
                    None
                },
            })
        };
        if units == FrameUnits::Groups && order.is_empty() {
            return windowing("GROUPS mode requires an ORDER BY clause");
        }
        let start = self.frame_bound(&f.start_bound, units, order, true)?;
        let end = match &f.end_bound {
            None => FrameBound::CurrentRow,
            Some(b) => self.frame_bound(b, units, order, false)?,
        };
        match (&start, &end) {
            (FrameBound::UnboundedFollowing, _) => {
                return windowing("frame start cannot be UNBOUNDED FOLLOWING")
            }
            (_, FrameBound::UnboundedPreceding) => {
                return windowing("frame end cannot be UNBOUNDED PRECEDING")
            }
            (FrameBound::CurrentRow, FrameBound::Preceding(_)) => {
                return windowing("frame starting from current row cannot have preceding rows")
            }
            (FrameBound::Following(_), FrameBound::Preceding(_) | FrameBound::CurrentRow) => {
                return windowing("frame starting from following row cannot have preceding rows")
            }
            _ => {}
        }
        Ok(Frame { units, start, end })
    }

    fn frame_bound(
        &mut self,
        b: &ast::WindowFrameBound,
        units: FrameUnits,
        order: &[(Expr, SortKey)],
        start: bool,
    ) -> Result<FrameBound> {
        let (e, preceding) = match b {
            ast::WindowFrameBound::CurrentRow => return Ok(FrameBound::CurrentRow),
            ast::WindowFrameBound::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
            ast::WindowFrameBound::Following(None) => return Ok(FrameBound::UnboundedFollowing),
            ast::WindowFrameBound::Preceding(Some(e)) => (e, true),
            ast::WindowFrameBound::Following(Some(e)) => (e, false),
        };
        let at = self.position(e.as_ref());
        let offset = self.expr(e)?;
        if crate::plan::uses_columns(&offset) {
            return Err(SqlError::Windowing {
                message: format!(
                    "argument of {} must not contain variables",
                    match units {
                        FrameUnits::Rows => "ROWS",
                        FrameUnits::Range => "RANGE",
                        FrameUnits::Groups => "GROUPS",
                    }
                ),
                position: at,
            });
        }
        let bound = match units {
            FrameUnits::Rows | FrameUnits::Groups => {
                coerce(offset, DataType::Int8, &mut self.params)?
            }
            FrameUnits::Range => {
                let [(key, sort)] = order else {
                    return Err(SqlError::Windowing {
                        message:
                            "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"
                                .into(),
                        position: self.definition_position(at),
                    });
                };
                // The key value where the frame edge lies: preceding rows lie below the key
                // in ascending order, above it in descending order.
                let minus = preceding != sort.descending;
                let op = if minus { "-" } else { "+" };
                let edge = self.apply_operator(op, key.clone(), offset, at, None, at)?;
                let _ = start;
                if edge.data_type() == sort.ty {
                    edge
                } else {
                    Expr::Cast(Box::new(edge), sort.ty)
                }
            }
        };
        Ok(if preceding {
            FrameBound::Preceding(Box::new(bound))
        } else {
            FrameBound::Following(Box::new(bound))
        })
    }
}

/// Turns a bound body with window (and set-returning) placeholders into the body that emits the
/// pre-window row and the window stage over it (see `crate::plan::window`).
pub(super) fn stage(
    body: crate::plan::Body,
    (calls, srfs): (Vec<WindowCall>, Vec<crate::plan::window::SrfCall>),
    param_types: &[DataType],
    width: usize,
    input_types: &[DataType],
    labels: &[(String, String)],
    first_use: &[(usize, Option<u32>)],
) -> Result<(
    crate::plan::Body,
    Option<Box<crate::plan::window::WindowStage>>,
)> {
    use crate::plan::{rewrite, Body};
    let fill = |e: Expr| Ok(super::fill_params(e, param_types));
    let mut calls: Vec<WindowCall> = calls
        .into_iter()
        .map(|c| map_call(c, &fill))
        .collect::<Result<_>>()?;
    let mut srfs: Vec<crate::plan::window::SrfCall> = srfs
        .into_iter()
        .map(|mut s| {
            s.args = s.args.into_iter().map(fill).collect::<Result<_>>()?;
            Ok(s)
        })
        .collect::<Result<_>>()?;
    let ncalls = calls.len();
    // Window placeholders become the columns after the pre-window row, set-returning ones the
    // columns after those.
    let renumber = |e: Expr, w: usize| {
        rewrite(e, &mut |x| match x {
            Expr::Column(i, t) if *i >= super::srf::SRF_BASE => Ok(Some(Expr::Column(
                w + ncalls + i - super::srf::SRF_BASE,
                *t,
            ))),
            Expr::Column(i, t) if *i >= WINDOW_BASE => {
                Ok(Some(Expr::Column(w + i - WINDOW_BASE, *t)))
            }
            _ => Ok(None),
        })
    };
    let (body, output) = match body {
        Body::Project(target) => {
            let pre = (0..width)
                .map(|i| Expr::Column(i, input_types.get(i).copied().unwrap_or(DataType::Unknown)))
                .collect();
            let output = target
                .into_iter()
                .map(|e| renumber(e, width))
                .collect::<Result<Vec<_>>>()?;
            (Body::Project(pre), output)
        }
        Body::Aggregate(mut agg) => {
            let cx = super::group::GroupCtx {
                group_by: &agg.group_by,
                width,
                labels,
                first_use,
            };
            calls = calls
                .into_iter()
                .map(|c| map_call(c, &|e| super::group::group_row(e, &cx)))
                .collect::<Result<_>>()?;
            for s in &mut srfs {
                let args = std::mem::take(&mut s.args);
                s.args = args
                    .into_iter()
                    .map(|e| super::group::group_row(e, &cx))
                    .collect::<Result<_>>()?;
            }
            let ng = agg.group_by.len();
            let pre: Vec<Expr> = agg
                .group_by
                .iter()
                .enumerate()
                .map(|(k, g)| Expr::Column(k, g.data_type()))
                .chain(
                    agg.calls
                        .iter()
                        .enumerate()
                        .map(|(j, c)| Expr::Column(ng + j, c.sig.result)),
                )
                .collect();
            let w = pre.len();
            let output = std::mem::replace(&mut agg.output, pre)
                .into_iter()
                .map(|e| renumber(e, w))
                .collect::<Result<Vec<_>>>()?;
            (Body::Aggregate(agg), output)
        }
    };
    Ok((
        body,
        Some(Box::new(crate::plan::window::WindowStage {
            calls,
            srfs,
            output,
        })),
    ))
}

/// Applies `f` to every expression of a call.
fn map_call(mut c: WindowCall, f: &impl Fn(Expr) -> Result<Expr>) -> Result<WindowCall> {
    c.args = c.args.into_iter().map(f).collect::<Result<_>>()?;
    c.filter = c.filter.map(f).transpose()?;
    c.spec.partition = c.spec.partition.into_iter().map(f).collect::<Result<_>>()?;
    c.spec.order = c
        .spec
        .order
        .into_iter()
        .map(|(e, k)| f(e).map(|e| (e, k)))
        .collect::<Result<_>>()?;
    for b in [&mut c.spec.frame.start, &mut c.spec.frame.end] {
        if let FrameBound::Preceding(e) | FrameBound::Following(e) = b {
            let old = std::mem::replace(
                e.as_mut(),
                Expr::Const(crate::types::Value::Null, DataType::Unknown),
            );
            **e = f(old)?;
        }
    }
    Ok(c)
}
