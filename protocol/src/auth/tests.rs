//! Exchanges driven message by message, including the RFC 7677 test vector.

use bytes::{BufMut, BytesMut};

use super::*;

fn random() -> AuthRandom {
    AuthRandom {
        md5_salt: [1, 2, 3, 4],
        scram_salt: *b"0123456789abcdef",
        scram_nonce: "SERVERNONCE".into(),
    }
}

fn creds(password: &str) -> Option<Credentials> {
    Some(Credentials {
        password: password.into(),
    })
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn sasl_initial(mechanism: &str, data: &str) -> Vec<u8> {
    let mut b = BytesMut::new();
    b.put_slice(&cstr(mechanism));
    b.put_i32(i32::try_from(data.len()).expect("test data is small"));
    b.put_slice(data.as_bytes());
    b.to_vec()
}

/// Authentication message `R` with `code` and `body`, as bytes.
fn auth_msg(code: i32, body: &[u8]) -> Vec<u8> {
    let mut v = vec![b'R'];
    v.extend_from_slice(&(8 + i32::try_from(body.len()).expect("small")).to_be_bytes());
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn assert_failed(e: &AuthError, user: &str) {
    assert_eq!(e.kind, AuthErrorKind::Failed);
    assert_eq!(e.fields.severity, crate::Severity::Fatal);
    assert_eq!(e.fields.code, SqlState::INVALID_PASSWORD);
    assert_eq!(
        e.fields.message,
        format!("password authentication failed for user \"{user}\"")
    );
}

#[test]
fn trust_is_done_at_start() {
    let mut a = Authenticator::new(Method::Trust, "u", None);
    let mut out = BytesMut::new();
    assert_eq!(a.start(&mut out), Ok(Step::Done));
    assert_eq!(&out[..], b"R\0\0\0\x08\0\0\0\0");
    assert!(a.is_done());
    assert!(
        a.step(b"x\0", &mut out).is_err(),
        "no password expected after trust"
    );
}

#[test]
fn cleartext() {
    let mut out = BytesMut::new();
    let mut a = Authenticator::with_random(Method::Password, "pw_user", creds("plainpw"), random());
    assert_eq!(a.start(&mut out), Ok(Step::Send));
    assert_eq!(&out[..], &auth_msg(3, b"")[..]);
    out.clear();
    assert_eq!(a.step(&cstr("plainpw"), &mut out), Ok(Step::Done));
    assert_eq!(&out[..], &auth_msg(0, b"")[..]);

    for (creds, body) in [
        (creds("plainpw"), cstr("nope")),
        (creds(""), cstr("")),
        (None, cstr("plainpw")),
    ] {
        let mut a = Authenticator::with_random(Method::Password, "pw_user", creds, random());
        a.start(&mut out).expect("start");
        assert_failed(&a.step(&body, &mut out).expect_err("must fail"), "pw_user");
        assert!(
            a.step(&body, &mut out).is_err(),
            "a failed exchange stays failed"
        );
    }
    for body in [&b"plainpw"[..], b"a\0b\0", b""] {
        let mut a =
            Authenticator::with_random(Method::Password, "pw_user", creds("plainpw"), random());
        a.start(&mut out).expect("start");
        let e = a.step(body, &mut out).expect_err("malformed");
        assert_eq!(e.fields.code, SqlState::PROTOCOL_VIOLATION);
    }
}

#[test]
fn md5_exchange() {
    let mut out = BytesMut::new();
    let mut a = Authenticator::with_random(Method::Md5, "md5_user", creds("md5pw"), random());
    assert_eq!(a.start(&mut out), Ok(Step::Send));
    assert_eq!(&out[..], &auth_msg(5, &[1, 2, 3, 4])[..]);
    let answer = md5::client_response("md5pw", "md5_user", [1, 2, 3, 4]);
    assert_eq!(a.step(&cstr(&answer), &mut out), Ok(Step::Done));

    let mut a = Authenticator::with_random(Method::Md5, "md5_user", creds("md5pw"), random());
    a.start(&mut out).expect("start");
    let wrong = md5::client_response("md5pw", "md5_user", [9, 9, 9, 9]);
    assert_failed(
        &a.step(&cstr(&wrong), &mut out).expect_err("wrong salt"),
        "md5_user",
    );
}

/// RFC 7677 §3, with the server's salt and nonce injected.
#[test]
fn scram_rfc7677_vector() {
    let random = AuthRandom {
        md5_salt: [0; 4],
        scram_salt: BASE64
            .decode("W22ZaJ0SNY7soEsUEjb6gQ==")
            .expect("b64")
            .try_into()
            .expect("16 bytes"),
        scram_nonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0".into(),
    };
    let mut a = Authenticator::with_random(Method::ScramSha256, "user", creds("pencil"), random);
    let mut out = BytesMut::new();
    assert_eq!(a.start(&mut out), Ok(Step::Send));
    assert_eq!(&out[..], &auth_msg(10, b"SCRAM-SHA-256\0\0")[..]);

    out.clear();
    let first = sasl_initial("SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assert_eq!(a.step(&first, &mut out), Ok(Step::Send));
    let server_first =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    assert_eq!(&out[..], &auth_msg(11, server_first)[..]);

    out.clear();
    let client_final = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    assert_eq!(a.step(client_final, &mut out), Ok(Step::Done));
    let mut want = auth_msg(12, b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    want.extend(auth_msg(0, b""));
    assert_eq!(&out[..], &want[..]);
    assert!(a.is_done());
}

/// Runs a SCRAM exchange as libpq does (empty `n=`), the client knowing `client_password`.
fn scram(server: Option<Credentials>, client_password: &str, gs2: &str) -> Result<Step, AuthError> {
    let mut a = Authenticator::with_random(Method::ScramSha256, "scram_user", server, random());
    let mut out = BytesMut::new();
    a.start(&mut out)?;
    let bare = "n=,r=e*u\"-bk=VEvmuaiIywNbxZSZ";
    let first = format!("{gs2}{bare}");
    out.clear();
    a.step(&sasl_initial("SCRAM-SHA-256", &first), &mut out)?;
    let server_first = std::str::from_utf8(&out[9..]).expect("ascii").to_owned();
    let client_final = scram::test_client_final(client_password, bare, &server_first, gs2);
    a.step(client_final.as_bytes(), &mut out)
}

#[test]
fn scram_success_and_failures() {
    assert_eq!(scram(creds("scrampw"), "scrampw", "n,,"), Ok(Step::Done));
    assert_eq!(scram(creds("scrampw"), "scrampw", "y,,"), Ok(Step::Done));
    assert_failed(
        &scram(creds("scrampw"), "wrong", "n,,").expect_err("wrong password"),
        "scram_user",
    );
    assert_failed(
        &scram(None, "scrampw", "n,,").expect_err("no such user"),
        "scram_user",
    );
}

#[test]
fn scram_rejects_tampering() {
    let start = || {
        let mut a = Authenticator::with_random(Method::ScramSha256, "u", creds("p"), random());
        let mut out = BytesMut::new();
        a.start(&mut out).expect("start");
        a
    };
    let mut out = BytesMut::new();
    // Wrong mechanism, lengths that do not match the body, missing length.
    for body in [
        sasl_initial("SCRAM-SHA-256-PLUS", "n,,n=,r=abc"),
        sasl_initial("SCRAM-SHA-256", "n,,n=,r=abc")[..20].to_vec(),
        b"SCRAM-SHA-256\0\xff\xff\xff\xff".to_vec(),
        b"SCRAM-SHA-256\0\0\0".to_vec(),
        b"SCRAM-SHA-256".to_vec(),
    ] {
        let e = start()
            .step(&body, &mut out)
            .expect_err("malformed initial response");
        assert_eq!(e.fields.code, SqlState::PROTOCOL_VIOLATION, "{body:?}");
    }
    let e = start()
        .step(&sasl_initial("SCRAM-SHA-256", "n,a=x,n=,r=abc"), &mut out)
        .expect_err("authzid");
    assert_eq!(e.fields.code, SqlState::FEATURE_NOT_SUPPORTED);

    // Client-final with the wrong channel binding or nonce, or a bad proof encoding.
    let finals = [
        (
            "c=eSws,r=abcSERVERNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            SqlState::PROTOCOL_VIOLATION,
        ),
        (
            "c=biws,r=abcOTHER,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            SqlState::INVALID_PASSWORD,
        ),
        (
            "c=biws,r=abcSERVERNONCE,p=AAAA",
            SqlState::PROTOCOL_VIOLATION,
        ),
        ("c=biws,r=abcSERVERNONCE", SqlState::PROTOCOL_VIOLATION),
        (
            "r=abcSERVERNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            SqlState::PROTOCOL_VIOLATION,
        ),
    ];
    for (client_final, code) in finals {
        let mut a = start();
        a.step(&sasl_initial("SCRAM-SHA-256", "n,,n=,r=abc"), &mut out)
            .expect("client-first");
        let e = a
            .step(client_final.as_bytes(), &mut out)
            .expect_err(client_final);
        assert_eq!(e.fields.code, code, "{client_final}");
    }
}

#[test]
fn arbitrary_bodies_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut out = BytesMut::new();
    for i in 0..2000 {
        let len = rng.gen_range(0..64);
        let mut body: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if i % 2 == 0 && len > 20 {
            body[..14].copy_from_slice(b"SCRAM-SHA-256\0");
        }
        for method in [Method::Password, Method::Md5] {
            let mut a = Authenticator::with_random(method, "u", creds("p"), random());
            a.start(&mut out).expect("start");
            let _ = a.step(&body, &mut out);
        }
        out.clear();
    }
    // One SCRAM exchange reused for many client-finals: derivation is the slow part.
    let mut a = Authenticator::with_random(Method::ScramSha256, "u", creds("p"), random());
    a.start(&mut out).expect("start");
    a.step(&sasl_initial("SCRAM-SHA-256", "n,,n=,r=abc"), &mut out)
        .expect("client-first");
    let State::AwaitSaslFinal {
        first,
        server_first,
        nonce,
    } = std::mem::replace(&mut a.state, State::Failed)
    else {
        panic!("expected to await client-final");
    };
    for _ in 0..2000 {
        let len = rng.gen_range(0..96);
        let body: Vec<u8> = (0..len).map(|_| rng.gen_range(b' '..=b'~')).collect();
        let _ = scram::verify_client_final(&body, &first, &server_first, &nonce, a.secret.as_ref());
    }
}

#[test]
fn method_names() {
    assert_eq!("scram-sha-256".parse(), Ok(Method::ScramSha256));
    assert_eq!("md5".parse(), Ok(Method::Md5));
    assert!("kerberos".parse::<Method>().is_err());
}
