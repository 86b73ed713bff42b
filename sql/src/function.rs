//! User-defined functions (`CREATE FUNCTION ... LANGUAGE sql`): their catalog definition and its
//! byte encoding.
//!
//! A [`FunctionDef`] is stored like a table definition: on every shard, under its own catalog key
//! (see `shard/src/function.rs`), and carried in each core's catalog replica. Shard 0 assigns its
//! id from the table id sequence, so `16384 + 8 * id` is an OID no table shares (`syscat`).
//!
//! The body is kept as SQL text and bound again at every call against the arguments' types
//! (`bind/function.rs`); nothing bound is stored, so a definition never goes stale when the
//! tables it reads change. Overloads are distinct definitions with the same name: a function is
//! identified by its name and its input argument types.
//!
//! # Encoding
//! Version byte 1, then `id u64, schema, name, database` (strings as `u32 len, bytes`), the
//! argument count and per argument `name (empty: none), type oid u32, has-default u8 [, default
//! text]`, the result `type oid u32, retset u8`, the attributes `volatility u8 (i/s/v), strict
//! u8, security definer u8, leakproof u8, parallel u8 (u/r/s)`, then the body: `kind u8 (0 AS
//! text, 1 RETURN expression, 2 BEGIN ATOMIC statements), count u32, texts`. Nothing may follow.

use crate::catalog::{corrupt, put_str, Reader};
use crate::error::Result;
use crate::types::DataType;

/// IMMUTABLE / STABLE / VOLATILE (`pg_proc.provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Volatility {
    Immutable,
    Stable,
    #[default]
    Volatile,
}

impl Volatility {
    /// `pg_proc.provolatile`.
    pub fn code(self) -> char {
        match self {
            Volatility::Immutable => 'i',
            Volatility::Stable => 's',
            Volatility::Volatile => 'v',
        }
    }

    fn from_code(c: u8) -> Option<Volatility> {
        Some(match c {
            b'i' => Volatility::Immutable,
            b's' => Volatility::Stable,
            b'v' => Volatility::Volatile,
            _ => return None,
        })
    }
}

/// One input argument.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncArg {
    /// The declared name (case-folded), if any: the body may reference it.
    pub name: Option<String>,
    pub ty: DataType,
    /// The DEFAULT expression's text: calls that omit this argument (and all after it) use it.
    pub default: Option<String>,
}

/// How the body was written.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionBody {
    /// `AS 'text'`: one or more statements, the last of which yields the result.
    Source(String),
    /// `RETURN expression` (SQL-standard body): the expression's text.
    Return(String),
    /// `BEGIN ATOMIC stmt; ... END`: the statements' texts.
    Atomic(Vec<String>),
}

/// A user-defined SQL function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// Assigned by shard 0 (0 until then).
    pub id: u64,
    pub database: String,
    pub schema: String,
    pub name: String,
    pub args: Vec<FuncArg>,
    pub ret: DataType,
    /// `RETURNS SETOF type` / `RETURNS TABLE (...)`.
    pub retset: bool,
    pub volatility: Volatility,
    /// STRICT / RETURNS NULL ON NULL INPUT: a NULL argument makes the result NULL uncalled.
    pub strict: bool,
    pub security_definer: bool,
    pub leakproof: bool,
    /// PARALLEL UNSAFE/RESTRICTED/SAFE as `u`, `r`, `s`.
    pub parallel: char,
    pub body: FunctionBody,
}

impl FunctionDef {
    /// The input argument types (what identifies the function among its overloads).
    pub fn arg_types(&self) -> Vec<DataType> {
        self.args.iter().map(|a| a.ty).collect()
    }

    /// `name(type, ...)` as PostgreSQL prints a function in messages.
    pub fn signature(&self) -> String {
        crate::func::signature(&self.name, &self.arg_types())
    }

    /// The function's OID (see the module doc).
    pub fn oid(&self) -> u32 {
        16384u32.wrapping_add((self.id as u32).wrapping_mul(8))
    }

    /// How many trailing arguments have defaults.
    pub fn defaults(&self) -> usize {
        self.args
            .iter()
            .rev()
            .take_while(|a| a.default.is_some())
            .count()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![1u8];
        out.extend_from_slice(&self.id.to_be_bytes());
        for s in [&self.schema, &self.name, &self.database] {
            put_str(&mut out, s);
        }
        out.extend_from_slice(&(self.args.len() as u32).to_be_bytes());
        for a in &self.args {
            put_str(&mut out, a.name.as_deref().unwrap_or(""));
            out.extend_from_slice(&a.ty.oid().to_be_bytes());
            match &a.default {
                Some(d) => {
                    out.push(1);
                    put_str(&mut out, d);
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&self.ret.oid().to_be_bytes());
        out.push(u8::from(self.retset));
        out.push(self.volatility.code() as u8);
        out.push(u8::from(self.strict));
        out.push(u8::from(self.security_definer));
        out.push(u8::from(self.leakproof));
        out.push(self.parallel as u8);
        let (kind, texts): (u8, Vec<&String>) = match &self.body {
            FunctionBody::Source(s) => (0, vec![s]),
            FunctionBody::Return(s) => (1, vec![s]),
            FunctionBody::Atomic(v) => (2, v.iter().collect()),
        };
        out.push(kind);
        out.extend_from_slice(&(texts.len() as u32).to_be_bytes());
        for t in texts {
            put_str(&mut out, t);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<FunctionDef> {
        let mut r = Reader { b: bytes };
        if r.u8()? != 1 {
            return Err(corrupt("unknown function definition version"));
        }
        let id = r.u64()?;
        let schema = r.str()?;
        let name = r.str()?;
        let database = r.str()?;
        let n = r.u32()? as usize;
        let mut args = Vec::with_capacity(n.min(100));
        for _ in 0..n {
            let name = Some(r.str()?).filter(|s| !s.is_empty());
            let ty = r.ty()?;
            let default = match r.u8()? {
                0 => None,
                1 => Some(r.str()?),
                _ => return Err(corrupt("default flag")),
            };
            args.push(FuncArg { name, ty, default });
        }
        let ret = r.ty()?;
        let retset = r.u8()? != 0;
        let volatility = Volatility::from_code(r.u8()?).ok_or_else(|| corrupt("volatility"))?;
        let strict = r.u8()? != 0;
        let security_definer = r.u8()? != 0;
        let leakproof = r.u8()? != 0;
        let parallel = char::from(r.u8()?);
        if !matches!(parallel, 'u' | 'r' | 's') {
            return Err(corrupt("parallel"));
        }
        let kind = r.u8()?;
        let count = r.u32()? as usize;
        let mut texts = Vec::with_capacity(count.min(100));
        for _ in 0..count {
            texts.push(r.str()?);
        }
        let body = match (kind, texts.len()) {
            (0, 1) => FunctionBody::Source(texts.remove(0)),
            (1, 1) => FunctionBody::Return(texts.remove(0)),
            (2, _) => FunctionBody::Atomic(texts),
            _ => return Err(corrupt("body")),
        };
        if !r.b.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(FunctionDef {
            id,
            database,
            schema,
            name,
            args,
            ret,
            retset,
            volatility,
            strict,
            security_definer,
            leakproof,
            parallel,
            body,
        })
    }
}

/// A function's body as one call bound it (`Node::SqlFunction`): an expression over the
/// argument row. A body that reads tables is a scalar subquery over it, correlated with the
/// arguments, so it runs at the router like any subquery (`router_only` sees it through
/// `plan::walk`).
#[derive(Debug, Clone, PartialEq)]
pub struct InlinedBody {
    pub name: String,
    pub body: crate::expr::Expr,
    pub strict: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_round_trip_and_reject_damage() {
        let def = FunctionDef {
            id: 1234,
            database: "postgres".into(),
            schema: "public".into(),
            name: "add_em".into(),
            args: vec![
                FuncArg {
                    name: Some("a".into()),
                    ty: DataType::Int4,
                    default: None,
                },
                FuncArg {
                    name: None,
                    ty: DataType::Text,
                    default: Some("'foo'".into()),
                },
            ],
            ret: DataType::Int8,
            retset: true,
            volatility: Volatility::Stable,
            strict: true,
            security_definer: true,
            leakproof: false,
            parallel: 's',
            body: FunctionBody::Atomic(vec!["SELECT 1".into(), "SELECT a".into()]),
        };
        let bytes = def.encode();
        assert_eq!(FunctionDef::decode(&bytes), Ok(def.clone()));
        for cut in 0..bytes.len() {
            assert!(FunctionDef::decode(&bytes[..cut]).is_err(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(FunctionDef::decode(&longer).is_err());
        let ret = FunctionDef {
            body: FunctionBody::Return("a + 1".into()),
            ..def
        };
        assert_eq!(FunctionDef::decode(&ret.encode()), Ok(ret));
    }
}
