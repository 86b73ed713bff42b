//! Backend message encoders: each appends one complete message to an output buffer.
//!
//! Nothing here allocates except by growing `out`, and nothing does I/O: the server batches many
//! messages into one buffer and writes it when the protocol says to (ReadyForQuery, Flush, or a full
//! buffer). Strings are written as C strings and cut at an embedded NUL (see `codec::put_cstr`).
//! Counts are 16-bit on the wire; callers keep columns and parameters within PostgreSQL's own limits
//! (1664 columns, 65535 parameters), and exceeding 65535 is treated as a bug (panic with the reason).

use bytes::{BufMut, BytesMut};

use crate::codec::{begin, finish, put_count16, put_cstr, put_len32};
use crate::error_fields::FieldValue;
use crate::Format;

pub use crate::error_fields::{ErrorFields, ExtraFields, Severity};

/// One column of a RowDescription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDescription<'a> {
    pub name: &'a str,
    /// OID of the table the column comes from, or 0.
    pub table_oid: u32,
    /// Attribute number in that table, or 0.
    pub column: i16,
    pub type_oid: u32,
    /// `pg_type.typlen`: -1 for varlena, -2 for C strings.
    pub type_size: i16,
    /// `atttypmod`, -1 if none.
    pub type_modifier: i32,
    pub format: Format,
}

/// The status byte of ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    /// 'I': not in a transaction block.
    Idle,
    /// 'T': in a transaction block.
    InBlock,
    /// 'E': in a failed transaction block; statements fail with 25P02 until ROLLBACK.
    Failed,
}

impl TransactionStatus {
    pub fn byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InBlock => b'T',
            TransactionStatus::Failed => b'E',
        }
    }
}

fn empty(out: &mut BytesMut, tag: u8) {
    let at = begin(out, tag);
    finish(out, at);
}

fn auth(out: &mut BytesMut, code: i32, body: impl FnOnce(&mut BytesMut)) {
    let at = begin(out, b'R');
    out.put_i32(code);
    body(out);
    finish(out, at);
}

/// AuthenticationOk (R, 0).
pub fn auth_ok(out: &mut BytesMut) {
    auth(out, 0, |_| {});
}

/// AuthenticationCleartextPassword (R, 3).
pub fn auth_cleartext_password(out: &mut BytesMut) {
    auth(out, 3, |_| {});
}

/// AuthenticationMD5Password (R, 5) with its 4-byte salt.
pub fn auth_md5_password(out: &mut BytesMut, salt: [u8; 4]) {
    auth(out, 5, |out| out.put_slice(&salt));
}

/// AuthenticationSASL (R, 10): the mechanism names, then an empty name.
pub fn auth_sasl(out: &mut BytesMut, mechanisms: &[&str]) {
    auth(out, 10, |out| {
        mechanisms.iter().for_each(|m| put_cstr(out, m));
        out.put_u8(0);
    });
}

/// AuthenticationSASLContinue (R, 11) with the server-first message.
pub fn auth_sasl_continue(out: &mut BytesMut, data: &[u8]) {
    auth(out, 11, |out| out.put_slice(data));
}

/// AuthenticationSASLFinal (R, 12) with the server-final message.
pub fn auth_sasl_final(out: &mut BytesMut, data: &[u8]) {
    auth(out, 12, |out| out.put_slice(data));
}

/// NegotiateProtocolVersion ('v'): the newest minor we support and the protocol options we ignored.
pub fn negotiate_protocol_version(out: &mut BytesMut, newest_minor: u16, unrecognized: &[&str]) {
    let at = begin(out, b'v');
    out.put_i32(i32::from(newest_minor) | (3 << 16));
    put_len32(out, unrecognized.len());
    unrecognized.iter().for_each(|o| put_cstr(out, o));
    finish(out, at);
}

/// ParameterStatus ('S').
pub fn parameter_status(out: &mut BytesMut, name: &str, value: &str) {
    let at = begin(out, b'S');
    put_cstr(out, name);
    put_cstr(out, value);
    finish(out, at);
}

/// BackendKeyData ('K'): what a CancelRequest must quote.
pub fn backend_key_data(out: &mut BytesMut, pid: i32, secret: i32) {
    let at = begin(out, b'K');
    out.put_i32(pid);
    out.put_i32(secret);
    finish(out, at);
}

/// ReadyForQuery ('Z').
pub fn ready_for_query(out: &mut BytesMut, status: TransactionStatus) {
    let at = begin(out, b'Z');
    out.put_u8(status.byte());
    finish(out, at);
}

/// RowDescription ('T').
pub fn row_description(out: &mut BytesMut, fields: &[FieldDescription<'_>]) {
    let at = begin(out, b'T');
    put_count16(out, fields.len());
    for f in fields {
        put_cstr(out, f.name);
        out.put_u32(f.table_oid);
        out.put_i16(f.column);
        out.put_u32(f.type_oid);
        out.put_i16(f.type_size);
        out.put_i32(f.type_modifier);
        out.put_i16(f.format.code());
    }
    finish(out, at);
}

/// Starts a DataRow ('D'). Add each column with [`DataRowWriter::value`] (or `null`, `value_with`),
/// then call [`DataRowWriter::finish`]; dropping the writer finishes the row as well, so the buffer
/// never holds a half-written message.
pub fn data_row(out: &mut BytesMut) -> DataRowWriter<'_> {
    let at = begin(out, b'D');
    out.put_u16(0); // column count, patched by finish
    DataRowWriter {
        out,
        at,
        columns: 0,
        done: false,
    }
}

/// Writes the columns of one DataRow in place. See [`data_row`].
pub struct DataRowWriter<'a> {
    out: &'a mut BytesMut,
    at: usize,
    columns: usize,
    done: bool,
}

impl DataRowWriter<'_> {
    /// A column value in the format announced for it, or NULL.
    pub fn value(&mut self, value: Option<&[u8]>) -> &mut Self {
        match value {
            Some(v) => {
                put_len32(self.out, v.len());
                self.out.put_slice(v);
                self.columns += 1;
                self
            }
            None => self.null(),
        }
    }

    /// A NULL column (length -1).
    pub fn null(&mut self) -> &mut Self {
        self.out.put_i32(-1);
        self.columns += 1;
        self
    }

    /// A column whose bytes `write` appends directly to the output (e.g. an integer formatted in
    /// place); the length is patched afterwards.
    pub fn value_with(&mut self, write: impl FnOnce(&mut BytesMut)) -> &mut Self {
        let len_at = self.out.len();
        self.out.put_i32(0);
        write(self.out);
        let len = self.out.len() - len_at - 4;
        let len = i32::try_from(len)
            .expect("invariant: a field is below 1 GiB (PostgreSQL's MaxAllocSize)");
        self.out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        self.columns += 1;
        self
    }

    /// Completes the row: patches the column count and the message length.
    pub fn finish(mut self) {
        self.complete();
    }

    fn complete(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        let count = u16::try_from(self.columns)
            .expect("invariant: at most 65535 columns per row (PostgreSQL caps rows at 1664)");
        self.out[self.at + 4..self.at + 6].copy_from_slice(&count.to_be_bytes());
        finish(self.out, self.at);
    }
}

impl Drop for DataRowWriter<'_> {
    fn drop(&mut self) {
        self.complete();
    }
}

/// CommandComplete ('C') with a tag such as `SELECT 1` or `INSERT 0 5`.
pub fn command_complete(out: &mut BytesMut, tag: &str) {
    let at = begin(out, b'C');
    put_cstr(out, tag);
    finish(out, at);
}

/// EmptyQueryResponse ('I'), in place of CommandComplete for an empty statement.
pub fn empty_query_response(out: &mut BytesMut) {
    empty(out, b'I');
}

/// ParseComplete ('1').
pub fn parse_complete(out: &mut BytesMut) {
    empty(out, b'1');
}

/// BindComplete ('2').
pub fn bind_complete(out: &mut BytesMut) {
    empty(out, b'2');
}

/// CloseComplete ('3').
pub fn close_complete(out: &mut BytesMut) {
    empty(out, b'3');
}

/// NoData ('n'): Describe of a statement or portal that returns no rows.
pub fn no_data(out: &mut BytesMut) {
    empty(out, b'n');
}

/// PortalSuspended ('s'): Execute stopped at its row limit; the portal can be executed again.
pub fn portal_suspended(out: &mut BytesMut) {
    empty(out, b's');
}

/// ParameterDescription ('t').
pub fn parameter_description(out: &mut BytesMut, oids: &[u32]) {
    let at = begin(out, b't');
    put_count16(out, oids.len());
    oids.iter().for_each(|&o| out.put_u32(o));
    finish(out, at);
}

fn copy_response(out: &mut BytesMut, tag: u8, format: Format, columns: &[Format]) {
    let at = begin(out, tag);
    out.put_i8(match format {
        Format::Text => 0,
        Format::Binary => 1,
    });
    put_count16(out, columns.len());
    columns.iter().for_each(|f| out.put_i16(f.code()));
    finish(out, at);
}

/// CopyInResponse ('G'): the client may now send CopyData, then CopyDone or CopyFail.
pub fn copy_in_response(out: &mut BytesMut, format: Format, columns: &[Format]) {
    copy_response(out, b'G', format, columns);
}

/// CopyOutResponse ('H'): CopyData messages and a CopyDone follow.
pub fn copy_out_response(out: &mut BytesMut, format: Format, columns: &[Format]) {
    copy_response(out, b'H', format, columns);
}

/// CopyData ('d').
pub fn copy_data(out: &mut BytesMut, data: &[u8]) {
    let at = begin(out, b'd');
    out.put_slice(data);
    finish(out, at);
}

/// CopyDone ('c').
pub fn copy_done(out: &mut BytesMut) {
    empty(out, b'c');
}

/// NotificationResponse ('A') for LISTEN/NOTIFY.
pub fn notification_response(out: &mut BytesMut, pid: i32, channel: &str, payload: &str) {
    let at = begin(out, b'A');
    out.put_i32(pid);
    put_cstr(out, channel);
    put_cstr(out, payload);
    finish(out, at);
}

fn fields(out: &mut BytesMut, tag: u8, e: &ErrorFields) {
    let at = begin(out, tag);
    for code in [b'S', b'V'] {
        out.put_u8(code);
        put_cstr(out, e.severity.as_str());
    }
    out.put_u8(b'C');
    out.put_slice(&e.code.0);
    out.put_u8(0);
    out.put_u8(b'M');
    put_cstr(out, &e.message);
    for (code, value) in e.optional_fields() {
        match value {
            None => {}
            Some(FieldValue::Text(s)) => {
                out.put_u8(code);
                put_cstr(out, s);
            }
            Some(FieldValue::Number(n)) => {
                out.put_u8(code);
                put_cstr(out, &n.to_string());
            }
        }
    }
    out.put_u8(0);
    finish(out, at);
}

/// ErrorResponse ('E').
pub fn error_response(out: &mut BytesMut, e: &ErrorFields) {
    fields(out, b'E', e);
}

/// NoticeResponse ('N'): same fields as ErrorResponse, severity WARNING/NOTICE/… by convention.
pub fn notice_response(out: &mut BytesMut, e: &ErrorFields) {
    fields(out, b'N', e);
}

/// The answer to SSLRequest while TLS is not implemented: the single byte 'N'.
pub fn ssl_refused(out: &mut BytesMut) {
    out.put_u8(b'N');
}

/// The answer to GSSENCRequest: the single byte 'N'.
pub fn gssenc_refused(out: &mut BytesMut) {
    out.put_u8(b'N');
}
