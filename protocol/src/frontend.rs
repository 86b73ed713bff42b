//! Regular-phase frontend messages: `[type: u8][len: i32][body]`, the length counting itself but not
//! the type byte.
//!
//! Decoding is zero-copy where it matters: Bind parameter values, CopyData payloads and password
//! bodies are [`Bytes`] views into the connection's read buffer. Strings are copied into `String`
//! because every consumer needs owned UTF-8 anyway.
//!
//! Limits follow PostgreSQL's `SocketBackend`: Query, Parse, Bind and CopyData may be up to 1 GiB (the
//! length word may not exceed [`LARGE_MESSAGE_LIMIT`]), every other message up to
//! [`SMALL_MESSAGE_LIMIT`] bytes. A length over the limit is rejected as soon as the 5-byte header has
//! arrived. Whether the body is complete is decided before anything is parsed, and a body is parsed
//! only from its own frame, so a malformed message can never read into the next one.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{self, Reader};
use crate::{ProtocolError, Result};

/// Longest Query, Parse, Bind or CopyData (PostgreSQL's `PQ_LARGE_MESSAGE_LIMIT`, 1 GiB - 1).
pub const LARGE_MESSAGE_LIMIT: usize = (1 << 30) - 1;
/// Longest of the other frontend messages (PostgreSQL's `PQ_SMALL_MESSAGE_LIMIT`).
pub const SMALL_MESSAGE_LIMIT: usize = 10_000;

/// Text or binary representation of a value; wire codes 0 and 1.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Format {
    #[default]
    Text,
    Binary,
}

impl Format {
    /// The wire code, 0 or 1.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }

    /// Parses a wire code; anything but 0 and 1 is an error.
    pub fn from_code(code: i16) -> Result<Format> {
        match code {
            0 => Ok(Format::Text),
            1 => Ok(Format::Binary),
            other => Err(ProtocolError::InvalidFormatCode(other)),
        }
    }

    /// The format of column or parameter `i` given a Bind-style list of codes: an empty list means
    /// all text, one code applies to all, otherwise one code per item (`None` if `i` is past it).
    pub fn for_index(formats: &[Format], i: usize) -> Option<Format> {
        match formats {
            [] => Some(Format::Text),
            [one] => Some(*one),
            many => many.get(i).copied(),
        }
    }
}

/// What Describe and Close refer to: a prepared statement ('S') or a portal ('P').
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Statement,
    Portal,
}

impl Target {
    fn from_byte(byte: u8, message: &'static str) -> Result<Target> {
        match byte {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            byte => Err(ProtocolError::InvalidTarget { message, byte }),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }
}

/// One decoded regular-phase message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontendMessage {
    /// 'Q': one or more statements separated by semicolons.
    Query(String),
    /// 'P': `param_types` may be shorter than the statement's parameters, and 0 means "infer".
    Parse {
        name: String,
        query: String,
        param_types: Vec<u32>,
    },
    /// 'B': `param_formats` has 0, 1 or `params.len()` entries (checked); `result_formats` is checked
    /// against the row width by the server, which knows it.
    Bind {
        portal: String,
        statement: String,
        param_formats: Vec<Format>,
        params: Vec<Option<Bytes>>,
        result_formats: Vec<Format>,
    },
    /// 'D'
    Describe { target: Target, name: String },
    /// 'E': `max_rows` 0 (or negative, as PostgreSQL treats it) means all rows.
    Execute { portal: String, max_rows: i32 },
    /// 'C'
    Close { target: Target, name: String },
    /// 'S'
    Sync,
    /// 'H'
    Flush,
    /// 'X'
    Terminate,
    /// 'd': during COPY FROM STDIN.
    CopyData(Bytes),
    /// 'c'
    CopyDone,
    /// 'f': the client's reason for aborting COPY FROM STDIN.
    CopyFail(String),
    /// 'p': PasswordMessage, SASLInitialResponse and SASLResponse share the type byte; its meaning
    /// depends on the auth state, so the raw body is handed to [`crate::auth::Authenticator::step`].
    Password(Bytes),
}

/// The name of a frontend message type and its length limit, or `None` if no frontend sends it.
fn kind(tag: u8) -> Option<(&'static str, usize)> {
    let large = LARGE_MESSAGE_LIMIT;
    let small = SMALL_MESSAGE_LIMIT;
    Some(match tag {
        b'Q' => ("Query", large),
        b'P' => ("Parse", large),
        b'B' => ("Bind", large),
        b'd' => ("CopyData", large),
        b'D' => ("Describe", small),
        b'E' => ("Execute", small),
        b'C' => ("Close", small),
        b'S' => ("Sync", small),
        b'H' => ("Flush", small),
        b'X' => ("Terminate", small),
        b'c' => ("CopyDone", small),
        b'f' => ("CopyFail", small),
        b'p' => ("Password", small),
        // FunctionCall: a real frontend message we do not implement.
        b'F' => ("FunctionCall", large),
        _ => return None,
    })
}

/// Decodes one typed message from the front of `buf`. `Ok(None)` if it is incomplete, with nothing
/// consumed. Never panics on any input (fuzzed by `fuzz/fuzz_targets/frontend_decoder.rs`). After an
/// error the connection's framing is lost: send an ErrorResponse and close.
pub fn decode_frontend(buf: &mut BytesMut) -> Result<Option<FrontendMessage>> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    let Some((message, max)) = kind(tag) else {
        return Err(ProtocolError::UnknownMessage(tag));
    };
    if tag == b'F' {
        return Err(ProtocolError::UnsupportedMessage(tag));
    }
    if buf.len() < 5 {
        return Ok(None);
    }
    let len_word = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    let len = usize::try_from(len_word)
        .ok()
        .filter(|&len| len >= 4)
        .ok_or(ProtocolError::InvalidLength {
            message,
            len: len_word.into(),
        })?;
    if len > max {
        return Err(ProtocolError::MessageTooLong {
            message,
            len: len as u64,
            max: max as u64,
        });
    }
    if buf.len() - 1 < len {
        return Ok(None);
    }
    let mut frame = buf.split_to(1 + len).freeze();
    let body = frame.split_off(5);
    decode_body(tag, Reader::new(body, message)).map(Some)
}

fn decode_body(tag: u8, mut r: Reader) -> Result<FrontendMessage> {
    let msg = match tag {
        b'Q' => FrontendMessage::Query(r.cstring()?),
        b'P' => {
            let name = r.cstring()?;
            let query = r.cstring()?;
            let n = r.u16()?;
            let param_types = (0..n).map(|_| r.u32()).collect::<Result<_>>()?;
            FrontendMessage::Parse {
                name,
                query,
                param_types,
            }
        }
        b'B' => decode_bind(&mut r)?,
        b'D' => {
            let target = Target::from_byte(r.u8()?, "Describe")?;
            FrontendMessage::Describe {
                target,
                name: r.cstring()?,
            }
        }
        b'E' => FrontendMessage::Execute {
            portal: r.cstring()?,
            max_rows: r.i32()?,
        },
        b'C' => {
            let target = Target::from_byte(r.u8()?, "Close")?;
            FrontendMessage::Close {
                target,
                name: r.cstring()?,
            }
        }
        b'S' => FrontendMessage::Sync,
        b'H' => FrontendMessage::Flush,
        b'X' => FrontendMessage::Terminate,
        b'd' => FrontendMessage::CopyData(r.rest()),
        b'c' => FrontendMessage::CopyDone,
        b'f' => FrontendMessage::CopyFail(r.cstring()?),
        b'p' => FrontendMessage::Password(r.rest()),
        other => return Err(ProtocolError::UnknownMessage(other)),
    };
    r.finish()?;
    Ok(msg)
}

fn decode_bind(r: &mut Reader) -> Result<FrontendMessage> {
    let portal = r.cstring()?;
    let statement = r.cstring()?;
    let param_formats = formats(r)?;
    let n = usize::from(r.u16()?);
    if param_formats.len() > 1 && param_formats.len() != n {
        return Err(ProtocolError::FormatCountMismatch {
            formats: param_formats.len(),
            params: n,
        });
    }
    let mut params = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.i32()?;
        params.push(match len {
            -1 => None,
            len => {
                let len =
                    usize::try_from(len).map_err(|_| ProtocolError::InvalidParameterLength(len))?;
                Some(r.bytes(len)?)
            }
        });
    }
    let result_formats = formats(r)?;
    Ok(FrontendMessage::Bind {
        portal,
        statement,
        param_formats,
        params,
        result_formats,
    })
}

fn formats(r: &mut Reader) -> Result<Vec<Format>> {
    let n = r.u16()?;
    (0..n).map(|_| Format::from_code(r.i16()?)).collect()
}

impl FrontendMessage {
    /// Encodes the message as a client would send it (tests, fuzzing, and our own tools).
    pub fn encode(&self, out: &mut BytesMut) {
        let at = match self {
            FrontendMessage::Query(q) => {
                let at = codec::begin(out, b'Q');
                codec::put_cstr(out, q);
                at
            }
            FrontendMessage::Parse {
                name,
                query,
                param_types,
            } => {
                let at = codec::begin(out, b'P');
                codec::put_cstr(out, name);
                codec::put_cstr(out, query);
                codec::put_count16(out, param_types.len());
                param_types.iter().for_each(|&t| out.put_u32(t));
                at
            }
            FrontendMessage::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => {
                let at = codec::begin(out, b'B');
                codec::put_cstr(out, portal);
                codec::put_cstr(out, statement);
                put_formats(out, param_formats);
                codec::put_count16(out, params.len());
                for p in params {
                    match p {
                        None => out.put_i32(-1),
                        Some(v) => {
                            codec::put_len32(out, v.len());
                            out.put_slice(v);
                        }
                    }
                }
                put_formats(out, result_formats);
                at
            }
            FrontendMessage::Describe { target, name }
            | FrontendMessage::Close { target, name } => {
                let tag = if matches!(self, FrontendMessage::Describe { .. }) {
                    b'D'
                } else {
                    b'C'
                };
                let at = codec::begin(out, tag);
                out.put_u8(target.byte());
                codec::put_cstr(out, name);
                at
            }
            FrontendMessage::Execute { portal, max_rows } => {
                let at = codec::begin(out, b'E');
                codec::put_cstr(out, portal);
                out.put_i32(*max_rows);
                at
            }
            FrontendMessage::Sync => codec::begin(out, b'S'),
            FrontendMessage::Flush => codec::begin(out, b'H'),
            FrontendMessage::Terminate => codec::begin(out, b'X'),
            FrontendMessage::CopyDone => codec::begin(out, b'c'),
            FrontendMessage::CopyData(data) | FrontendMessage::Password(data) => {
                let tag = if matches!(self, FrontendMessage::CopyData(_)) {
                    b'd'
                } else {
                    b'p'
                };
                let at = codec::begin(out, tag);
                out.put_slice(data);
                at
            }
            FrontendMessage::CopyFail(reason) => {
                let at = codec::begin(out, b'f');
                codec::put_cstr(out, reason);
                at
            }
        };
        codec::finish(out, at);
    }
}

fn put_formats(out: &mut BytesMut, formats: &[Format]) {
    codec::put_count16(out, formats.len());
    formats.iter().for_each(|f| out.put_i16(f.code()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<Option<FrontendMessage>> {
        decode_frontend(&mut BytesMut::from(bytes))
    }

    #[test]
    fn header_checks() {
        assert_eq!(decode(b""), Ok(None));
        assert_eq!(decode(b"Q\0\0"), Ok(None));
        assert_eq!(decode(b"z"), Err(ProtocolError::UnknownMessage(b'z')));
        assert_eq!(decode(b"F"), Err(ProtocolError::UnsupportedMessage(b'F')));
        assert!(matches!(
            decode(b"S\0\0\0\x03"),
            Err(ProtocolError::InvalidLength { .. })
        ));
        assert!(matches!(
            decode(b"S\x80\0\0\0"),
            Err(ProtocolError::InvalidLength { .. })
        ));
        assert!(matches!(
            decode(b"D\0\0\x27\x11"),
            Err(ProtocolError::MessageTooLong { .. })
        ));
        assert_eq!(
            decode(b"Q\x3f\xff\xff\xff"),
            Ok(None),
            "1 GiB - 1 is allowed for Query"
        );
        assert!(matches!(
            decode(b"Q\x40\0\0\0"),
            Err(ProtocolError::MessageTooLong { .. })
        ));
    }

    #[test]
    fn body_checks() {
        assert_eq!(
            decode(b"S\0\0\0\x05\0"),
            Err(ProtocolError::TrailingBytes {
                message: "Sync",
                extra: 1
            })
        );
        assert_eq!(
            decode(b"Q\0\0\0\x05a"),
            Err(ProtocolError::Truncated { message: "Query" })
        );
        assert_eq!(
            decode(b"Q\0\0\0\x06a\0"),
            Ok(Some(FrontendMessage::Query("a".into())))
        );
        assert!(matches!(
            decode(b"D\0\0\0\x06X\0"),
            Err(ProtocolError::InvalidTarget { byte: b'X', .. })
        ));
        assert_eq!(
            decode(b"E\0\0\0\x07\0\0\0"),
            Err(ProtocolError::Truncated { message: "Execute" })
        );
        // Bind: 2 format codes for 1 parameter.
        let bind = b"B\0\0\0\x12\0\0\0\x02\0\0\0\0\0\x01\xff\xff\xff\xff";
        assert_eq!(
            decode(bind),
            Err(ProtocolError::FormatCountMismatch {
                formats: 2,
                params: 1
            })
        );
        // Bind: parameter length -2.
        let bind = b"B\0\0\0\x10\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0";
        assert_eq!(decode(bind), Err(ProtocolError::InvalidParameterLength(-2)));
        // Bind: parameter length past the end of the frame (the next message must not be read).
        let bind = b"B\0\0\0\x10\0\0\0\0\0\x01\0\0\0\x05\0\0S\0\0\0\x04";
        assert_eq!(
            decode(bind),
            Err(ProtocolError::Truncated { message: "Bind" })
        );
        assert_eq!(
            decode(b"B\0\0\0\x0a\0\0\0\x01\0\x02"),
            Err(ProtocolError::InvalidFormatCode(2))
        );
    }

    #[test]
    fn format_for_index() {
        assert_eq!(Format::for_index(&[], 3), Some(Format::Text));
        assert_eq!(
            Format::for_index(&[Format::Binary], 3),
            Some(Format::Binary)
        );
        assert_eq!(
            Format::for_index(&[Format::Binary, Format::Text], 1),
            Some(Format::Text)
        );
        assert_eq!(Format::for_index(&[Format::Binary, Format::Text], 2), None);
    }
}
