//! Operator resolution and evaluation; expected results from PostgreSQL 15 (`SELECT pg_typeof(a op
//! b), a op b`, and the regression files).

use super::*;
use crate::types::numeric::Numeric as Num;
use crate::types::{FormatContext, Value};

fn eval(op: &str, l: (Value, DataType), r: (Value, DataType)) -> crate::Result<Value> {
    let sig = resolve_binary(op, l.1, r.1).expect("operator exists");
    let ctx = FormatContext::default();
    let cast = |v, from, to| crate::types::cast::cast(v, from, to, -1);
    eval_binary(
        &sig,
        cast(l.0, l.1, sig.left)?,
        cast(r.0, r.1, sig.right)?,
        &ctx,
    )
}

fn text(v: Value) -> String {
    v.to_text().expect("not null")
}

#[test]
fn resolution_follows_postgres() {
    use DataType::*;
    let res = |op, l, r| resolve_binary(op, l, r).map(|s| s.result);
    assert_eq!(res("+", Int4, Int8), Some(Int8));
    assert_eq!(res("+", Int4, Numeric), Some(Numeric));
    assert_eq!(res("+", Int8, Float4), Some(Float8));
    assert_eq!(res("+", Int2, Int2), Some(Int2));
    assert_eq!(res("*", Numeric, Float8), Some(Float8));
    assert_eq!(res("^", Int4, Int4), Some(Float8));
    assert_eq!(res("^", Numeric, Int4), Some(Numeric));
    assert_eq!(res("%", Float8, Int4), None);
    assert_eq!(res("+", Int4, Unknown), Some(Int4));
    assert_eq!(res("=", Unknown, Unknown), Some(Bool));
    assert_eq!(res("||", Unknown, Unknown), Some(Text));
    assert_eq!(res("||", Int4, Text), Some(Text));
    assert_eq!(res("||", Int4Array, Int4), Some(Int4Array));
    assert_eq!(res("-", Date, Date), Some(Int4));
    assert_eq!(res("+", Date, Interval), Some(Timestamp));
    assert_eq!(res("-", Timestamptz, Timestamptz), Some(Interval));
    assert_eq!(res("<", Date, Timestamptz).map(|_| ()), Some(()));
    assert_eq!(res("+", Int4, Text), None);
    // From a 4913-case differential run (17 types × 17 types × 17 operators) against PG 15.
    assert_eq!(res("+", Int4, Float4), Some(Float8));
    assert_eq!(res("+", Float4, Float4), Some(Float4));
    assert_eq!(res("*", Time, Int4), Some(Interval));
    assert_eq!(res("-", Date, Time), Some(Timestamp));
    assert_eq!(res("+", Time, Time), None);
    assert_eq!(res("<<", Int4, Int8), None);
    assert_eq!(res("||", Int4Array, Float4), Some(Float4Array));
    assert_eq!(res("||", Int4Array, Text), None);
    assert_eq!(
        undefined_operator("+", Some(Int4), Text).to_string(),
        "operator does not exist: integer + text"
    );
    assert_eq!(
        undefined_operator("+", Some(Int4), Text).sqlstate(),
        "42883"
    );
}

#[test]
fn arithmetic_matches_postgres() {
    use DataType::*;
    let i4 = |v| (Value::Int4(v), Int4);
    let e = eval("+", i4(i32::MAX), i4(1)).expect_err("overflow");
    assert_eq!(e.to_string(), "integer out of range");
    assert_eq!(e.sqlstate(), "22003");
    assert_eq!(
        eval("/", i4(1), i4(0)).expect_err("div").sqlstate(),
        "22012"
    );
    assert_eq!(eval("/", i4(-7), i4(2)), Ok(Value::Int4(-3)));
    assert_eq!(eval("%", i4(-7), i4(2)), Ok(Value::Int4(-1)));
    assert_eq!(eval("%", i4(i32::MIN), i4(-1)), Ok(Value::Int4(0)));
    assert_eq!(
        eval("/", i4(i32::MIN), i4(-1))
            .expect_err("overflow")
            .to_string(),
        "integer out of range"
    );
    let n = |s: &str| (Value::Numeric(Num::parse(s).expect("n")), Numeric);
    assert_eq!(text(eval("+", i4(1), n("2.50")).expect("add")), "3.50");
    // select_div_scale treats equal leading digits as "var1 < var2".
    assert_eq!(
        text(eval("/", n("2.50"), n("2.50")).expect("div")),
        "1.00000000000000000000"
    );
    assert_eq!(
        text(eval("^", n("2"), i4(10)).expect("pow")),
        "1024.0000000000000000"
    );
    assert_eq!(text(eval("^", i4(2), i4(10)).expect("pow")), "1024");
    // Negative integer exponents divide exactly (PostgreSQL 15: SELECT 0.0212::numeric ^ -2).
    assert_eq!(
        text(eval("^", n("0.0212"), i4(-2)).expect("pow")),
        "2224.9911000355998576"
    );
    assert_eq!(
        text(eval("^", n("51065"), i4(-2)).expect("pow")),
        "0.0000000003834894"
    );
    let f = |v| (Value::Float8(v), Float8);
    assert_eq!(
        eval("*", f(1e200), f(1e200))
            .expect_err("overflow")
            .to_string(),
        "value out of range: overflow"
    );
    assert_eq!(
        eval("^", f(0.0), f(-1.0)).expect_err("pow").to_string(),
        "zero raised to a negative power is undefined"
    );
    assert_eq!(eval("&", i4(12), i4(10)), Ok(Value::Int4(8)));
    assert_eq!(eval("#", i4(12), i4(10)), Ok(Value::Int4(6)));
    assert_eq!(eval("<<", i4(1), i4(4)), Ok(Value::Int4(16)));
}

#[test]
fn comparisons_and_strings() {
    use DataType::*;
    let t = |s: &str| (Value::Text(s.into()), Text);
    let bp = |s: &str| (Value::Text(s.into()), Bpchar);
    assert_eq!(eval("=", bp("ab  "), bp("ab")), Ok(Value::Bool(true)));
    assert_eq!(eval("<", t("a"), t("b")), Ok(Value::Bool(true)));
    assert_eq!(
        eval("||", t("a"), (Value::Int4(1), Int4)),
        Ok(Value::Text("a1".into()))
    );
    assert_eq!(
        eval("||", bp("ab  "), t("x")),
        Ok(Value::Text("abx".into()))
    );
    assert_eq!(eval("~~", t("hawkeye"), t("h%")), Ok(Value::Bool(true)));
    // bpchar LIKE keeps the left side's padding; the pattern is cast to text (trimmed).
    assert_eq!(eval("~~", bp("ef  "), bp("ef  ")), Ok(Value::Bool(false)));
    assert_eq!(
        eval("||", t("ab"), (Value::Bool(true), Bool)),
        Ok(Value::Text("abtrue".into()))
    );
    assert_eq!(eval("!~~*", t("HAWK"), t("h%")), Ok(Value::Bool(false)));
    let nan = (Value::Float8(f64::NAN), Float8);
    assert_eq!(
        eval(">", nan.clone(), (Value::Float8(f64::INFINITY), Float8)),
        Ok(Value::Bool(true))
    );
    assert_eq!(eval("=", nan.clone(), nan), Ok(Value::Bool(true)));
    assert_eq!(
        eval(
            "=",
            (Value::Float8(-0.0), Float8),
            (Value::Float8(0.0), Float8)
        ),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval("=", (Value::Int4(1), Int4), (Value::Null, Unknown)),
        Ok(Value::Null)
    );
}

#[test]
fn datetime_arithmetic() {
    use DataType::*;
    let ctx = FormatContext::default();
    let p = |ty, s: &str| (Value::parse_text_ctx(ty, s, &ctx).expect(s), ty);
    let show = |v: crate::Result<Value>| text(v.expect("eval"));
    assert_eq!(
        show(eval("+", p(Date, "2024-01-31"), (Value::Int4(1), Int4))),
        "2024-02-01"
    );
    assert_eq!(
        show(eval("-", p(Date, "2024-03-01"), p(Date, "2024-02-01"))),
        "29"
    );
    assert_eq!(
        show(eval(
            "+",
            p(Timestamp, "2024-01-31 10:00"),
            p(Interval, "1 mon")
        )),
        "2024-02-29 10:00:00"
    );
    assert_eq!(
        show(eval(
            "-",
            p(Timestamp, "2024-01-02 03:00"),
            p(Timestamp, "2024-01-01")
        )),
        "1 day 03:00:00"
    );
    assert_eq!(
        show(eval(
            "+",
            p(Date, "2024-01-01"),
            p(Interval, "1 day 2 hours")
        )),
        "2024-01-02 02:00:00"
    );
    assert_eq!(
        show(eval(
            "*",
            p(Interval, "1 day"),
            (Value::Float8(1.5), Float8)
        )),
        "1 day 12:00:00"
    );
    assert_eq!(
        show(eval("+", p(Time, "23:00"), p(Interval, "2 hours"))),
        "01:00:00"
    );
    assert_eq!(
        show(eval(
            "/",
            p(Interval, "1 day 02:00"),
            (Value::Int2(7), Int2)
        )),
        "03:42:51.428572"
    );
    assert_eq!(
        show(eval("*", p(Time, "13:00"), (Value::Int4(-5), Int4))),
        "-65:00:00"
    );
}

#[test]
fn numeric_power_special_cases() {
    // PostgreSQL 15.18: numeric_power's special values and |base| = 1 with huge exponents.
    let n = |s: &str| (Value::Numeric(Num::parse(s).expect(s)), DataType::Numeric);
    let pow = |a: &str, b: &str| text(eval("^", n(a), n(b)).expect("power"));
    assert_eq!(pow("-2", "Infinity"), "Infinity");
    assert_eq!(pow("-2", "-Infinity"), "0");
    assert_eq!(pow("NaN", "0"), "1");
    assert_eq!(pow("1.00", "NaN"), "1");
    assert_eq!(pow("NaN", "1"), "NaN");
    assert_eq!(pow("-1.0", "2147483647"), "-1.0000000000000000");
    assert_eq!(pow("-1.0", "1000000000000000"), "1.0000000000000000");
    let e = eval("^", n("10.0"), n("2147483647")).expect_err("overflow");
    assert_eq!(e.to_string(), "value overflows numeric format");
}

#[test]
fn numeric_log_of_infinities() {
    // PostgreSQL 15.18: numeric_log's special values.
    let n = |s: &str| Num::parse(s).expect(s);
    let log = |b: &str, x: &str| Num::log(&n(b), &n(x)).map(|v| v.to_string());
    assert_eq!(log("Infinity", "10").as_deref(), Ok("0"));
    assert_eq!(log("10", "Infinity").as_deref(), Ok("Infinity"));
    assert_eq!(log("Infinity", "Infinity").as_deref(), Ok("NaN"));
    let e = log("0", "-Infinity").expect_err("negative");
    assert_eq!(e.to_string(), "cannot take logarithm of a negative number");
    let e = log("0", "Infinity").expect_err("zero");
    assert_eq!(e.to_string(), "cannot take logarithm of zero");
}
