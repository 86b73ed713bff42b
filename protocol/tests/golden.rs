//! Golden bytes per message. The values come from the decoded client traces in
//! `shared/clients/traces/` (real psql, pgbench, psycopg 3 and tokio-postgres against PostgreSQL 15);
//! the proxy printed them decoded, so the bytes are written out here from the protocol's layout.

#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use pglitedb_protocol::backend::{self, FieldDescription, TransactionStatus};
use pglitedb_protocol::{
    decode_frontend, decode_startup, ErrorFields, Format, FrontendMessage, Severity, SqlState,
    StartupRequest, Target,
};

/// Concatenates parts; parts starting with `#` are hex (spaces ignored), others are raw bytes.
fn bytes(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        if let Some(hex) = part.strip_prefix(b"#") {
            let digits: Vec<u8> = hex
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            for pair in digits.chunks(2) {
                out.push(u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
            }
        } else {
            out.extend_from_slice(part);
        }
    }
    out
}

fn encoded(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
    let mut out = BytesMut::new();
    f(&mut out);
    out.to_vec()
}

/// Decodes `wire` as one frontend message, checks it is `want`, and that encoding gives `wire` back.
fn frontend_golden(wire: &[u8], want: FrontendMessage) {
    let mut buf = BytesMut::from(wire);
    assert_eq!(decode_frontend(&mut buf), Ok(Some(want.clone())));
    assert!(buf.is_empty());
    assert_eq!(encoded(|out| want.encode(out)), wire);
}

// ---- startup ----------------------------------------------------------------------------------

#[test]
fn psql_startup_packet() {
    // auth_psql.trace: StartupMessage protocol=3.0 params={'user': 'pw_user', 'database': 'postgres',
    // 'application_name': 'psql'}
    let wire = bytes(&[
        b"#0000003e 00030000",
        b"user\0pw_user\0database\0postgres\0application_name\0psql\0\0",
    ]);
    let want = StartupRequest::Startup {
        major: 3,
        minor: 0,
        params: vec![
            ("user".into(), "pw_user".into()),
            ("database".into(), "postgres".into()),
            ("application_name".into(), "psql".into()),
        ],
    };
    assert_eq!(
        decode_startup(&mut BytesMut::from(&wire[..])),
        Ok(Some(want.clone()))
    );
    assert_eq!(encoded(|out| want.encode(out)), wire);
}

#[test]
fn asyncpg_quoted_client_encoding_is_kept_verbatim() {
    // The server normalises `'utf-8'`; the codec must hand it over untouched.
    let wire = bytes(&[
        b"#00000028 00030000",
        b"client_encoding\0'utf-8'\0user\0u\0\0",
    ]);
    let Ok(Some(StartupRequest::Startup { params, .. })) =
        decode_startup(&mut BytesMut::from(&wire[..]))
    else {
        panic!("startup expected");
    };
    assert_eq!(params[0], ("client_encoding".into(), "'utf-8'".into()));
}

// ---- frontend ---------------------------------------------------------------------------------

#[test]
fn query() {
    // auth_psql.trace: Query "select 'cleartext ok'"
    frontend_golden(
        &bytes(&[b"#51 0000001a", b"select 'cleartext ok'\0"]),
        FrontendMessage::Query("select 'cleartext ok'".into()),
    );
}

#[test]
fn parse_with_oids() {
    // py_psycopg3.trace: Parse stmt='' paramOIDs=[21, 0] query='SELECT * FROM py3_t WHERE id = $1 AND name = $2'
    let q = "SELECT * FROM py3_t WHERE id = $1 AND name = $2";
    frontend_golden(
        &bytes(&[
            b"#50 0000003f 00",
            q.as_bytes(),
            b"#00 0002 00000015 00000000",
        ]),
        FrontendMessage::Parse {
            name: String::new(),
            query: q.into(),
            param_types: vec![21, 0],
        },
    );
}

#[test]
fn bind_mixed_formats() {
    // py_psycopg3.trace: Bind portal='' stmt='' paramFormats=[binary,text] params=[0x0001, 'alice']
    // resultFormats=[text]
    frontend_golden(
        &bytes(&[
            b"#42 00000021 00 00 0002 0001 0000 0002 00000002 0001 00000005",
            b"alice",
            b"#0001 0000",
        ]),
        FrontendMessage::Bind {
            portal: String::new(),
            statement: String::new(),
            param_formats: vec![Format::Binary, Format::Text],
            params: vec![
                Some(Bytes::from_static(&[0, 1])),
                Some(Bytes::from_static(b"alice")),
            ],
            result_formats: vec![Format::Text],
        },
    );
}

#[test]
fn bind_named_statement_with_null() {
    // rust_tokio.trace style: Bind portal='' stmt='s1' paramFormats=[binary] params=[NULL] resultFormats=[binary]
    frontend_golden(
        &bytes(&[
            b"#42 00000016 00",
            b"s1\0",
            b"#0001 0001 0001 ffffffff 0001 0001",
        ]),
        FrontendMessage::Bind {
            portal: String::new(),
            statement: "s1".into(),
            param_formats: vec![Format::Binary],
            params: vec![None],
            result_formats: vec![Format::Binary],
        },
    );
}

#[test]
fn describe_execute_close_sync_flush() {
    // rust_tokio.trace: Describe Statement 's0'; Execute portal='' maxRows=0; then Close(S) and Sync.
    frontend_golden(
        &bytes(&[b"#44 00000008 53", b"s0\0"]),
        FrontendMessage::Describe {
            target: Target::Statement,
            name: "s0".into(),
        },
    );
    frontend_golden(
        &bytes(&[b"#45 00000009 00 00000000"]),
        FrontendMessage::Execute {
            portal: String::new(),
            max_rows: 0,
        },
    );
    frontend_golden(
        &bytes(&[b"#43 00000008 53", b"s0\0"]),
        FrontendMessage::Close {
            target: Target::Statement,
            name: "s0".into(),
        },
    );
    frontend_golden(
        &bytes(&[b"#44 0000000c 50", b"ss_cur\0"]),
        FrontendMessage::Describe {
            target: Target::Portal,
            name: "ss_cur".into(),
        },
    );
    frontend_golden(&bytes(&[b"#53 00000004"]), FrontendMessage::Sync);
    frontend_golden(&bytes(&[b"#48 00000004"]), FrontendMessage::Flush);
    frontend_golden(&bytes(&[b"#58 00000004"]), FrontendMessage::Terminate);
}

#[test]
fn copy_messages() {
    // py_psycopg3.trace: CopyData len=21 '10\tc10\n11\tc11\n12\tc12\n', then CopyDone.
    frontend_golden(
        &bytes(&[b"#64 00000019", b"10\tc10\n11\tc11\n12\tc12\n"]),
        FrontendMessage::CopyData(Bytes::from_static(b"10\tc10\n11\tc11\n12\tc12\n")),
    );
    frontend_golden(&bytes(&[b"#63 00000004"]), FrontendMessage::CopyDone);
    frontend_golden(
        &bytes(&[b"#66 00000009", b"oops\0"]),
        FrontendMessage::CopyFail("oops".into()),
    );
}

#[test]
fn password_body_is_raw() {
    // rust_auth.trace: SASLInitialResponse mechanism=SCRAM-SHA-256 data='n,,n=,r=e*u"-bk=VEvmuaiIywNbxZSZ'
    let body = bytes(&[
        b"SCRAM-SHA-256\0",
        b"#00000020",
        b"n,,n=,r=e*u\"-bk=VEvmuaiIywNbxZSZ",
    ]);
    let wire = bytes(&[b"#70 00000036", &body]);
    frontend_golden(&wire, FrontendMessage::Password(Bytes::from(body)));
}

// ---- backend ----------------------------------------------------------------------------------

#[test]
fn session_start_messages() {
    // auth_psql.trace after AuthenticationOk.
    assert_eq!(
        encoded(backend::auth_ok),
        bytes(&[b"#52 00000008 00000000"])
    );
    assert_eq!(
        encoded(|out| backend::parameter_status(out, "client_encoding", "UTF8")),
        bytes(&[b"#53 00000019", b"client_encoding\0UTF8\0"])
    );
    assert_eq!(
        encoded(|out| backend::backend_key_data(out, 20174, 0x0102_0304)),
        bytes(&[b"#4b 0000000c 00004ece 01020304"])
    );
    assert_eq!(
        encoded(|out| backend::ready_for_query(out, TransactionStatus::Idle)),
        bytes(&[b"#5a 00000005 49"])
    );
    assert_eq!(
        encoded(|out| backend::ready_for_query(out, TransactionStatus::InBlock)),
        bytes(&[b"#5a 00000005 54"])
    );
    assert_eq!(
        encoded(|out| backend::ready_for_query(out, TransactionStatus::Failed)),
        bytes(&[b"#5a 00000005 45"])
    );
    assert_eq!(encoded(backend::ssl_refused), b"N");
    assert_eq!(encoded(backend::gssenc_refused), b"N");
}

#[test]
fn auth_requests() {
    assert_eq!(
        encoded(backend::auth_cleartext_password),
        bytes(&[b"#52 00000008 00000003"])
    );
    // auth_psql.trace: AuthenticationMD5Password salt=8c5ec569
    assert_eq!(
        encoded(|out| backend::auth_md5_password(out, [0x8c, 0x5e, 0xc5, 0x69])),
        bytes(&[b"#52 0000000c 00000005 8c5ec569"])
    );
    // rust_auth.trace: AuthenticationSASL mechanisms=['SCRAM-SHA-256']
    assert_eq!(
        encoded(|out| backend::auth_sasl(out, &["SCRAM-SHA-256"])),
        bytes(&[b"#52 00000017 0000000a", b"SCRAM-SHA-256\0\0"])
    );
    assert_eq!(
        encoded(|out| backend::auth_sasl_continue(out, b"r=a")),
        bytes(&[b"#52 0000000b 0000000b", b"r=a"])
    );
    assert_eq!(
        encoded(|out| backend::auth_sasl_final(out, b"v=x")),
        bytes(&[b"#52 0000000b 0000000c", b"v=x"])
    );
}

#[test]
fn simple_query_reply() {
    // auth_psql.trace: RowDescription 1 cols: ?column?:oid25/text; DataRow ['cleartext ok']; SELECT 1.
    let field = FieldDescription {
        name: "?column?",
        table_oid: 0,
        column: 0,
        type_oid: 25,
        type_size: -1,
        type_modifier: -1,
        format: Format::Text,
    };
    assert_eq!(
        encoded(|out| backend::row_description(out, &[field])),
        bytes(&[
            b"#54 00000021 0001",
            b"?column?\0",
            b"#00000000 0000 00000019 ffff ffffffff 0000"
        ])
    );
    assert_eq!(
        encoded(|out| {
            let mut row = backend::data_row(out);
            row.value(Some(b"cleartext ok"));
            row.finish();
        }),
        bytes(&[b"#44 00000016 0001 0000000c", b"cleartext ok"])
    );
    assert_eq!(
        encoded(|out| backend::command_complete(out, "SELECT 1")),
        bytes(&[b"#43 0000000d", b"SELECT 1\0"])
    );
    assert_eq!(
        encoded(backend::empty_query_response),
        bytes(&[b"#49 00000004"])
    );
}

#[test]
fn data_row_variants() {
    let row = encoded(|out| {
        let mut w = backend::data_row(out);
        w.null()
            .value(None)
            .value_with(|o| o.extend_from_slice(b"42"));
        // dropped without finish(): still a complete message
    });
    assert_eq!(
        row,
        bytes(&[b"#44 00000014 0003 ffffffff ffffffff 00000002", b"42"])
    );
    assert_eq!(
        encoded(|out| backend::data_row(out).finish()),
        bytes(&[b"#44 00000006 0000"])
    );
}

#[test]
fn tokio_row_description_with_table_columns() {
    // rust_tokio.trace: RowDescription ... id:oid20[tbl16514.1]/text
    let field = FieldDescription {
        name: "id",
        table_oid: 16514,
        column: 1,
        type_oid: 20,
        type_size: 8,
        type_modifier: -1,
        format: Format::Binary,
    };
    assert_eq!(
        encoded(|out| backend::row_description(out, &[field])),
        bytes(&[
            b"#54 0000001b 0001",
            b"id\0",
            b"#00004082 0001 00000014 0008 ffffffff 0001"
        ])
    );
}

#[test]
fn extended_protocol_replies() {
    assert_eq!(encoded(backend::parse_complete), bytes(&[b"#31 00000004"]));
    assert_eq!(encoded(backend::bind_complete), bytes(&[b"#32 00000004"]));
    assert_eq!(encoded(backend::close_complete), bytes(&[b"#33 00000004"]));
    assert_eq!(encoded(backend::no_data), bytes(&[b"#6e 00000004"]));
    assert_eq!(
        encoded(backend::portal_suspended),
        bytes(&[b"#73 00000004"])
    );
    assert_eq!(
        encoded(|out| backend::parameter_description(out, &[23, 25])),
        bytes(&[b"#74 0000000e 0002 00000017 00000019"])
    );
}

#[test]
fn copy_replies() {
    // pgbench_init.trace: CopyInResponse overall=text cols=[text,text,text,text]
    assert_eq!(
        encoded(|out| backend::copy_in_response(out, Format::Text, &[Format::Text; 4])),
        bytes(&[b"#47 0000000f 00 0004 0000 0000 0000 0000"])
    );
    assert_eq!(
        encoded(|out| backend::copy_out_response(out, Format::Binary, &[Format::Binary])),
        bytes(&[b"#48 00000009 01 0001 0001"])
    );
    assert_eq!(
        encoded(|out| backend::copy_data(out, b"1\n")),
        bytes(&[b"#64 00000006", b"1\n"])
    );
    assert_eq!(encoded(backend::copy_done), bytes(&[b"#63 00000004"]));
}

#[test]
fn error_and_notice() {
    // auth trace: ErrorResponse FATAL 28P01 'password authentication failed for user "scram_user"'
    let e = ErrorFields::fatal(
        SqlState::INVALID_PASSWORD,
        "password authentication failed for user \"scram_user\"",
    );
    let body = bytes(&[
        b"SFATAL\0VFATAL\0C28P01\0",
        b"Mpassword authentication failed for user \"scram_user\"\0\0",
    ]);
    let mut want = bytes(&[b"#45"]);
    want.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_be_bytes());
    want.extend_from_slice(&body);
    assert_eq!(encoded(|out| backend::error_response(out, &e)), want);

    // Every optional field, in PostgreSQL's order.
    let mut e = ErrorFields::error(SqlState::SYNTAX_ERROR, "syntax error at or near \"x\"")
        .with_detail("d")
        .with_hint("h")
        .with_position(8);
    let x = e.extra_mut();
    x.where_ = Some("w".into());
    x.schema = Some("s".into());
    x.table = Some("t".into());
    x.column = Some("c".into());
    x.data_type = Some("dt".into());
    x.constraint = Some("n".into());
    let got = encoded(|out| backend::error_response(out, &e));
    let body = bytes(&[
        b"SERROR\0VERROR\0C42601\0Msyntax error at or near \"x\"\0",
        b"Dd\0Hh\0P8\0Ww\0ss\0tt\0cc\0ddt\0nn\0\0",
    ]);
    assert_eq!(&got[5..], &body[..]);

    // pgbench_init.trace: NoticeResponse NOTICE 00000 'table "pgbench_accounts" does not exist, skipping'
    let n = ErrorFields::new(
        Severity::Notice,
        SqlState::SUCCESSFUL_COMPLETION,
        "table \"pgbench_accounts\" does not exist, skipping",
    );
    let got = encoded(|out| backend::notice_response(out, &n));
    assert_eq!(got[0], b'N');
    assert_eq!(
        &got[5..],
        &bytes(&[
            b"SNOTICE\0VNOTICE\0C00000\0Mtable \"pgbench_accounts\" does not exist, skipping\0\0"
        ])[..]
    );
}

#[test]
fn negotiate_protocol_version_and_notification() {
    assert_eq!(
        encoded(|out| backend::negotiate_protocol_version(out, 0, &["_pq_.x"])),
        bytes(&[b"#76 00000013 00030000 00000001", b"_pq_.x\0"])
    );
    assert_eq!(
        encoded(|out| backend::notification_response(out, 7, "ch", "hi")),
        bytes(&[b"#41 0000000e 00000007", b"ch\0hi\0"])
    );
}
