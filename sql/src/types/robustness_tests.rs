//! Robustness: random text and bytes into every input function, and random operands into every
//! operator, must give a value or an error, never a panic (the server must survive any input).
//! Deterministic (fixed seed), so a failure reproduces.

use super::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "0",
    "1",
    "9",
    "12",
    "2024",
    "99999999999999999999",
    "-",
    "+",
    ".",
    ":",
    "/",
    " ",
    "e",
    "E",
    "T",
    "Z",
    "{",
    "}",
    ",",
    "\"",
    "\\",
    "NULL",
    "nan",
    "inf",
    "infinity",
    "-infinity",
    "BC",
    "pm",
    "PST",
    "America/New_York",
    "GMT+8",
    "day",
    "days",
    "mon",
    "year",
    "ago",
    "@",
    "P",
    "1Y",
    "T1H",
    "x",
    "é",
    "\u{0}",
    "[1:2]=",
    "true",
    "t",
    "\\x",
    "ff",
    "-0800",
    "24:00:00",
    "60",
    "1e400",
    "1e-400",
    "'",
    "%",
    "_",
    "{{1},{2}}",
    "[",
    "]",
    "null",
    ":{",
    "\"a\"",
];

fn random_text(rng: &mut Rng) -> String {
    let n = rng.below(6);
    (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn input_functions_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let ctx = FormatContext::default();
    for _ in 0..20_000 {
        let ty = DataType::ALL[rng.below(DataType::ALL.len())];
        let s = random_text(&mut rng);
        if let Ok(v) = Value::parse_text_ctx(ty, &s, &ctx) {
            // Whatever parses must print, and binary must round-trip.
            let _ = v.to_text_ctx(&ctx);
            let mut b = Vec::new();
            if v.write_binary(&mut b).is_ok() {
                let _ = Value::parse_binary(ty, &b);
            }
        }
        let bytes: Vec<u8> = (0..rng.below(24)).map(|_| rng.next() as u8).collect();
        let _ = Value::parse_binary(ty, &bytes);
    }
}

#[test]
fn operators_and_casts_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let ctx = FormatContext::default();
    let samples: Vec<(DataType, &str)> = vec![
        (DataType::Int2, "-32768"),
        (DataType::Int4, "-2147483648"),
        (DataType::Int8, "-9223372036854775808"),
        (DataType::Int8, "0"),
        (DataType::Float8, "NaN"),
        (DataType::Float8, "-Infinity"),
        (DataType::Float8, "1e308"),
        (DataType::Float4, "3.4e38"),
        (DataType::Numeric, "-123456789.000000001"),
        (DataType::Numeric, "0"),
        (DataType::Numeric, "NaN"),
        (DataType::Numeric, "1e1000"),
        (DataType::Text, "abc"),
        (DataType::Date, "infinity"),
        (DataType::Date, "4714-11-24 BC"),
        (DataType::Timestamp, "294276-12-31 23:59:59"),
        (DataType::Timestamptz, "-infinity"),
        (DataType::Interval, "-178000000 years"),
        (DataType::Time, "24:00"),
        (DataType::Bytea, "\\x00"),
        (DataType::Int4Array, "{1,NULL}"),
    ];
    let values: Vec<(DataType, Value)> = samples
        .iter()
        .map(|(t, s)| (*t, Value::parse_text_ctx(*t, s, &ctx).expect(s)))
        .collect();
    let ops = [
        "+", "-", "*", "/", "%", "^", "=", "<", "||", "&", "#", "<<", "~~", "~",
    ];
    for _ in 0..20_000 {
        let (lt, l) = &values[rng.below(values.len())];
        let (rt, r) = &values[rng.below(values.len())];
        let op = ops[rng.below(ops.len())];
        if let Some(sig) = resolve_binary(op, *lt, *rt) {
            let (Ok(lv), Ok(rv)) = (
                cast_ctx(l.clone(), *lt, sig.left, -1, CastContext::Implicit, &ctx),
                cast_ctx(r.clone(), *rt, sig.right, -1, CastContext::Implicit, &ctx),
            ) else {
                continue;
            };
            if let Ok(v) = ops::eval_binary(&sig, lv, rv, &ctx) {
                let _ = v.to_text_ctx(&ctx);
            }
        }
        let to = DataType::ALL[rng.below(DataType::ALL.len())];
        if can_cast(*lt, to, CastContext::Explicit) {
            if let Ok(v) = cast_ctx(l.clone(), *lt, to, -1, CastContext::Explicit, &ctx) {
                let _ = v.to_text_ctx(&ctx);
            }
        }
    }
}
