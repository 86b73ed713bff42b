//! The startup phase: packets without a type byte, `[len: i32][code: i32][body]`, where the length
//! counts itself. The code tells the request apart: three magic numbers (1234 in the high half, an
//! unused protocol major) and otherwise a protocol version `major << 16 | minor`.
//!
//! ```text
//! SSLRequest      00 00 00 08  04 d2 16 2f                        (80877103)
//! GSSENCRequest   00 00 00 08  04 d2 16 30                        (80877104)
//! CancelRequest   00 00 00 10  04 d2 16 2e  [pid i32] [secret i32] (80877102)
//! StartupMessage  [len]        00 03 00 00  (name \0 value \0)* \0 (3.0)
//! ```
//!
//! A client may send SSLRequest and/or GSSENCRequest before its StartupMessage; the server answers each
//! with one byte (`'N'` until TLS exists) and calls [`decode_startup`] again.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::codec::{utf8, Reader};
use crate::{ProtocolError, Result};

/// Request code of SSLRequest.
pub const SSL_REQUEST_CODE: u32 = 80_877_103;
/// Request code of GSSENCRequest.
pub const GSSENC_REQUEST_CODE: u32 = 80_877_104;
/// Request code of CancelRequest.
pub const CANCEL_REQUEST_CODE: u32 = 80_877_102;
/// Longest startup packet accepted, like PostgreSQL's `MAX_STARTUP_PACKET_LENGTH`.
pub const MAX_STARTUP_PACKET_LENGTH: usize = 10_000;
/// The newest protocol minor version we speak (3.0).
pub const NEWEST_MINOR: u16 = 0;

/// One decoded startup-phase packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupRequest {
    /// Answer with [`crate::backend::ssl_refused`] and wait for the next startup packet.
    SslRequest,
    /// Answer with [`crate::backend::gssenc_refused`] and wait for the next startup packet.
    GssEncRequest,
    /// Sent on a fresh connection; the server never replies, it closes after acting on it.
    Cancel { pid: i32, secret: i32 },
    /// Protocol 3.x. `params` keep the client's order (`user`, `database`, `options`, GUCs, and
    /// `_pq_.*` protocol options, see [`negotiation`]). A minor above 0 is accepted: answer with
    /// NegotiateProtocolVersion and speak 3.0.
    Startup {
        major: u16,
        minor: u16,
        params: Vec<(String, String)>,
    },
}

/// Decodes one startup-phase packet from the front of `buf`. `Ok(None)` if it is incomplete, with
/// nothing consumed. Lengths below 8 or above [`MAX_STARTUP_PACKET_LENGTH`] are rejected as soon as the
/// length word has arrived, so an absurd length never makes the server wait or buffer.
pub fn decode_startup(buf: &mut BytesMut) -> Result<Option<StartupRequest>> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len_word = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let len = usize::try_from(len_word).map_err(|_| ProtocolError::InvalidLength {
        message: "startup packet",
        len: len_word.into(),
    })?;
    if len < 8 {
        return Err(ProtocolError::InvalidLength {
            message: "startup packet",
            len: len_word.into(),
        });
    }
    if len > MAX_STARTUP_PACKET_LENGTH {
        return Err(ProtocolError::MessageTooLong {
            message: "startup packet",
            len: len as u64,
            max: MAX_STARTUP_PACKET_LENGTH as u64,
        });
    }
    if buf.len() < len {
        return Ok(None);
    }
    let mut packet = buf.split_to(len).freeze();
    packet.advance(4);
    let code = packet.get_u32();
    let fixed = |message: &'static str, want: usize| {
        if len == want {
            Ok(())
        } else {
            Err(ProtocolError::InvalidLength {
                message,
                len: len_word.into(),
            })
        }
    };
    match code {
        SSL_REQUEST_CODE => fixed("SSLRequest", 8).map(|()| Some(StartupRequest::SslRequest)),
        GSSENC_REQUEST_CODE => {
            fixed("GSSENCRequest", 8).map(|()| Some(StartupRequest::GssEncRequest))
        }
        CANCEL_REQUEST_CODE => {
            fixed("CancelRequest", 16)?;
            Ok(Some(StartupRequest::Cancel {
                pid: packet.get_i32(),
                secret: packet.get_i32(),
            }))
        }
        version => {
            let (major, minor) = ((version >> 16) as u16, (version & 0xffff) as u16);
            if major != 3 {
                return Err(ProtocolError::UnsupportedProtocolVersion { major, minor });
            }
            let params = decode_params(packet)?;
            Ok(Some(StartupRequest::Startup {
                major,
                minor,
                params,
            }))
        }
    }
}

/// `(name \0 value \0)* \0`, the terminator being the last byte, as PostgreSQL's
/// `ProcessStartupPacket` requires.
fn decode_params(body: Bytes) -> Result<Vec<(String, String)>> {
    if body.last() != Some(&0) {
        return Err(ProtocolError::InvalidStartupPacket(
            "expected terminator as last byte",
        ));
    }
    let mut r = Reader::new(body.slice(..body.len() - 1), "startup packet");
    let mut params = Vec::new();
    while !r.is_empty() {
        let name = r.cstr_bytes()?;
        if name.is_empty() {
            return Err(ProtocolError::InvalidStartupPacket(
                "expected terminator as last byte",
            ));
        }
        let value = r
            .cstr_bytes()
            .map_err(|_| ProtocolError::InvalidStartupPacket("parameter without a value"))?;
        params.push((
            utf8(name, "startup packet")?,
            utf8(value, "startup packet")?,
        ));
    }
    Ok(params)
}

/// What a NegotiateProtocolVersion message must say: the newest minor version we support and the
/// `_pq_.` protocol options we did not recognise (all of them: we implement none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation<'a> {
    pub newest_minor: u16,
    pub unrecognized: Vec<&'a str>,
}

/// Whether the server must send NegotiateProtocolVersion before authentication: the client asked for
/// a minor version above ours, or sent `_pq_.` protocol options. The server must also skip `_pq_.`
/// parameters when it applies the startup parameters as session settings.
pub fn negotiation(minor: u16, params: &[(String, String)]) -> Option<Negotiation<'_>> {
    let unrecognized: Vec<&str> = params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("_pq_."))
        .collect();
    (minor > NEWEST_MINOR || !unrecognized.is_empty()).then_some(Negotiation {
        newest_minor: NEWEST_MINOR,
        unrecognized,
    })
}

impl StartupRequest {
    /// Encodes the packet as a client would send it (tests, fuzzing, and our own tools).
    pub fn encode(&self, out: &mut BytesMut) {
        let at = out.len();
        out.put_u32(0);
        match self {
            StartupRequest::SslRequest => out.put_u32(SSL_REQUEST_CODE),
            StartupRequest::GssEncRequest => out.put_u32(GSSENC_REQUEST_CODE),
            StartupRequest::Cancel { pid, secret } => {
                out.put_u32(CANCEL_REQUEST_CODE);
                out.put_i32(*pid);
                out.put_i32(*secret);
            }
            StartupRequest::Startup {
                major,
                minor,
                params,
            } => {
                out.put_u16(*major);
                out.put_u16(*minor);
                for (k, v) in params {
                    crate::codec::put_cstr(out, k);
                    crate::codec::put_cstr(out, v);
                }
                out.put_u8(0);
            }
        }
        crate::codec::finish(out, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<Option<StartupRequest>> {
        decode_startup(&mut BytesMut::from(bytes))
    }

    #[test]
    fn fixed_size_requests() {
        assert_eq!(
            decode(b"\0\0\0\x08\x04\xd2\x16\x2f"),
            Ok(Some(StartupRequest::SslRequest))
        );
        assert_eq!(
            decode(b"\0\0\0\x08\x04\xd2\x16\x30"),
            Ok(Some(StartupRequest::GssEncRequest))
        );
        assert_eq!(
            decode(b"\0\0\0\x10\x04\xd2\x16\x2e\0\0\x4e\xce\xff\xff\xff\xfe"),
            Ok(Some(StartupRequest::Cancel {
                pid: 20174,
                secret: -2
            }))
        );
        // An SSLRequest that claims to be longer is a protocol violation, not a startup.
        assert!(decode(b"\0\0\0\x0c\x04\xd2\x16\x2f\0\0\0\0").is_err());
        assert!(decode(b"\0\0\0\x0c\x04\xd2\x16\x2e\0\0\0\0").is_err());
    }

    #[test]
    fn lengths() {
        assert_eq!(decode(b"\0\0\0"), Ok(None));
        assert_eq!(decode(b"\0\0\0\x08\x04\xd2"), Ok(None));
        assert!(matches!(
            decode(b"\0\0\0\x07"),
            Err(ProtocolError::InvalidLength { .. })
        ));
        assert!(matches!(
            decode(b"\xff\xff\xff\xff"),
            Err(ProtocolError::InvalidLength { .. })
        ));
        assert!(matches!(
            decode(b"\0\0\x27\x11"),
            Err(ProtocolError::MessageTooLong { .. })
        ));
        // 10000 exactly is allowed: it waits for the rest.
        assert_eq!(decode(b"\0\0\x27\x10\0\x03\0\0"), Ok(None));
    }

    #[test]
    fn startup_params_and_layout() {
        let ok = b"\0\0\0\x1d\0\x03\0\0user\0bob\0database\0d\0\0";
        let want = vec![
            ("user".to_owned(), "bob".to_owned()),
            ("database".to_owned(), "d".to_owned()),
        ];
        assert_eq!(
            decode(ok),
            Ok(Some(StartupRequest::Startup {
                major: 3,
                minor: 0,
                params: want
            }))
        );
        assert_eq!(
            decode(b"\0\0\0\x09\0\x03\0\0\0"),
            Ok(Some(StartupRequest::Startup {
                major: 3,
                minor: 0,
                params: vec![]
            }))
        );
        assert!(decode(b"\0\0\0\x08\0\x03\0\0").is_err(), "no terminator");
        assert!(
            decode(b"\0\0\0\x0e\0\x03\0\0user\0\0").is_err(),
            "name without value"
        );
        assert!(
            decode(b"\0\0\0\x0c\0\x03\0\0ab\0\0").is_err(),
            "name, empty value, no terminator"
        );
        assert!(
            decode(b"\0\0\0\x0b\0\x03\0\0\0\0\0").is_err(),
            "bytes after terminator"
        );
        assert_eq!(
            decode(b"\0\0\0\x09\0\x02\0\0\0"),
            Err(ProtocolError::UnsupportedProtocolVersion { major: 2, minor: 0 })
        );
        assert!(
            decode(b"\0\0\0\x0d\0\x03\0\0\xff\0a\0\0").is_err(),
            "not UTF-8"
        );
    }

    #[test]
    fn negotiation_for_newer_minor_or_pq_options() {
        let params = vec![
            ("user".to_owned(), "u".to_owned()),
            ("_pq_.x".to_owned(), "1".to_owned()),
        ];
        assert_eq!(negotiation(0, &params[..1]), None);
        assert_eq!(
            negotiation(2, &params[..1]),
            Some(Negotiation {
                newest_minor: 0,
                unrecognized: vec![]
            })
        );
        assert_eq!(
            negotiation(0, &params),
            Some(Negotiation {
                newest_minor: 0,
                unrecognized: vec!["_pq_.x"]
            })
        );
    }

    #[test]
    fn encode_round_trips() {
        for req in [
            StartupRequest::SslRequest,
            StartupRequest::GssEncRequest,
            StartupRequest::Cancel { pid: 7, secret: -9 },
            StartupRequest::Startup {
                major: 3,
                minor: 2,
                params: vec![("user".into(), "x".into())],
            },
        ] {
            let mut out = BytesMut::new();
            req.encode(&mut out);
            out.put_u8(b'Q'); // the next packet must stay in the buffer
            assert_eq!(decode_startup(&mut out), Ok(Some(req)));
            assert_eq!(&out[..], b"Q");
        }
    }
}
