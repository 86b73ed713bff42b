//! Window functions as plan data: the stage the router runs between grouping and ORDER BY.
//!
//! A query with window functions keeps its [`super::Body`] (projection or aggregation) but the
//! body emits the *pre-window row* (the input row for a projection, the group row for an
//! aggregate query) instead of the target row. Shards cannot compute window functions (a
//! partition spans shards), so they only filter (or pre-aggregate) and ship those rows; the
//! router computes each [`WindowCall`] over all of them and evaluates [`WindowStage::output`]
//! over `pre-window row ++ one value per call`, which gives the target row that ORDER BY,
//! DISTINCT and LIMIT then see (`crate::exec::window`).

use crate::expr::Expr;
use crate::func::agg::AggSig;
use crate::types::DataType;

use super::SortKey;

/// The window functions and select-list set-returning functions of one SELECT level.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowStage {
    pub calls: Vec<WindowCall>,
    /// Set-returning functions of the select list, expanded after the window calls
    /// (`crate::exec::srf`); their arguments are over the pre-window row and the calls' values.
    pub srfs: Vec<SrfCall>,
    /// Target-row expressions over the pre-window row followed by the calls' values and then
    /// the set-returning functions' values.
    pub output: Vec<Expr>,
}

/// A set-returning function in the select list. Each input row yields as many rows as its
/// longest set (PostgreSQL's ProjectSet): shorter sets are padded with NULLs, and a row whose
/// sets are all empty yields none.
#[derive(Debug, Clone, PartialEq)]
pub struct SrfCall {
    pub func: SrfFunc,
    pub args: Vec<Expr>,
    /// The type of its values.
    pub ty: DataType,
}

/// The set-returning functions allowed in a select list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrfFunc {
    /// `generate_series(start, stop [, step])` (arguments already of the series' types).
    Series,
    /// `unnest(array)`: its elements (a NULL array gives none).
    Unnest,
    /// A one-column table function of `func::table` (`jsonb_object_keys`, ...), by its index
    /// there ([`crate::func::table::by_index`]).
    Table(usize),
}

/// One `f(...) OVER (...)`; every expression is over the pre-window row.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCall {
    pub func: WindowFunc,
    pub args: Vec<Expr>,
    /// `FILTER (WHERE ...)` of an aggregate used as a window function.
    pub filter: Option<Expr>,
    pub spec: WindowSpec,
    pub ty: DataType,
}

/// A window: partitioning, ordering and frame.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    pub partition: Vec<Expr>,
    /// Ordering keys; each key's `column` is its position in this list.
    pub order: Vec<(Expr, SortKey)>,
    pub frame: Frame,
}

/// The window functions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WindowFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame.
    Agg(AggSig),
}

/// A frame clause (default: `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
}

impl Default for Frame {
    fn default() -> Frame {
        Frame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

/// A frame bound; offsets are int8 expressions without column references (ROWS, GROUPS) or,
/// for RANGE, `key - offset` / `key + offset` expressions over the pre-window row (the binder
/// builds them with the ordering key's operators).
#[derive(Debug, Clone, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Box<Expr>),
    CurrentRow,
    Following(Box<Expr>),
    UnboundedFollowing,
}
