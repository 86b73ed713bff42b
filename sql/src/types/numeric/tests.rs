//! Expected values obtained from PostgreSQL 15.18 (`psql -c "SELECT ..."`), unless noted.

use super::*;

fn n(s: &str) -> Numeric {
    Numeric::parse(s).expect("valid numeric")
}

#[test]
fn input_and_output() {
    let cases = [
        ("1e3", "1000"),
        ("1.5e-3", "0.0015"),
        (" -0.000 ", "0.000"),
        ("+.5", "0.5"),
        ("5.", "5"),
        ("1.", "1"),
        ("nan", "NaN"),
        ("-inf", "-Infinity"),
        ("1.0e10", "10000000000"),
        ("007.50", "7.50"),
    ];
    for (input, want) in cases {
        assert_eq!(n(input).to_string(), want, "{input}");
    }
    for bad in [".", "1e", "abc", "1.2.3", "", "- 1", "1_000"] {
        let e = Numeric::parse(bad).expect_err(bad);
        assert_eq!(
            e.to_string(),
            format!("invalid input syntax for type numeric: \"{bad}\"")
        );
        assert_eq!(e.sqlstate(), "22P02");
    }
}

#[test]
fn arithmetic_scales() {
    let div = |a: &str, b: &str| n(a).div(&n(b)).expect("div").to_string();
    assert_eq!(div("1", "3"), "0.33333333333333333333");
    assert_eq!(div("10", "4"), "2.5000000000000000");
    assert_eq!(div("1.000", "3.0"), "0.33333333333333333333");
    assert_eq!(div("123456789", "0.001"), "123456789000.00000000");
    assert_eq!(div("0.0001", "7"), "0.000014285714285714285714");
    assert_eq!(div("10", "3"), "3.3333333333333333");
    assert_eq!(div("1", "7e-10"), "1428571428.5714285714");
    assert_eq!(div("100000", "3"), "33333.333333333333");
    assert_eq!(div("0", "5"), "0.00000000000000000000");
    assert_eq!(div("5", "0.5000"), "10.0000000000000000");
    assert_eq!(
        n("1").div(&n("0")).expect_err("div by zero").sqlstate(),
        "22012"
    );
    assert_eq!(n("1.5").mul(&n("2.25")).to_string(), "3.375");
    assert_eq!(n("1.50").add(&n("1")).to_string(), "2.50");
    assert_eq!(n("1.5").sub(&n("1.50000")).to_string(), "0.00000");
    assert_eq!(n("-0.0").mul(&n("1")).to_string(), "0.0");
    assert_eq!(n("7.5").rem(&n("2")).expect("mod").to_string(), "1.5");
    assert_eq!(n("-7.5").rem(&n("2")).expect("mod").to_string(), "-1.5");
    assert_eq!(n("-7").rem(&n("3")).expect("mod").to_string(), "-1");
}

#[test]
fn rounding_sqrt_and_typmod() {
    assert_eq!(n("2.5").round(0).to_string(), "3");
    assert_eq!(n("-2.5").round(0).to_string(), "-3");
    assert_eq!(n("1234.5678").round(-2).to_string(), "1200");
    assert_eq!(n("1.99").trunc(1).to_string(), "1.9");
    assert_eq!(n("-1.5").ceil_floor(true).to_string(), "-1");
    assert_eq!(n("-1.5").ceil_floor(false).to_string(), "-2");
    assert_eq!(
        n("2").sqrt().expect("sqrt").to_string(),
        "1.414213562373095"
    );
    assert_eq!(
        n("1000000").sqrt().expect("sqrt").to_string(),
        "1000.0000000000000"
    );
    assert_eq!(
        n("0.5").apply_typmod(2, 2).expect("fits").to_string(),
        "0.50"
    );
    assert_eq!(
        n("123").apply_typmod(2, -1).expect("fits").to_string(),
        "120"
    );
    let detail = |v: &str, p, s| match n(v).apply_typmod(p, s) {
        Err(e @ SqlError::NumericFieldOverflow { .. }) => {
            assert_eq!(e.to_string(), "numeric field overflow");
            assert_eq!(e.sqlstate(), "22003");
            e.detail().unwrap_or_default().to_string()
        }
        other => panic!("expected overflow, got {other:?}"),
    };
    assert_eq!(
        detail("12345.678", 5, 2),
        "A field with precision 5, scale 2 must round to an absolute value less than 10^3."
    );
    assert_eq!(
        detail("1", 2, 2),
        "A field with precision 2, scale 2 must round to an absolute value less than 1."
    );
    assert_eq!(
        detail("9.99999", 3, 2),
        "A field with precision 3, scale 2 must round to an absolute value less than 10^1."
    );
    assert_eq!(
        detail("Infinity", 3, 1),
        "A field with precision 3, scale 1 cannot hold an infinite value."
    );
    assert_eq!(n("NaN").apply_typmod(3, 1), Ok(Numeric::NaN));
}

#[test]
fn conversions() {
    assert_eq!(Numeric::from_f64(0.1, 15).to_string(), "0.1");
    assert_eq!(
        Numeric::from_f64(1e20, 15).to_string(),
        "100000000000000000000"
    );
    assert_eq!(
        Numeric::from_f64(1.0 / 3.0, 15).to_string(),
        "0.333333333333333"
    );
    assert_eq!(Numeric::from_f64(1e-10, 15).to_string(), "0.0000000001");
    assert_eq!(Numeric::from_f64(f64::from(1.1f32), 6).to_string(), "1.1");
    assert_eq!(n("2.5").to_i128_round(), Ok(Some(3)));
    assert_eq!(n("-2.5").to_i128_round(), Ok(Some(-3)));
    assert_eq!(
        n("NaN").to_i128_round().expect_err("nan").to_string(),
        "cannot convert NaN to integer"
    );
    assert_eq!(n("-12.25").to_f64(), -12.25);
}

#[test]
fn ordering_puts_nan_last() {
    let mut v: Vec<Numeric> = ["NaN", "1.50", "-Infinity", "Infinity", "-2", "1.5", "0"]
        .iter()
        .map(|s| n(s))
        .collect();
    v.sort_by(|a, b| a.cmp_sql(b));
    let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        s,
        ["-Infinity", "-2", "0", "1.50", "1.5", "Infinity", "NaN"]
    );
    assert_eq!(n("1.0").cmp_sql(&n("1.000")), Ordering::Equal);
}

#[test]
fn binary_format() {
    // Bytes as PostgreSQL's numeric_send produces them (checked with COPY ... BINARY).
    let mut b = Vec::new();
    n("12345.678").write_binary(&mut b);
    assert_eq!(b, [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]);
    for s in [
        "0",
        "0.00",
        "-1.5",
        "10000",
        "0.0001",
        "123456789.000123",
        "NaN",
        "-Infinity",
    ] {
        let mut b = Vec::new();
        n(s).write_binary(&mut b);
        let back = Numeric::read_binary(&b).expect("recv");
        assert_eq!(back.to_string(), n(s).to_string(), "{s}");
    }
}
