//! Binder tests of user-defined SQL functions: CREATE's checks, calls (inlined bodies,
//! strictness, defaults, nesting), overload resolution and DROP's lookups.
use std::cell::RefCell;

use super::*;
use crate::expr::Params;
use crate::function::FunctionDef;
use crate::parse::parse;
use crate::types::Value;

/// A session whose catalog holds the functions created so far.
#[derive(Default)]
struct Funcs(RefCell<Vec<Arc<FunctionDef>>>);

impl Catalog for Funcs {
    fn table(&self, _name: &str) -> Option<Arc<TableDef>> {
        None
    }
    fn all_functions(&self) -> Vec<Arc<FunctionDef>> {
        self.0.borrow().clone()
    }
    fn functions(&self, name: &str) -> Vec<Arc<FunctionDef>> {
        (self.0.borrow().iter())
            .filter(|f| f.name == name)
            .cloned()
            .collect()
    }
}

impl SessionContext for Funcs {
    fn setting(&self, _name: &str) -> Option<String> {
        None
    }
    fn version(&self) -> String {
        "PostgreSQL 15.18".into()
    }
    fn catalog(&self) -> &dyn Catalog {
        self
    }
}

impl Funcs {
    fn bind(&self, sql: &str) -> Result<Statement> {
        let parsed = parse(sql)?;
        bind(&parsed[0], &[], self)
    }

    /// Runs CREATE FUNCTION and records the definition as the shards would.
    fn create(&self, sql: &str) {
        match self.bind(sql).expect(sql) {
            Statement::CreateFunction { mut func, .. } => {
                func.id = 1000 + self.0.borrow().len() as u64;
                self.0.borrow_mut().push(Arc::new(func));
            }
            other => panic!("{sql}: {other:?}"),
        }
    }

    fn value(&self, sql: &str) -> Value {
        match self.bind(sql).expect(sql) {
            Statement::Query(q) => q.execute(&Params::default()).expect(sql)[0][0].clone(),
            other => panic!("{sql}: {other:?}"),
        }
    }

    fn code(&self, sql: &str) -> &'static str {
        match self.bind(sql) {
            Ok(Statement::Query(q)) => q.execute(&Params::default()).expect_err(sql).sqlstate(),
            Ok(other) => panic!("{sql}: {other:?}"),
            Err(e) => e.sqlstate(),
        }
    }
}

#[test]
fn calls_bind_the_body_against_the_arguments() {
    let s = Funcs::default();
    s.create("CREATE FUNCTION inc(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1'");
    s.create(
        "CREATE FUNCTION inc2(int) RETURNS int LANGUAGE sql STRICT AS $$SELECT inc(inc($1))$$",
    );
    s.create("CREATE FUNCTION cat(a text, b text DEFAULT '!') RETURNS text RETURN a || b");
    s.create("CREATE FUNCTION nn(a int) RETURNS bool LANGUAGE sql AS 'SELECT a IS NULL'");
    s.create("CREATE FUNCTION last(x int) RETURNS int8 BEGIN ATOMIC SELECT 1; SELECT x * 2; END");
    assert_eq!(s.value("SELECT inc(41)"), Value::Int4(42));
    assert_eq!(s.value("SELECT inc2(40)"), Value::Int4(42));
    // STRICT: NULL in, NULL out, without running the body; not strict: the body sees NULL.
    assert_eq!(s.value("SELECT inc2(NULL)"), Value::Null);
    assert_eq!(s.value("SELECT nn(NULL)"), Value::Bool(true));
    assert_eq!(s.value("SELECT cat('a')"), Value::Text("a!".into()));
    assert_eq!(s.value("SELECT cat('a', 'b')"), Value::Text("ab".into()));
    // The body's int4 result is cast to the declared int8.
    assert_eq!(s.value("SELECT last(4)"), Value::Int8(8));
    // A body without FROM is inlined: no subquery is left in the plan.
    match s.bind("SELECT inc(1)").expect("bind") {
        Statement::Query(q) => assert!(!format!("{q:?}").contains("SubLink")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.code("SELECT inc('x')"), "22P02");
    assert_eq!(s.code("SELECT inc(1, 2)"), "42883");
    assert_eq!(s.code("SELECT cat()"), "42883");
}

#[test]
fn create_checks_the_body_as_postgresql_does() {
    let s = Funcs::default();
    let err = |sql: &str| s.bind(sql).expect_err(sql);
    let e = err("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT ''x''::text'");
    assert_eq!(e.sqlstate(), "42P13");
    assert_eq!(e.detail(), Some("Actual return type is text."));
    let e = err("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1, 2'");
    assert_eq!(
        e.detail(),
        Some("Final statement must return exactly one column.")
    );
    let e = err("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $2'");
    assert_eq!(e.to_string(), "there is no parameter $2");
    assert_eq!(
        err("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'a', 'b'").sqlstate(),
        "42P13"
    );
    assert_eq!(
        err("CREATE FUNCTION f() RETURNS int AS 'SELECT 1'").to_string(),
        "no language specified"
    );
    assert_eq!(
        err("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'begin return 1; end'").sqlstate(),
        "0A000"
    );
    assert_eq!(
        err("CREATE FUNCTION f(a int DEFAULT 1, b int) RETURNS int LANGUAGE sql AS 'SELECT b'")
            .sqlstate(),
        "42P13"
    );
    assert_eq!(
        err("CREATE FUNCTION f(a int, a int) RETURNS int LANGUAGE sql AS 'SELECT 1'").sqlstate(),
        "42P13"
    );
    assert_eq!(
        err("CREATE FUNCTION f(x date) RETURNS bool RETURN x > 1").sqlstate(),
        "42883"
    );
    s.create("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'");
    assert_eq!(
        err("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 2'").sqlstate(),
        "42723"
    );
    assert_eq!(
        err("CREATE OR REPLACE FUNCTION f(int) RETURNS text LANGUAGE sql AS 'SELECT 2::text'")
            .sqlstate(),
        "42P13"
    );
    assert!(s
        .bind("CREATE OR REPLACE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 2'")
        .is_ok());
    // A CHECK is bound again without the session when its table is read back: refused.
    s.create("CREATE FUNCTION pos(a int) RETURNS bool LANGUAGE sql AS 'SELECT a > 0'");
    assert_eq!(
        err("CREATE TABLE ck (a int CHECK (pos(a)))").sqlstate(),
        "0A000"
    );
    // An aggregate body is a query, not an inlined expression.
    s.create("CREATE FUNCTION cnt() RETURNS int8 LANGUAGE sql AS 'SELECT count(*)'");
    assert_eq!(s.value("SELECT cnt()"), Value::Int8(1));
}

#[test]
fn overloads_resolve_like_built_ins_and_drop_needs_a_unique_name() {
    let s = Funcs::default();
    s.create("CREATE FUNCTION o(int) RETURNS text LANGUAGE sql AS 'SELECT ''int'''");
    s.create("CREATE FUNCTION o(int8) RETURNS text LANGUAGE sql AS 'SELECT ''int8'''");
    assert_eq!(s.value("SELECT o(1)"), Value::Text("int".into()));
    assert_eq!(s.value("SELECT o(10000000000)"), Value::Text("int8".into()));
    // smallint casts implicitly to both, neither preferred: ambiguous, as in PostgreSQL.
    assert_eq!(s.code("SELECT o(1::int2)"), "42725");
    assert_eq!(s.bind("DROP FUNCTION o").expect_err("").sqlstate(), "42725");
    assert_eq!(
        s.bind("DROP FUNCTION o(text)").expect_err("").sqlstate(),
        "42883"
    );
    assert_eq!(
        s.bind("DROP FUNCTION nope").expect_err("").to_string(),
        "could not find a function named \"nope\""
    );
    match s
        .bind("DROP FUNCTION IF EXISTS o(int8), nope(int)")
        .expect("drop")
    {
        Statement::DropFunction { funcs, missing } => {
            assert_eq!(funcs.len(), 1);
            assert_eq!(funcs[0].arg_types(), vec![DataType::Int8]);
            assert_eq!(
                missing,
                vec!["function nope(integer) does not exist, skipping"]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_function_calling_itself_is_refused_not_a_stack_overflow() {
    let s = Funcs::default();
    s.create("CREATE FUNCTION r(a int) RETURNS int LANGUAGE sql AS 'SELECT a'");
    // Replaced (as CREATE OR REPLACE would) by a body that calls itself.
    let mut def = (*s.0.borrow()[0]).clone();
    def.body = crate::function::FunctionBody::Source("SELECT r(a) + 1".into());
    s.0.borrow_mut()[0] = Arc::new(def);
    assert_eq!(s.code("SELECT r(1)"), "0A000");
}

#[test]
fn catalog_functions_describe_them_as_postgresql_does() {
    let s = Funcs::default();
    s.create(
        "create function f1(a int, b text default 'x') returns int language sql immutable strict \
         security definer parallel safe as 'select a'",
    );
    s.create("create function f2(int) returns setof int language sql stable as $$select $1$$");
    // Both texts as PostgreSQL 15 prints them.
    assert_eq!(
        s.value("SELECT pg_get_functiondef('f1'::regproc)"),
        Value::Text(
            "CREATE OR REPLACE FUNCTION public.f1(a integer, b text DEFAULT 'x'::text)\n \
             RETURNS integer\n LANGUAGE sql\n IMMUTABLE PARALLEL SAFE STRICT SECURITY DEFINER\n\
             AS $function$select a$function$\n"
                .into()
        )
    );
    assert_eq!(
        s.value("SELECT pg_get_functiondef('f2'::regproc)"),
        Value::Text(
            "CREATE OR REPLACE FUNCTION public.f2(integer)\n RETURNS SETOF integer\n \
             LANGUAGE sql\n STABLE\nAS $function$select $1$function$\n"
                .into()
        )
    );
    assert_eq!(
        s.value("SELECT pg_get_function_result('f2'::regproc)"),
        Value::Text("SETOF integer".into())
    );
    assert_eq!(
        s.value("SELECT count(*) FROM pg_proc WHERE provolatile = 's' AND proretset"),
        Value::Int8(1)
    );
}
