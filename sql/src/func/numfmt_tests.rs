//! `to_char` for numbers and `to_number`; every expected value is PostgreSQL 15.18's output for the
//! same call.

use super::*;
use crate::types::cast;
use crate::types::numeric::Numeric;

fn call(name: &str, args: &[(Value, DataType)]) -> Result<Value> {
    let types: Vec<DataType> = args.iter().map(|a| a.1).collect();
    let sig = resolve(name, &types)?;
    let vals = args
        .iter()
        .zip(&sig.params)
        .map(|((v, from), to)| cast(v.clone(), *from, *to, -1))
        .collect::<Result<Vec<_>>>()?;
    sig.call(&vals, &FormatContext::default())
}

fn num(s: &str) -> (Value, DataType) {
    (
        Value::Numeric(Numeric::parse(s).expect("numeric")),
        DataType::Numeric,
    )
}

fn text(s: &str) -> (Value, DataType) {
    (Value::Text(s.into()), DataType::Unknown)
}

fn fmt(v: (Value, DataType), template: &str) -> String {
    call("to_char", &[v, text(template)])
        .expect("to_char")
        .to_text()
        .unwrap_or_else(|| "NULL".into())
}

fn to_number(s: &str, template: &str) -> Result<String> {
    call("to_number", &[text(s), text(template)])
        .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
}

#[test]
fn numeric_templates() {
    assert_eq!(fmt(num("-12.5"), "S999.99"), " -12.50");
    assert_eq!(
        fmt(num("12.5"), "\"Value: \"999.99\"!\""),
        "Value:   12.50!"
    );
    assert_eq!(fmt(num("12.5"), "L999.99"), "   12.50");
    assert_eq!(fmt(num("1234.5"), "FM00000.000"), "01234.500");
    assert_eq!(fmt(num("0.1"), "FM0.0000"), "0.1000");
    assert_eq!(fmt(num("-0.5"), "0.9"), "-0.5");
    assert_eq!(fmt(num("0.5"), "9.9"), "  .5");
    assert_eq!(fmt(num("0.5"), "FM9.9"), ".5");
    assert_eq!(fmt(num("0"), "FM9."), "0");
    assert_eq!(fmt(num("-3"), "9.99PR"), "<3.00>");
    assert_eq!(fmt(num("-3"), "FM9.99PR"), "<3.>");
    assert_eq!(fmt(num("1234567"), "9,999"), " #,###");
    assert_eq!(fmt(num("12345"), "9G999G999"), "    12,345");
    assert_eq!(fmt(num("NaN"), "9999.99"), "  NaN");
    assert_eq!(fmt(num("9.99"), "9.9EEEE"), " 10.0e+00");
    assert_eq!(fmt(num("-0.000123"), "9.9EEEE"), "-1.2e-04");
    assert_eq!(fmt(num("Infinity"), "9.99EEEE"), " #.######");
}

#[test]
fn integer_and_float_templates() {
    let i4 = |v: i32| (Value::Int4(v), DataType::Int4);
    let i8 = |v: i64| (Value::Int8(v), DataType::Int8);
    let f8 = |v: f64| (Value::Float8(v), DataType::Float8);
    let f4 = |v: f32| (Value::Float4(v), DataType::Float4);
    assert_eq!(fmt(i4(12), "99th"), " 12th");
    assert_eq!(fmt(i4(-12), "99th"), "-12");
    assert_eq!(fmt(i4(101), "999th"), " 101st");
    assert_eq!(fmt(i4(11), "99TH"), " 11TH");
    assert_eq!(fmt(i4(3), "FMRN"), "III");
    assert_eq!(fmt(i4(3), "rn"), "            iii");
    assert_eq!(fmt(i4(4000), "RN"), "###############");
    assert_eq!(fmt(i4(42), "SG999"), "+ 42");
    assert_eq!(fmt(i4(1234), "9999V99"), " 123400");
    assert_eq!(fmt(i8(1234), "9999V99"), " 123400");
    assert_eq!(fmt(i4(-12), "PL99"), " -12");
    assert_eq!(fmt(i4(12), "FMPL99"), "+12");
    assert_eq!(
        fmt(f8(1e20), "9999999999999999999999.99"),
        "  100000000000000000000"
    );
    assert_eq!(fmt(f8(-1e-5), "S9.999999"), " -.000010");
    assert_eq!(fmt(f8(f64::INFINITY), "MI99.99"), " ##.##");
    assert_eq!(fmt(f4(f32::INFINITY), "MI99.99"), " ##.");
    assert_eq!(fmt(f4(12.345), "9.99EEEE"), " 1.23e+01");
    assert_eq!(fmt(f8(1e300), "EEEE"), " 1e+300");
    assert_eq!(fmt(i4(12), ""), "");
    let e = call("to_char", &[i8(i64::MAX), text("9V9")]).expect_err("overflow");
    assert_eq!(e.to_string(), "bigint out of range");
}

#[test]
fn template_errors() {
    let err = |t: &str| call("to_char", &[num("12.5"), text(t)]).expect_err(t);
    assert_eq!(err("9.9.9").to_string(), "multiple decimal points");
    assert_eq!(
        err("S9MI").to_string(),
        "cannot use \"S\" and \"MI\" together"
    );
    assert_eq!(
        err("9EEEE9").to_string(),
        "\"EEEE\" must be the last pattern used"
    );
    let e = err("FM9EEEE");
    assert_eq!(e.sqlstate(), "42601");
    assert_eq!(
        e.detail(),
        Some("\"EEEE\" may only be used together with digit and decimal point patterns.")
    );
}

#[test]
fn to_number_reads_templates() {
    let ok = |s: &str, t: &str| to_number(s, t).expect(s);
    assert_eq!(ok("-34,338,492", "99G999G999"), "-34338492");
    assert_eq!(ok("<564646.654564>", "999999.999999PR"), "-564646.654564");
    assert_eq!(ok("0.00001-", "9.999999S"), "-0.00001");
    assert_eq!(ok("5.01-", "FM9.999999MI"), "-5.01");
    assert_eq!(ok("5 4 4 4 4 8 . 7 8", "9 9 9 9 9 9 . 9 9"), "544448.78");
    assert_eq!(ok("$1,234.56", "L99,999.99"), "1234.56");
    assert_eq!(ok("42nd", "99th"), "42");
    assert_eq!(ok("1234", "9999V99"), "12.3400000000000000");
    assert_eq!(ok("x", ""), "NULL");
    let e = to_number("", "999").expect_err("empty");
    assert_eq!(
        e.to_string(),
        "invalid input syntax for type numeric: \" \""
    );
    assert_eq!(ok("1234", "99"), "12");
    let e = to_number("42", "RN").expect_err("roman");
    assert_eq!(e.to_string(), "\"RN\" not supported for input");
}

#[test]
fn width_bucket_matches_postgres() {
    let f8 = |v: f64| (Value::Float8(v), DataType::Float8);
    let i4 = |v: i32| (Value::Int4(v), DataType::Int4);
    let wb = |args: &[(Value, DataType)]| call("width_bucket", args);
    let int = |r: Result<Value>| r.expect("width_bucket").to_text().unwrap_or_default();
    assert_eq!(
        int(wb(&[num("5.35"), num("0.024"), num("10.06"), i4(5)])),
        "3"
    );
    assert_eq!(int(wb(&[f8(5.35), f8(10.06), f8(0.024), i4(5)])), "3");
    assert_eq!(int(wb(&[num("-1"), num("0"), num("5"), i4(5)])), "0");
    assert_eq!(int(wb(&[f8(5.0), f8(0.0), f8(5.0), i4(5)])), "6");
    let e = wb(&[num("NaN"), num("1"), num("2"), i4(2)]).expect_err("nan");
    assert_eq!(
        e.to_string(),
        "operand, lower bound, and upper bound cannot be NaN"
    );
    assert_eq!(e.sqlstate(), "2201G");
    let e = wb(&[f8(1.0), f8(1.0), f8(2.0), i4(0)]).expect_err("count");
    assert_eq!(e.to_string(), "count must be greater than zero");
    let e = wb(&[f8(1.0), f8(f64::NEG_INFINITY), f8(2.0), i4(2)]).expect_err("inf");
    assert_eq!(e.to_string(), "lower and upper bounds must be finite");
    let e = wb(&[num("10"), num("1"), num("5"), i4(i32::MAX)]).expect_err("overflow");
    assert_eq!(e.to_string(), "integer out of range");
}
