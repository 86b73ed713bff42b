//! Byte-level helpers shared by the decoders and encoders.
//!
//! [`Reader`] walks one complete message body (a [`Bytes`] view into the connection's read buffer) and
//! turns every shortfall into [`ProtocolError::Truncated`]; it never indexes out of bounds, which is
//! what makes the decoders panic-free. The writers append a type byte and a length placeholder, let the
//! caller append the body, and patch the length afterwards, so encoding allocates nothing beyond
//! growing the output buffer. All integers are big-endian (network order), as the protocol requires.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::{ProtocolError, Result};

/// A cursor over one message body. `message` names the message in errors.
pub(crate) struct Reader {
    buf: Bytes,
    message: &'static str,
}

impl Reader {
    pub(crate) fn new(buf: Bytes, message: &'static str) -> Reader {
        Reader { buf, message }
    }

    fn need(&self, n: usize) -> Result<()> {
        if self.buf.remaining() < n {
            return Err(ProtocolError::Truncated {
                message: self.message,
            });
        }
        Ok(())
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.need(1)?;
        Ok(self.buf.get_u8())
    }

    pub(crate) fn i16(&mut self) -> Result<i16> {
        self.need(2)?;
        Ok(self.buf.get_i16())
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.need(2)?;
        Ok(self.buf.get_u16())
    }

    pub(crate) fn i32(&mut self) -> Result<i32> {
        self.need(4)?;
        Ok(self.buf.get_i32())
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.need(4)?;
        Ok(self.buf.get_u32())
    }

    /// The next `n` bytes as a zero-copy view.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<Bytes> {
        self.need(n)?;
        Ok(self.buf.split_to(n))
    }

    /// A NUL-terminated byte string, without its NUL.
    pub(crate) fn cstr_bytes(&mut self) -> Result<Bytes> {
        let Some(nul) = self.buf.iter().position(|&b| b == 0) else {
            return Err(ProtocolError::Truncated {
                message: self.message,
            });
        };
        let s = self.buf.split_to(nul);
        self.buf.advance(1);
        Ok(s)
    }

    /// A NUL-terminated UTF-8 string.
    pub(crate) fn cstring(&mut self) -> Result<String> {
        let raw = self.cstr_bytes()?;
        utf8(raw, self.message)
    }

    /// Everything not yet read.
    pub(crate) fn rest(&mut self) -> Bytes {
        self.buf.split_off(0)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Errors unless the body has been read completely (PostgreSQL's `pq_getmsgend`).
    pub(crate) fn finish(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(ProtocolError::TrailingBytes {
                message: self.message,
                extra: self.buf.len(),
            })
        }
    }
}

pub(crate) fn utf8(raw: Bytes, message: &'static str) -> Result<String> {
    String::from_utf8(raw.to_vec()).map_err(|_| ProtocolError::InvalidUtf8 { message })
}

/// Starts a typed message: writes `tag` and a length placeholder; returns the length's offset.
pub(crate) fn begin(out: &mut BytesMut, tag: u8) -> usize {
    out.put_u8(tag);
    let at = out.len();
    out.put_u32(0);
    at
}

/// Patches the length word at `at` to cover everything written since (the length counts itself).
pub(crate) fn finish(out: &mut BytesMut, at: usize) {
    let len = u32::try_from(out.len() - at)
        .expect("invariant: a backend message stays far below 4 GiB (callers bound their data)");
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

/// Writes `s` as a C string. The protocol cannot carry a NUL inside a string, so the text is cut at
/// the first NUL rather than letting it end the field early and shift every later field.
pub(crate) fn put_cstr(out: &mut BytesMut, s: &str) {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    out.put_slice(&bytes[..end]);
    out.put_u8(0);
}

/// Writes a count of items as the protocol's 16-bit count.
pub(crate) fn put_count16(out: &mut BytesMut, n: usize) {
    let n = u16::try_from(n).expect(
        "invariant: at most 65535 items per message (PostgreSQL caps columns at 1664 and parameters at 65535)",
    );
    out.put_u16(n);
}

/// Writes a byte payload length as the protocol's signed 32-bit length.
pub(crate) fn put_len32(out: &mut BytesMut, n: usize) {
    let n =
        i32::try_from(n).expect("invariant: a field is below 1 GiB (PostgreSQL's MaxAllocSize)");
    out.put_i32(n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_overreads() {
        let mut r = Reader::new(Bytes::from_static(b"ab\0c"), "Test");
        assert_eq!(r.cstring(), Ok("ab".to_owned()));
        assert_eq!(r.i16(), Err(ProtocolError::Truncated { message: "Test" }));
        assert_eq!(
            r.cstr_bytes(),
            Err(ProtocolError::Truncated { message: "Test" })
        );
        assert_eq!(r.u8(), Ok(b'c'));
        assert!(r.finish().is_ok());
    }

    #[test]
    fn cstr_is_cut_at_nul() {
        let mut out = BytesMut::new();
        put_cstr(&mut out, "a\0b");
        assert_eq!(&out[..], b"a\0");
    }
}
