//! COPY's data formats: PostgreSQL's `text` and `csv`, in both directions.
//!
//! Input arrives in arbitrary chunks ([`LineSplitter`] cuts it into rows; in CSV a quoted field may
//! span lines), each row is split into fields ([`split_text`], [`split_csv`]) and turned into a
//! full-width table row ([`CopyFromPlan::row`]): listed columns get their field parsed with the
//! column's text input function, the others their DEFAULT. Output ([`write_row`]) is the inverse.
//! Errors carry what PostgreSQL puts in CONTEXT (`COPY t, line 3, column a: "x"`), built by the
//! session, which knows the line number.

use std::sync::Arc;

use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::types::{cast::apply_typmod, FormatContext, Value};

/// COPY's options (`WITH (...)` and the pre-9.0 spellings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    pub csv: bool,
    pub delimiter: char,
    pub null: String,
    pub header: bool,
    pub quote: char,
    pub escape: char,
    /// CSV output: columns quoted even when they need not be (`FORCE_QUOTE`).
    pub force_quote: Vec<usize>,
    /// CSV input: columns whose unquoted null string is read as an empty string.
    pub force_not_null: Vec<usize>,
    /// CSV input: columns whose quoted null string is read as NULL.
    pub force_null: Vec<usize>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self::text()
    }
}

impl CopyOptions {
    /// Text format defaults: tab delimiter, `\N` for NULL.
    pub fn text() -> Self {
        CopyOptions {
            csv: false,
            delimiter: '\t',
            null: "\\N".into(),
            header: false,
            quote: '"',
            escape: '"',
            force_quote: Vec::new(),
            force_not_null: Vec::new(),
            force_null: Vec::new(),
        }
    }

    /// CSV format defaults: comma delimiter, empty unquoted string for NULL.
    pub fn csv() -> Self {
        CopyOptions {
            csv: true,
            delimiter: ',',
            null: String::new(),
            ..Self::text()
        }
    }
}

/// Where COPY FROM reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySource {
    Stdin,
    /// A file on the server, by absolute path.
    File(String),
}

/// A bound `COPY table [(columns)] FROM ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyFromPlan {
    pub table: Arc<TableDef>,
    /// Table column positions, in input field order.
    pub columns: Vec<usize>,
    pub options: CopyOptions,
    pub source: CopySource,
}

/// A row-level COPY error: the error, and the column and raw field it came from (CONTEXT names
/// them); `None` when the row as a whole is wrong (too few or too many fields).
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRowError {
    pub error: SqlError,
    pub column: Option<(String, Option<String>)>,
}

impl CopyRowError {
    fn row(error: SqlError) -> Self {
        CopyRowError {
            error,
            column: None,
        }
    }
}

impl CopyFromPlan {
    /// The table row for one input row's fields (`None`: NULL), with defaults for absent columns,
    /// type modifiers applied and NOT NULL checked.
    pub fn row(
        &self,
        fields: Vec<Option<String>>,
        ctx: &FormatContext,
    ) -> std::result::Result<Vec<Value>, CopyRowError> {
        if fields.len() > self.columns.len() {
            return Err(CopyRowError::row(SqlError::BadCopyFileFormat(
                "extra data after last expected column".into(),
            )));
        }
        if fields.len() < self.columns.len() {
            let missing = &self.table.columns[self.columns[fields.len()]].name;
            return Err(CopyRowError::row(SqlError::BadCopyFileFormat(format!(
                "missing data for column \"{missing}\""
            ))));
        }
        let mut row: Vec<Value> = self
            .table
            .columns
            .iter()
            .map(|c| c.default.clone().unwrap_or(Value::Null))
            .collect();
        for (field, &col) in fields.into_iter().zip(&self.columns) {
            let c = &self.table.columns[col];
            let Some(text) = field else {
                row[col] = Value::Null;
                continue;
            };
            let parsed = Value::parse_text_ctx(c.ty, &text, ctx)
                .and_then(|v| apply_typmod(v, c.ty, c.typmod, false));
            match parsed {
                Ok(v) => row[col] = v,
                Err(error) => {
                    return Err(CopyRowError {
                        error,
                        column: Some((c.name.clone(), Some(text))),
                    })
                }
            }
        }
        self.table
            .check_not_null_ctx(&row, ctx)
            .map_err(CopyRowError::row)?;
        if !self.table.checks.is_empty() {
            let params = crate::expr::Params::new(Vec::new(), Arc::new(ctx.clone()));
            self.table
                .check_constraints(&row, &params)
                .map_err(CopyRowError::row)?;
        }
        Ok(row)
    }
}

/// Cuts COPY input into rows. Text rows end at a newline (`\n`, `\r\n` or `\r`); a CSV row ends at a
/// newline outside quotes.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// Start of the unconsumed input in `buf`.
    start: usize,
    /// Bytes of `buf` already scanned without finding a row end (quote state is up to here).
    scanned: usize,
    in_quotes: bool,
    csv: Option<(u8, u8)>,
}

impl LineSplitter {
    /// A splitter for the given options.
    pub fn new(options: &CopyOptions) -> Self {
        LineSplitter {
            csv: options
                .csv
                .then_some((options.quote as u8, options.escape as u8)),
            ..Self::default()
        }
    }

    /// Adds input.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete row (without its line ending), if one has arrived.
    pub fn next_line(&mut self) -> Option<Vec<u8>> {
        let mut i = self.scanned.max(self.start);
        while i < self.buf.len() {
            let b = self.buf[i];
            match self.csv {
                Some((quote, escape)) if self.in_quotes => {
                    if b == escape && escape != quote && self.buf.get(i + 1) == Some(&quote) {
                        i += 1;
                    } else if b == quote {
                        self.in_quotes = false;
                    }
                }
                Some((quote, _)) if b == quote => self.in_quotes = true,
                _ if b == b'\n' || b == b'\r' => {
                    let skip = match (b, self.buf.get(i + 1)) {
                        // \r\n is one line ending; a \r at the end needs the next byte to tell.
                        (b'\r', None) => {
                            self.scanned = i;
                            return None;
                        }
                        (b'\r', Some(b'\n')) => 2,
                        _ => 1,
                    };
                    let line = self.buf[self.start..i].to_vec();
                    self.start = i + skip;
                    self.scanned = self.start;
                    return Some(line);
                }
                _ => {}
            }
            i += 1;
        }
        self.scanned = self.buf.len();
        None
    }

    /// At end of input: the last row if it had no line ending.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let mut rest = self.buf.split_off(self.start);
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        if rest.last() == Some(&b'\r') {
            rest.pop();
        }
        (!rest.is_empty()).then_some(rest)
    }

    /// Whether the input so far ends inside a quoted CSV field.
    pub fn in_quotes(&self) -> bool {
        self.in_quotes
    }
}

/// Whether a row is the end-of-data marker `\.`.
pub fn is_end_marker(line: &[u8]) -> bool {
    line == b"\\."
}

/// Splits a text-format row into fields, undoing backslash escapes; a field equal to the null string
/// (before de-escaping) is NULL.
pub fn split_text(line: &str, options: &CopyOptions) -> Result<Vec<Option<String>>> {
    let mut fields = Vec::new();
    let delim = options.delimiter;
    let mut raw_start = 0usize;
    let mut cur = String::new();
    let mut chars = line.char_indices().peekable();
    let push = |raw: &str, cur: &mut String, fields: &mut Vec<Option<String>>| {
        if raw == options.null {
            fields.push(None);
        } else {
            fields.push(Some(std::mem::take(cur)));
        }
        cur.clear();
    };
    while let Some((i, c)) = chars.next() {
        if c == delim {
            push(&line[raw_start..i], &mut cur, &mut fields);
            raw_start = i + c.len_utf8();
            continue;
        }
        if c != '\\' {
            cur.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            // A trailing backslash stands for itself.
            cur.push('\\');
            break;
        };
        match e {
            'b' => cur.push('\u{8}'),
            'f' => cur.push('\u{c}'),
            'n' => cur.push('\n'),
            'r' => cur.push('\r'),
            't' => cur.push('\t'),
            'v' => cur.push('\u{b}'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d)) if d.is_digit(8) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                push_byte(&mut cur, v as u8)?;
            }
            'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match chars.peek() {
                        Some(&(_, d)) if d.is_ascii_hexdigit() => {
                            v = v * 16 + d.to_digit(16).unwrap_or(0);
                            chars.next();
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if n == 0 {
                    cur.push('x');
                } else {
                    push_byte(&mut cur, v as u8)?;
                }
            }
            other => cur.push(other),
        }
    }
    push(&line[raw_start..], &mut cur, &mut fields);
    Ok(fields)
}

/// Octal/hex escapes give bytes; only ASCII ones make sense in a UTF-8 database.
fn push_byte(cur: &mut String, b: u8) -> Result<()> {
    if b == 0 {
        return Err(SqlError::CharacterNotInRepertoire(
            "invalid byte sequence for encoding \"UTF8\": 0x00".into(),
        ));
    }
    if b.is_ascii() {
        cur.push(b as char);
        Ok(())
    } else {
        Err(SqlError::CharacterNotInRepertoire(format!(
            "invalid byte sequence for encoding \"UTF8\": 0x{b:02x}"
        )))
    }
}

/// Splits a CSV row into fields. An unquoted field equal to the null string is NULL (unless its
/// column is in FORCE_NOT_NULL); a quoted one is a string (unless FORCE_NULL). `columns` maps field
/// positions to table columns for those options.
pub fn split_csv(
    line: &str,
    options: &CopyOptions,
    columns: &[usize],
) -> Result<Vec<Option<String>>> {
    let (delim, quote, escape) = (options.delimiter, options.quote, options.escape);
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    let mut value = String::new();
    let mut quoted = false;
    let mut raw_unquoted = String::new();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == escape && chars.peek() == Some(&quote) {
                chars.next();
                value.push(quote);
            } else if c == quote {
                in_quotes = false;
            } else {
                value.push(c);
            }
        } else if c == delim {
            let v = std::mem::take(&mut value);
            let field = finish_csv_field(v, quoted, &raw_unquoted, options, columns, fields.len());
            fields.push(field);
            raw_unquoted.clear();
            quoted = false;
        } else if c == quote {
            in_quotes = true;
            quoted = true;
        } else {
            value.push(c);
            raw_unquoted.push(c);
        }
    }
    if in_quotes {
        return Err(SqlError::BadCopyFileFormat(
            "unterminated CSV quoted field".into(),
        ));
    }
    let field = finish_csv_field(value, quoted, &raw_unquoted, options, columns, fields.len());
    fields.push(field);
    Ok(fields)
}

fn finish_csv_field(
    value: String,
    quoted: bool,
    raw_unquoted: &str,
    options: &CopyOptions,
    columns: &[usize],
    index: usize,
) -> Option<String> {
    let col = columns.get(index).copied();
    let is_null_text = value == options.null;
    if !quoted && raw_unquoted == options.null {
        if col.is_some_and(|c| options.force_not_null.contains(&c)) {
            return Some(value);
        }
        return None;
    }
    if quoted && is_null_text && col.is_some_and(|c| options.force_null.contains(&c)) {
        return None;
    }
    Some(value)
}

/// Appends one output row (with its newline) in the options' format. `texts` holds each value's
/// text output, `None` for NULL.
pub fn write_row(out: &mut Vec<u8>, texts: &[Option<String>], options: &CopyOptions) {
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            push_char(out, options.delimiter);
        }
        match t {
            None => out.extend_from_slice(options.null.as_bytes()),
            Some(s) if options.csv => write_csv_field(out, s, options, i),
            Some(s) => write_text_field(out, s, options.delimiter),
        }
    }
    out.push(b'\n');
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn write_text_field(out: &mut Vec<u8>, s: &str, delim: char) {
    for c in s.chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' if delim == '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\u{b}' => out.extend_from_slice(b"\\v"),
            c if c == delim => {
                out.push(b'\\');
                push_char(out, c);
            }
            c => push_char(out, c),
        }
    }
}

fn write_csv_field(out: &mut Vec<u8>, s: &str, options: &CopyOptions, index: usize) {
    let needs_quotes = options.force_quote.contains(&index)
        || s.is_empty() && options.null.is_empty()
        || s == options.null
        || s == "\\."
        || s.chars()
            .any(|c| c == options.delimiter || c == options.quote || c == '\n' || c == '\r');
    if !needs_quotes {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    push_char(out, options.quote);
    for c in s.chars() {
        if c == options.quote || c == options.escape {
            push_char(out, options.escape);
        }
        push_char(out, c);
    }
    push_char(out, options.quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(opts: &CopyOptions, chunks: &[&[u8]]) -> Vec<String> {
        let mut s = LineSplitter::new(opts);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c);
            while let Some(l) = s.next_line() {
                out.push(String::from_utf8(l).expect("utf8"));
            }
        }
        if let Some(l) = s.finish() {
            out.push(String::from_utf8(l).expect("utf8"));
        }
        out
    }

    #[test]
    fn rows_are_cut_at_any_line_ending_across_chunks() {
        let t = CopyOptions::text();
        assert_eq!(
            lines(&t, &[b"1\t", b"a\n2\tb\r", b"\n3\tc"]),
            ["1\ta", "2\tb", "3\tc"]
        );
        assert_eq!(lines(&t, &[b"1\r", b"2\r\n"]), ["1", "2"]);
        let c = CopyOptions::csv();
        assert_eq!(lines(&c, &[b"1,\"a\nb\"\n2,c\n"]), ["1,\"a\nb\"", "2,c"]);
    }

    #[test]
    fn text_fields_unescape_and_recognise_null() {
        let t = CopyOptions::text();
        assert_eq!(
            split_text("1\t\\N\ta\\tb\\\\c\\101\\x41", &t).expect("ok"),
            vec![Some("1".into()), None, Some("a\tb\\cAA".into())]
        );
        assert_eq!(split_text("", &t).expect("ok"), vec![Some(String::new())]);
        assert_eq!(
            split_text("a\t", &t).expect("ok"),
            vec![Some("a".into()), Some(String::new())]
        );
    }

    #[test]
    fn csv_fields_handle_quotes_and_null() {
        let c = CopyOptions::csv();
        assert_eq!(
            split_csv("1,,\"\",\"a,\"\"b\"\"\"", &c, &[0, 1, 2, 3]).expect("ok"),
            vec![
                Some("1".into()),
                None,
                Some(String::new()),
                Some("a,\"b\"".into())
            ]
        );
        let e = split_csv("1,\"abc", &c, &[0, 1]).expect_err("unterminated");
        assert_eq!(e.to_string(), "unterminated CSV quoted field");
    }

    #[test]
    fn output_escapes_like_postgres() {
        let mut out = Vec::new();
        let t = CopyOptions::text();
        write_row(
            &mut out,
            &[Some("a\tb\\".into()), None, Some("x\ny".into())],
            &t,
        );
        assert_eq!(out, b"a\\tb\\\\\t\\N\tx\\ny\n");
        let mut out = Vec::new();
        let c = CopyOptions::csv();
        write_row(
            &mut out,
            &[
                Some("a,b".into()),
                None,
                Some(String::new()),
                Some("q\"".into()),
            ],
            &c,
        );
        assert_eq!(out, b"\"a,b\",,\"\",\"q\"\"\"\n");
    }
}
