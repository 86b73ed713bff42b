//! Binding `f(direct args) WITHIN GROUP (ORDER BY ...)`: the ordered-set aggregates
//! (`percentile_cont`, `percentile_disc`, `mode`) and the hypothetical-set ones (`rank`,
//! `dense_rank`, `percent_rank`, `cume_dist`); their evaluation is `func::ordered_set`.
//!
//! The call becomes an ordered aggregate call (rows fed sorted by the WITHIN GROUP keys):
//! percentiles and mode take the ordered value then the direct argument; hypothetical-set
//! calls take the direct arguments, each cast to its ORDER BY value's type.

use sqlparser::ast;

use super::{coerce, Binder};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::func::agg::{AggFunc, AggSig};
use crate::func::ordered_set::OrderedSetFunc;
use crate::plan::{AggCall, SortKey};
use crate::types::DataType;

/// A WITHIN GROUP key: its expression and ordering.
type OrderKey = (Expr, SortKey);

impl Binder<'_> {
    pub(super) fn ordered_set_call(
        &mut self,
        f: &ast::Function,
        name: &str,
        position: Option<u32>,
    ) -> Result<Expr> {
        let Some(func) = OrderedSetFunc::by_name(name) else {
            return Err(SqlError::WrongObjectType {
                message: format!(
                    "{name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP"
                ),
                hint: None,
            });
        };
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(SqlError::FeatureNotSupported(
                "this ordered-set aggregate call is not supported yet".into(),
            ));
        };
        if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
            return Err(SqlError::FeatureNotSupported(
                "DISTINCT or ORDER BY inside an ordered-set aggregate is not supported yet".into(),
            ));
        }
        self.aggs.inside = true;
        let bound = self.ordered_set_parts(list, &f.within_group);
        self.aggs.inside = false;
        let (direct, order) = bound?;
        let undefined = |types: Vec<DataType>| SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types),
            position,
        };
        let direct_types: Vec<DataType> = direct.iter().map(Expr::data_type).collect();
        let (sig, args, order) = if func.hypothetical() {
            if direct.len() != order.len() {
                return Err(undefined(direct_types));
            }
            let mut args = Vec::with_capacity(direct.len());
            for (d, (o, _)) in direct.into_iter().zip(&order) {
                args.push(coerce(d, o.data_type(), &mut self.params)?);
            }
            let result = match func {
                OrderedSetFunc::Rank | OrderedSetFunc::DenseRank => DataType::Int8,
                _ => DataType::Float8,
            };
            let sig = AggSig {
                func: AggFunc::OrderedSet(func),
                arg: DataType::Unknown,
                result,
            };
            (sig, args, order)
        } else {
            let want_direct = usize::from(func != OrderedSetFunc::Mode);
            let [(value, key)] = <[_; 1]>::try_from(order).map_err(|o: Vec<_>| {
                let mut t = direct_types.clone();
                t.extend(o.iter().map(|(e, _)| e.data_type()));
                undefined(t)
            })?;
            if direct.len() != want_direct {
                return Err(undefined(direct_types));
            }
            let vt = value.data_type();
            let elem = match func {
                OrderedSetFunc::PercentileCont
                    if vt.category() == crate::types::TypeCategory::Numeric
                        || vt == DataType::Unknown =>
                {
                    DataType::Float8
                }
                OrderedSetFunc::PercentileCont => return Err(undefined(vec![vt])),
                _ => vt,
            };
            let value = coerce(value, elem, &mut self.params)?;
            let mut args = vec![value.clone()];
            let mut result = elem;
            if let Some(d) = direct.into_iter().next() {
                let array = d.data_type().elem().is_some();
                let to = if array {
                    DataType::Float8Array
                } else {
                    DataType::Float8
                };
                args.push(coerce(d, to, &mut self.params)?);
                if array {
                    result = elem.array_of().ok_or_else(|| undefined(vec![vt]))?;
                }
            }
            let key = SortKey { ty: elem, ..key };
            let sig = AggSig {
                func: AggFunc::OrderedSet(func),
                arg: elem,
                result,
            };
            (sig, args, vec![(value, key)])
        };
        let filter = self.agg_filter(f)?;
        Ok(self.push_agg_call(AggCall {
            sig,
            args,
            distinct: false,
            filter,
            order,
        }))
    }

    /// The direct arguments and the WITHIN GROUP keys, bound.
    fn ordered_set_parts(
        &mut self,
        list: &ast::FunctionArgumentList,
        within: &[ast::OrderByExpr],
    ) -> Result<(Vec<Expr>, Vec<OrderKey>)> {
        let mut direct = Vec::with_capacity(list.args.len());
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    direct.push(self.expr(e)?)
                }
                _ => {
                    return Err(SqlError::FeatureNotSupported(
                        "this aggregate argument is not supported yet".into(),
                    ))
                }
            }
        }
        let mut order = Vec::with_capacity(within.len());
        for (column, o) in within.iter().enumerate() {
            order.push(self.sort_key(o, column, "aggregates")?);
        }
        Ok((direct, order))
    }
}
