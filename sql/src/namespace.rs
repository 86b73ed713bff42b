//! Schemas (namespaces) and the search path.
//!
//! Every database has the built-in schemas [`BUILTIN`] (`public` among them) and those its users
//! created ([`SchemaDef`], persisted per database on every shard, see `shard/src/schema.rs`). A
//! relation's [`crate::TableDef::schema`] names its schema; names are unique per (database,
//! schema). A qualified name `s.t` looks only in `s` (`pg_temp.t` only among the session's
//! temporary tables); a bare name looks among the temporary tables first, then in each schema of
//! the effective search path ([`crate::Catalog::search_path`]: the `search_path` setting's
//! existing schemas, `$user` replaced by the session's user). Objects created without a schema go
//! to the first schema of that path ([`creation_schema`]).
//!
//! Catalog relations (`pg_catalog`) are resolved before any of this by the binder (`syscat`), as
//! PostgreSQL searches `pg_catalog` implicitly first.

use crate::catalog::Catalog;
use crate::error::{Result, SqlError};

/// The schemas every database has; they cannot be created or dropped.
pub const BUILTIN: [&str; 4] = ["pg_toast", "pg_catalog", "public", "information_schema"];

/// The schema of temporary tables.
pub const TEMP_SCHEMA: &str = "pg_temp";

/// A schema users created (CREATE SCHEMA).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaDef {
    /// The database (tenant) it belongs to.
    pub database: String,
    pub name: String,
    /// Its owner's role name (AUTHORIZATION, else the creating user).
    pub owner: String,
}

impl SchemaDef {
    /// The value of its catalog key: the owner's name.
    pub fn encode(&self) -> Vec<u8> {
        self.owner.as_bytes().to_vec()
    }
}

/// Splits `schema.name` (as [`crate::bind`]'s `object_name` joins parts) at its first dot.
pub fn split_qualified(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((schema, rest)) => (Some(schema), rest),
        None => (None, name),
    }
}

/// Resolves a relation name the way [`Catalog::table`] documents: `temp` looks among the
/// session's temporary relations, `in_schema(schema, name)` among a schema's relations.
pub fn lookup<T>(
    name: &str,
    path: &[String],
    temp: impl Fn(&str) -> Option<T>,
    in_schema: impl Fn(&str, &str) -> Option<T>,
) -> Option<T> {
    match split_qualified(name) {
        (Some(TEMP_SCHEMA), bare) => temp(bare),
        (Some(schema), bare) => in_schema(schema, bare),
        (None, bare) => temp(bare).or_else(|| path.iter().find_map(|s| in_schema(s, bare))),
    }
}

/// Whether schema `name` exists for `catalog`'s database (built-in or created).
pub fn schema_exists(catalog: &dyn Catalog, name: &str) -> bool {
    BUILTIN.contains(&name) || catalog.schemas().iter().any(|s| s.name == name)
}

/// The schemas a `search_path` value names, in order: items unquoted (or case-folded), `$user`
/// replaced by `user`. Whether they exist is the caller's business.
pub fn path_items(setting: &str, user: &str) -> Vec<String> {
    split_list(setting)
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| if p == "$user" { user.to_string() } else { p })
        .collect()
}

/// Splits a GUC list (`"$user", public`) into its items: commas outside double quotes separate
/// them, quoted items keep their case (`""` is a quote), others are lowercased.
fn split_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                out.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            c if quoted => cur.push(c),
            c if c.is_whitespace() => {}
            c => cur.extend(c.to_lowercase()),
        }
    }
    if !cur.is_empty() || was_quoted || !out.is_empty() {
        out.push(cur);
    }
    out
}

/// The effective search path of a catalog: `items` that name existing schemas, in order, each
/// once.
pub fn effective_path(catalog: &dyn Catalog, items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if i != TEMP_SCHEMA && schema_exists(catalog, i) && !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

/// The schema an object created without a qualifier goes to: the first schema of the search
/// path (3F000 when the path names no existing schema).
pub fn creation_schema(catalog: &dyn Catalog) -> Result<String> {
    catalog
        .search_path()
        .into_iter()
        .next()
        .ok_or(SqlError::NoCreationSchema)
}

/// The schema a new relation named `qualifier.name` (or bare) goes to: an existing qualifier, or
/// the creation schema. `pg_catalog` and `information_schema` are refused as PostgreSQL refuses
/// changes to its catalogs.
pub fn new_object_schema(
    catalog: &dyn Catalog,
    qualifier: Option<&str>,
    name: &str,
) -> Result<String> {
    let schema = match qualifier {
        Some(s) if !schema_exists(catalog, s) => {
            return Err(SqlError::UndefinedSchema(s.to_string()))
        }
        Some(s) => s.to_string(),
        None => creation_schema(catalog)?,
    };
    if matches!(schema.as_str(), "pg_catalog" | "pg_toast") {
        return Err(SqlError::InsufficientPrivilege(format!(
            "permission denied to create \"{schema}.{name}\""
        )));
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_items_unquote_fold_and_replace_user() {
        assert_eq!(path_items("\"$user\", public", "bob"), ["bob", "public"]);
        assert_eq!(path_items("A, \"B c\",  d", "u"), ["a", "B c", "d"]);
        assert_eq!(path_items("\"x\"\"y\"", "u"), ["x\"y"]);
        assert!(path_items(" ", "u").is_empty());
        assert!(path_items("", "u").is_empty());
    }

    #[test]
    fn lookup_searches_temp_then_the_path_and_qualified_names_one_schema() {
        let rels = [("public", "t", 1), ("s", "t", 2), ("s", "u", 3)];
        let in_schema = |s: &str, n: &str| rels.iter().find(|r| r.0 == s && r.1 == n).map(|r| r.2);
        let temp = |n: &str| (n == "tmp").then_some(9);
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            lookup("t", &path(&["public", "s"]), temp, in_schema),
            Some(1)
        );
        assert_eq!(
            lookup("t", &path(&["s", "public"]), temp, in_schema),
            Some(2)
        );
        assert_eq!(lookup("u", &path(&["public"]), temp, in_schema), None);
        assert_eq!(lookup("s.u", &path(&["public"]), temp, in_schema), Some(3));
        assert_eq!(lookup("public.u", &path(&["s"]), temp, in_schema), None);
        assert_eq!(lookup("tmp", &[], temp, in_schema), Some(9));
        assert_eq!(lookup("pg_temp.tmp", &[], temp, in_schema), Some(9));
        assert_eq!(
            lookup("public.tmp", &path(&["public"]), temp, in_schema),
            None
        );
        assert_eq!(
            lookup("pg_temp.t", &path(&["public"]), temp, in_schema),
            None
        );
    }

    #[test]
    fn qualified_names_split_at_the_first_dot() {
        assert_eq!(split_qualified("s.t"), (Some("s"), "t"));
        assert_eq!(split_qualified("t"), (None, "t"));
    }
}
