//! The geometric types (`point`, `lseg`, `box`, `path`, `polygon`, `line`, `circle`): their
//! values and PostgreSQL 15's text and binary formats (`geo_ops.c`).
//!
//! Text input follows PostgreSQL's decoders exactly (`pair_decode`, `path_decode`, ...): numbers
//! are read as `float8in` reads them (leading and trailing blanks allowed), the delimiters are
//! optional where PostgreSQL makes them optional, and anything left over is a syntax error naming
//! the type and the whole input. Output writes each number as `float8out` does, so
//! `extra_float_digits` applies. A box is stored with its upper-right corner first, whatever
//! order the input gave; a line from two points is stored as `Ax + By + C = 0`.
//!
//! Operators and functions over these types are not implemented yet: values can be stored,
//! copied, cast to and from text and sent in both formats.

use std::fmt::Write as _;

use crate::error::{Result, SqlError};

/// PostgreSQL's `EPSILON` for the fuzzy comparisons of `geo_decls.h`.
const EPSILON: f64 = 1.0e-6;

/// A geometric value.
#[derive(Debug, Clone, PartialEq)]
pub enum Geo {
    Point(Pt),
    /// Two end points.
    Lseg([Pt; 2]),
    /// Upper-right corner, then lower-left.
    Box([Pt; 2]),
    Path {
        closed: bool,
        points: Vec<Pt>,
    },
    Polygon(Vec<Pt>),
    /// `Ax + By + C = 0`.
    Line([f64; 3]),
    Circle {
        center: Pt,
        radius: f64,
    },
}

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

/// Which geometric type a text or binary form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoKind {
    Point,
    Lseg,
    Box,
    Path,
    Polygon,
    Line,
    Circle,
}

impl GeoKind {
    fn name(self) -> &'static str {
        match self {
            GeoKind::Point => "point",
            GeoKind::Lseg => "lseg",
            GeoKind::Box => "box",
            GeoKind::Path => "path",
            GeoKind::Polygon => "polygon",
            GeoKind::Line => "line",
            GeoKind::Circle => "circle",
        }
    }
}

fn fp_eq(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= EPSILON
}

fn fp_zero(a: f64) -> bool {
    a.abs() <= EPSILON
}

fn invalid_parameter(message: &str) -> SqlError {
    SqlError::InvalidParameterValue(message.to_string())
}

/// A cursor over the input text, with PostgreSQL's decoding steps.
struct Decoder<'a> {
    s: &'a [u8],
    at: usize,
    kind: GeoKind,
    orig: &'a str,
}

impl Decoder<'_> {
    fn fail(&self) -> SqlError {
        SqlError::InvalidTextRepresentation {
            type_name: self.kind.name(),
            value: self.orig.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.at >= self.s.len()
    }

    /// `float8in_internal` with an end pointer: blanks, a number as `strtod` reads it, blanks.
    fn number(&mut self) -> Result<f64> {
        self.skip_space();
        let start = self.at;
        let rest = &self.s[start..];
        let lower: Vec<u8> = rest.iter().take(9).map(u8::to_ascii_lowercase).collect();
        let sign = usize::from(matches!(rest.first(), Some(b'+' | b'-')));
        let word = &lower[sign.min(lower.len())..];
        let special = ["infinity", "inf", "nan"]
            .into_iter()
            .find(|w| word.starts_with(w.as_bytes()));
        let len = if let Some(w) = special {
            sign + w.len()
        } else {
            let mut i = sign;
            let digits = |i: &mut usize| {
                let from = *i;
                while rest.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                *i - from
            };
            let mut n = digits(&mut i);
            if rest.get(i) == Some(&b'.') {
                i += 1;
                n += digits(&mut i);
            }
            if n == 0 {
                return Err(self.fail());
            }
            if matches!(rest.get(i), Some(b'e' | b'E')) {
                let mut j = i + 1;
                if matches!(rest.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if digits(&mut j) > 0 {
                    i = j;
                }
            }
            i
        };
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| self.fail())?;
        let v = super::float::parse_f64(text).map_err(|e| match e {
            SqlError::InvalidTextRepresentation { .. } => self.fail(),
            other => other,
        })?;
        self.at += len;
        self.skip_space();
        Ok(v)
    }

    /// `pair_decode`: `x,y` or `(x,y)`, blanks after a closing parenthesis skipped.
    fn pair(&mut self) -> Result<Pt> {
        self.skip_space();
        let delim = self.eat(b'(');
        let x = self.number()?;
        if !self.eat(b',') {
            return Err(self.fail());
        }
        let y = self.number()?;
        if delim {
            if !self.eat(b')') {
                return Err(self.fail());
            }
            self.skip_space();
        }
        Ok(Pt { x, y })
    }

    /// `path_decode`: `npts` pairs, in `[...]` (open, if `open_ok`), `(...)` or bare; returns
    /// whether the path was written open.
    fn points(&mut self, open_ok: bool, npts: usize) -> Result<(Vec<Pt>, bool)> {
        let mut depth = 0;
        self.skip_space();
        let open = self.peek() == Some(b'[');
        if open {
            if !open_ok {
                return Err(self.fail());
            }
            depth += 1;
            self.at += 1;
        } else if self.peek() == Some(b'(') {
            let mut cp = self.at + 1;
            while self.s.get(cp).is_some_and(|c| c.is_ascii_whitespace()) {
                cp += 1;
            }
            let only_paren = !self.s[self.at + 1..].contains(&b'(');
            if self.s.get(cp) == Some(&b'(') || only_paren {
                depth += 1;
                self.at = cp;
            }
        }
        let mut points = Vec::with_capacity(npts);
        for _ in 0..npts {
            points.push(self.pair()?);
            self.eat(b',');
        }
        while depth > 0 {
            let c = self.peek();
            if c == Some(b')') || (c == Some(b']') && open && depth == 1) {
                depth -= 1;
                self.at += 1;
                self.skip_space();
            } else {
                return Err(self.fail());
            }
        }
        Ok((points, open))
    }

    fn finish(&self) -> Result<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.fail())
        }
    }
}

/// `pair_count`: how many points a list with this many commas holds (`None`: an odd list).
fn pair_count(s: &str) -> Option<usize> {
    let commas = s.bytes().filter(|&c| c == b',').count();
    (commas % 2 == 1).then_some(commas.div_ceil(2))
}

/// The slope between two points as `point_sl` computes it.
fn slope(a: Pt, b: Pt) -> f64 {
    if fp_eq(a.x, b.x) {
        f64::INFINITY
    } else if fp_eq(a.y, b.y) {
        0.0
    } else {
        (a.y - b.y) / (a.x - b.x)
    }
}

fn same_point(a: Pt, b: Pt) -> bool {
    if a.x.is_nan() || a.y.is_nan() || b.x.is_nan() || b.y.is_nan() {
        return a.x.is_nan() && a.y.is_nan() && b.x.is_nan() && b.y.is_nan();
    }
    fp_eq(a.x, b.x) && fp_eq(a.y, b.y)
}

/// The box with corners `a` and `b`, upper-right first.
fn make_box(a: Pt, b: Pt) -> Geo {
    let (hx, lx) = if a.x < b.x { (b.x, a.x) } else { (a.x, b.x) };
    let (hy, ly) = if a.y < b.y { (b.y, a.y) } else { (a.y, b.y) };
    Geo::Box([Pt { x: hx, y: hy }, Pt { x: lx, y: ly }])
}

impl Geo {
    /// Parses the text form of `kind`.
    pub fn parse(kind: GeoKind, s: &str) -> Result<Geo> {
        let mut d = Decoder {
            s: s.as_bytes(),
            at: 0,
            kind,
            orig: s,
        };
        match kind {
            GeoKind::Point => {
                let p = d.pair()?;
                d.finish()?;
                Ok(Geo::Point(p))
            }
            GeoKind::Lseg => {
                let (p, _) = d.points(true, 2)?;
                d.finish()?;
                Ok(Geo::Lseg([p[0], p[1]]))
            }
            GeoKind::Box => {
                let (p, _) = d.points(false, 2)?;
                d.finish()?;
                Ok(make_box(p[0], p[1]))
            }
            GeoKind::Path => {
                let npts = pair_count(s).ok_or_else(|| d.fail())?;
                d.skip_space();
                let single = d.peek() == Some(b'(') && !s[d.at + 1..].contains('(');
                if single {
                    d.at += 1;
                }
                let (points, open) = d.points(true, npts)?;
                if single {
                    if !d.eat(b')') {
                        return Err(d.fail());
                    }
                    d.skip_space();
                }
                d.finish()?;
                Ok(Geo::Path {
                    closed: !open,
                    points,
                })
            }
            GeoKind::Polygon => {
                let npts = pair_count(s).ok_or_else(|| d.fail())?;
                let (points, _) = d.points(false, npts)?;
                d.finish()?;
                Ok(Geo::Polygon(points))
            }
            GeoKind::Line => {
                d.skip_space();
                if d.eat(b'{') {
                    let a = d.number()?;
                    let b = if d.eat(b',') {
                        d.number()?
                    } else {
                        return Err(d.fail());
                    };
                    let c = if d.eat(b',') {
                        d.number()?
                    } else {
                        return Err(d.fail());
                    };
                    if !d.eat(b'}') {
                        return Err(d.fail());
                    }
                    d.skip_space();
                    d.finish()?;
                    if fp_zero(a) && fp_zero(b) {
                        return Err(invalid_parameter(
                            "invalid line specification: A and B cannot both be zero",
                        ));
                    }
                    return Ok(Geo::Line([a, b, c]));
                }
                let (p, _) = d.points(true, 2)?;
                d.finish()?;
                if same_point(p[0], p[1]) {
                    return Err(invalid_parameter(
                        "invalid line specification: must be two distinct points",
                    ));
                }
                Ok(Geo::Line(line_through(p[0], slope(p[0], p[1]))))
            }
            GeoKind::Circle => {
                let mut depth = 0;
                d.skip_space();
                if d.eat(b'<') {
                    depth += 1;
                } else if d.peek() == Some(b'(') {
                    let mut cp = d.at + 1;
                    while d.s.get(cp).is_some_and(|c| c.is_ascii_whitespace()) {
                        cp += 1;
                    }
                    if d.s.get(cp) == Some(&b'(') {
                        depth += 1;
                        d.at = cp;
                    }
                }
                let center = d.pair()?;
                d.eat(b',');
                let radius = d.number()?;
                if radius < 0.0 {
                    return Err(d.fail());
                }
                while depth > 0 {
                    let c = d.peek();
                    if c == Some(b')') || (c == Some(b'>') && depth == 1) {
                        depth -= 1;
                        d.at += 1;
                        d.skip_space();
                    } else {
                        return Err(d.fail());
                    }
                }
                d.finish()?;
                Ok(Geo::Circle { center, radius })
            }
        }
    }

    /// The text form, numbers as `float8out` writes them under `extra_float_digits`.
    pub fn format(&self, extra_float_digits: i32, out: &mut String) {
        let num = |v: f64| super::float::format_f64(v, extra_float_digits);
        let pair = |p: &Pt| format!("({},{})", num(p.x), num(p.y));
        let list = |pts: &[Pt]| pts.iter().map(pair).collect::<Vec<_>>().join(",");
        let _ = match self {
            Geo::Point(p) => out.write_str(&pair(p)),
            Geo::Lseg(p) => write!(out, "[{}]", list(p)),
            Geo::Box(p) => out.write_str(&list(p)),
            Geo::Path {
                closed: true,
                points,
            }
            | Geo::Polygon(points) => {
                write!(out, "({})", list(points))
            }
            Geo::Path { points, .. } => write!(out, "[{}]", list(points)),
            Geo::Line([a, b, c]) => write!(out, "{{{},{},{}}}", num(*a), num(*b), num(*c)),
            Geo::Circle { center, radius } => {
                write!(out, "<{},{}>", pair(center), num(*radius))
            }
        };
    }

    /// The binary form (`point_send`, `path_send`, ...).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        let f = |out: &mut Vec<u8>, v: f64| out.extend_from_slice(&v.to_be_bytes());
        let pts = |out: &mut Vec<u8>, ps: &[Pt]| {
            for p in ps {
                f(out, p.x);
                f(out, p.y);
            }
        };
        match self {
            Geo::Point(p) => pts(out, std::slice::from_ref(p)),
            Geo::Lseg(p) | Geo::Box(p) => pts(out, p),
            Geo::Path { closed, points } => {
                out.push(u8::from(*closed));
                out.extend_from_slice(&(points.len() as i32).to_be_bytes());
                pts(out, points);
            }
            Geo::Polygon(points) => {
                out.extend_from_slice(&(points.len() as i32).to_be_bytes());
                pts(out, points);
            }
            Geo::Line(abc) => abc.iter().for_each(|&v| f(out, v)),
            Geo::Circle { center, radius } => {
                pts(out, std::slice::from_ref(center));
                f(out, *radius);
            }
        }
    }

    /// Reads the binary form of `kind`, with the checks of PostgreSQL's receive functions.
    pub fn read_binary(kind: GeoKind, b: &[u8]) -> Result<Geo> {
        let wrong = || {
            SqlError::InvalidBinaryRepresentation(format!(
                "incorrect binary data format in {}",
                kind.name()
            ))
        };
        let f = |at: usize| -> Result<f64> {
            let bytes: [u8; 8] = b
                .get(at..at + 8)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(wrong)?;
            Ok(f64::from_be_bytes(bytes))
        };
        let pt = |at: usize| -> Result<Pt> {
            Ok(Pt {
                x: f(at)?,
                y: f(at + 8)?,
            })
        };
        let exact = |len: usize| if b.len() == len { Ok(()) } else { Err(wrong()) };
        let count = |at: usize, what: &str| -> Result<usize> {
            let n: [u8; 4] = b
                .get(at..at + 4)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(wrong)?;
            let n = i32::from_be_bytes(n);
            let room = (b.len().saturating_sub(at + 4)) / 16;
            if n <= 0 || n as usize != room || b.len() != at + 4 + 16 * room {
                return Err(SqlError::InvalidBinaryRepresentation(format!(
                    "invalid number of points in external \"{what}\" value"
                )));
            }
            Ok(n as usize)
        };
        Ok(match kind {
            GeoKind::Point => {
                exact(16)?;
                Geo::Point(pt(0)?)
            }
            GeoKind::Lseg => {
                exact(32)?;
                Geo::Lseg([pt(0)?, pt(16)?])
            }
            GeoKind::Box => {
                exact(32)?;
                make_box(pt(0)?, pt(16)?)
            }
            GeoKind::Path => {
                let closed = *b.first().ok_or_else(wrong)? != 0;
                let n = count(1, "path")?;
                let points = (0..n).map(|i| pt(5 + 16 * i)).collect::<Result<_>>()?;
                Geo::Path { closed, points }
            }
            GeoKind::Polygon => {
                let n = count(0, "polygon")?;
                Geo::Polygon((0..n).map(|i| pt(4 + 16 * i)).collect::<Result<_>>()?)
            }
            GeoKind::Line => {
                exact(24)?;
                let (a, bb, c) = (f(0)?, f(8)?, f(16)?);
                if fp_zero(a) && fp_zero(bb) {
                    return Err(invalid_parameter(
                        "invalid line specification: A and B cannot both be zero",
                    ));
                }
                Geo::Line([a, bb, c])
            }
            GeoKind::Circle => {
                exact(24)?;
                let radius = f(16)?;
                if radius < 0.0 {
                    return Err(SqlError::InvalidBinaryRepresentation(
                        "invalid radius in external \"circle\" value".into(),
                    ));
                }
                Geo::Circle {
                    center: pt(0)?,
                    radius,
                }
            }
        })
    }
}

/// `line_construct`: the line through `p` with slope `m`.
fn line_through(p: Pt, m: f64) -> [f64; 3] {
    if m.is_infinite() {
        [-1.0, 0.0, p.x]
    } else if m == 0.0 {
        [0.0, -1.0, p.y]
    } else {
        let c = p.y - m * p.x;
        [m, -1.0, if c == 0.0 { 0.0 } else { c }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(kind: GeoKind, input: &str) -> String {
        let g = Geo::parse(kind, input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let mut bin = Vec::new();
        g.write_binary(&mut bin);
        let mut again = Vec::new();
        Geo::read_binary(kind, &bin)
            .expect("binary")
            .write_binary(&mut again);
        assert_eq!(again, bin, "{input}");
        let mut s = String::new();
        g.format(1, &mut s);
        s
    }

    #[test]
    fn text_forms_match_postgresql() {
        use GeoKind::*;
        for (kind, input, want) in [
            (Point, "(0.0,0.0)", "(0,0)"),
            (Point, "(5.1, 34.5)", "(5.1,34.5)"),
            (Point, "(1e-300,-1e-300)", "(1e-300,-1e-300)"),
            (Point, "(1e+300,Inf)", "(1e+300,Infinity)"),
            (Point, " ( Nan , NaN ) ", "(NaN,NaN)"),
            (Point, "10.0,10.0", "(10,10)"),
            (Box, "(2.0,2.0,0.0,0.0)", "(2,2),(0,0)"),
            (Box, "(1,2),(3,4)", "(3,4),(1,2)"),
            (Box, "1,2,3,4", "(3,4),(1,2)"),
            (Lseg, "[(1,2),(3,4)]", "[(1,2),(3,4)]"),
            (Lseg, "(1,2),(3,4)", "[(1,2),(3,4)]"),
            (Path, "[(1,2),(3,4)]", "[(1,2),(3,4)]"),
            (Path, "((1,2),(3,4))", "((1,2),(3,4))"),
            (Path, "(1,2,3,4)", "((1,2),(3,4))"),
            (Path, "1,2,3,4", "((1,2),(3,4))"),
            (Polygon, "(0,0,1,1,2,0)", "((0,0),(1,1),(2,0))"),
            (Polygon, "((0,0),(1,1))", "((0,0),(1,1))"),
            (Line, "{1,2,3}", "{1,2,3}"),
            (Line, "[(0,0),(1,1)]", "{1,-1,0}"),
            (Line, "(0,1),(0,2)", "{-1,0,0}"),
            (Circle, "<(1,2),3>", "<(1,2),3>"),
            (Circle, "((1,2),3)", "<(1,2),3>"),
            (Circle, "1,2,3", "<(1,2),3>"),
        ] {
            assert_eq!(round_trip(kind, input), want, "{input}");
        }
    }

    #[test]
    fn bad_input_names_the_type_and_the_text() {
        use GeoKind::*;
        for (kind, input) in [
            (Point, "asdfasdf"),
            (Point, "(10.0 10.0)"),
            (Point, "(10.0,10.0) x"),
            (Point, "(10.0,10.0"),
            (Box, "[1,2,3,4]"),
            (Path, "[(1,2),(3,4)"),
            (Path, "(1,2,3)"),
            (Circle, "<(1,2),-1>"),
        ] {
            let e = Geo::parse(kind, input).expect_err(input);
            assert_eq!(
                e.to_string(),
                format!("invalid input syntax for type {}: \"{input}\"", kind.name())
            );
        }
        let e = Geo::parse(Line, "{0,0,1}").expect_err("zero line");
        assert_eq!(
            e.to_string(),
            "invalid line specification: A and B cannot both be zero"
        );
    }
}
