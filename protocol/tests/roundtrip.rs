//! Round-trip properties with a seeded generator (the seed is printed on failure through the case
//! number): encode(msg) decodes to msg, in one piece or split at every byte, and arbitrary bytes
//! never panic the decoders. The fuzz target in `fuzz/` explores the same space without the
//! generator's assumptions.

#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use pglitedb_protocol::{
    decode_frontend, decode_startup, Format, FrontendMessage, StartupRequest, Target,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn text(rng: &mut StdRng) -> String {
    let len = rng.gen_range(0..12);
    (0..len)
        .map(|_| match rng.gen_range(0..4) {
            0 => 'é',
            1 => '→',
            _ => char::from(rng.gen_range(b' '..=b'~')),
        })
        .collect()
}

fn blob(rng: &mut StdRng) -> Bytes {
    let len = rng.gen_range(0..20);
    (0..len)
        .map(|_| rng.gen::<u8>())
        .collect::<Vec<u8>>()
        .into()
}

fn format(rng: &mut StdRng) -> Format {
    if rng.gen() {
        Format::Binary
    } else {
        Format::Text
    }
}

fn target(rng: &mut StdRng) -> Target {
    if rng.gen() {
        Target::Portal
    } else {
        Target::Statement
    }
}

fn message(rng: &mut StdRng) -> FrontendMessage {
    match rng.gen_range(0..13) {
        0 => FrontendMessage::Query(text(rng)),
        1 => FrontendMessage::Parse {
            name: text(rng),
            query: text(rng),
            param_types: (0..rng.gen_range(0..4)).map(|_| rng.gen()).collect(),
        },
        2 => {
            let n = rng.gen_range(0..5);
            let param_formats = match rng.gen_range(0..3) {
                0 => vec![],
                1 => vec![format(rng)],
                _ => (0..n).map(|_| format(rng)).collect(),
            };
            FrontendMessage::Bind {
                portal: text(rng),
                statement: text(rng),
                param_formats,
                params: (0..n)
                    .map(|_| rng.gen::<bool>().then(|| blob(rng)))
                    .collect(),
                result_formats: (0..rng.gen_range(0..4)).map(|_| format(rng)).collect(),
            }
        }
        3 => FrontendMessage::Describe {
            target: target(rng),
            name: text(rng),
        },
        4 => FrontendMessage::Execute {
            portal: text(rng),
            max_rows: rng.gen(),
        },
        5 => FrontendMessage::Close {
            target: target(rng),
            name: text(rng),
        },
        6 => FrontendMessage::Sync,
        7 => FrontendMessage::Flush,
        8 => FrontendMessage::Terminate,
        9 => FrontendMessage::CopyData(blob(rng)),
        10 => FrontendMessage::CopyDone,
        11 => FrontendMessage::CopyFail(text(rng)),
        _ => FrontendMessage::Password(blob(rng)),
    }
}

#[test]
fn frontend_messages_round_trip_whole_and_fragmented() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for case in 0..300 {
        let msgs: Vec<FrontendMessage> = (0..rng.gen_range(1..6))
            .map(|_| message(&mut rng))
            .collect();
        let mut wire = BytesMut::new();
        msgs.iter().for_each(|m| m.encode(&mut wire));

        // Whole stream at once.
        let mut buf = wire.clone();
        let mut got = Vec::new();
        while let Some(m) = decode_frontend(&mut buf).unwrap() {
            got.push(m);
        }
        assert_eq!(got, msgs, "case {case}");
        assert!(buf.is_empty());

        // One byte at a time: Ok(None) must consume nothing.
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in wire.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(m) = decode_frontend(&mut buf).unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, msgs, "case {case} fragmented");
    }
}

#[test]
fn startup_requests_round_trip_fragmented() {
    let mut rng = StdRng::seed_from_u64(7);
    for case in 0..200 {
        let req = match rng.gen_range(0..4) {
            0 => StartupRequest::SslRequest,
            1 => StartupRequest::GssEncRequest,
            2 => StartupRequest::Cancel {
                pid: rng.gen(),
                secret: rng.gen(),
            },
            _ => StartupRequest::Startup {
                major: 3,
                minor: rng.gen_range(0..3),
                params: (0..rng.gen_range(0..5))
                    .map(|_| (format!("k{}", text(&mut rng)), text(&mut rng)))
                    .collect(),
            },
        };
        let mut wire = BytesMut::new();
        req.encode(&mut wire);
        let mut buf = BytesMut::new();
        let mut got = None;
        for &b in wire.iter() {
            assert!(got.is_none(), "case {case}: decoded before the last byte");
            buf.extend_from_slice(&[b]);
            got = decode_startup(&mut buf).unwrap();
        }
        assert_eq!(got, Some(req), "case {case}");
        assert!(buf.is_empty());
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = StdRng::seed_from_u64(99);
    for _ in 0..20_000 {
        let len = rng.gen_range(0..48);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        // Bias towards plausible headers so bodies get parsed, not just rejected.
        if len >= 5 && rng.gen() {
            bytes[0] = *b"QPBDECSHXdcfp".get(rng.gen_range(0..13)).unwrap();
            bytes[1..5].copy_from_slice(&u32::try_from(len - 1).unwrap().to_be_bytes());
        }
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decode_frontend(&mut buf) {}
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decode_startup(&mut buf) {}
    }
}
