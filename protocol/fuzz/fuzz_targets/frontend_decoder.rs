//! Arbitrary bytes into the decoders, the way a connection feeds them: startup packets until a
//! StartupMessage, then regular messages on the rest; and the whole input as regular messages too.
//!
//! Properties: no panic, no hang, `Ok(None)` consumes nothing, and every decoded message encodes
//! back to exactly the bytes it was decoded from (decoding is strict, encoding canonical).

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pglitedb_protocol::{decode_frontend, decode_startup, StartupRequest};

fn regular_phase(mut buf: BytesMut) {
    loop {
        let before = buf.clone();
        match decode_frontend(&mut buf) {
            Ok(Some(msg)) => {
                let consumed = before.len() - buf.len();
                let mut again = BytesMut::new();
                msg.encode(&mut again);
                assert_eq!(&again[..], &before[..consumed], "re-encoding differs for {msg:?}");
            }
            Ok(None) => {
                assert_eq!(buf, before, "Ok(None) must consume nothing");
                return;
            }
            Err(e) => {
                let _ = e.sqlstate();
                let _ = e.to_string();
                return;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.clone();
        match decode_startup(&mut buf) {
            Ok(Some(req)) => {
                let consumed = before.len() - buf.len();
                let mut again = BytesMut::new();
                req.encode(&mut again);
                assert_eq!(&again[..], &before[..consumed], "re-encoding differs for {req:?}");
                if let StartupRequest::Startup { minor, params, .. } = &req {
                    let _ = pglitedb_protocol::startup::negotiation(*minor, params);
                    regular_phase(buf);
                    break;
                }
            }
            Ok(None) => {
                assert_eq!(buf, before, "Ok(None) must consume nothing");
                break;
            }
            Err(e) => {
                let _ = e.sqlstate();
                break;
            }
        }
    }
    regular_phase(BytesMut::from(data));
});
