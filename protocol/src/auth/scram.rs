//! SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, server side.
//!
//! ```text
//! client-first  n,,n=<ignored>,r=<cnonce>                      (gs2 header "n,," or "y,,")
//! server-first  r=<cnonce><snonce>,s=<base64 salt>,i=4096
//! client-final  c=<base64 gs2 header>,r=<cnonce><snonce>,p=<base64 ClientProof>
//! server-final  v=<base64 ServerSignature>
//! ```
//! Keys: `SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, i)`, `ClientKey = HMAC(SaltedPassword,
//! "Client Key")`, `StoredKey = SHA256(ClientKey)`, `ServerKey = HMAC(SaltedPassword, "Server Key")`.
//! With `AuthMessage = client-first-bare "," server-first "," client-final-without-proof`, the client
//! proves `ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)`; the server recovers ClientKey and
//! checks `SHA256(ClientKey) == StoredKey` (in constant time), then proves itself with
//! `ServerSignature = HMAC(ServerKey, AuthMessage)`.
//!
//! PostgreSQL conventions kept: the user name in `n=` is ignored (the startup `user` counts, libpq
//! sends an empty one); no channel binding (`p=` is refused: no TLS, so no `-PLUS`); `y` is accepted
//! since the server indeed does not offer binding; authzid (`a=`) and mandatory extensions (`m=`) are
//! refused.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The only mechanism we offer.
pub const MECHANISM: &str = "SCRAM-SHA-256";
/// PostgreSQL's default `scram_iterations`.
pub const DEFAULT_ITERATIONS: u32 = 4096;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(key).expect("invariant: HMAC accepts keys of any length");
    parts.iter().for_each(|p| mac.update(p));
    mac.finalize().into_bytes().into()
}

/// What the server stores for a SCRAM user (never the password itself).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ScramSecret {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: [u8; 32],
    pub server_key: [u8; 32],
}

impl ScramSecret {
    /// Derives the secret from a plaintext password (PBKDF2 with `iterations` rounds).
    pub fn from_password(password: &str, salt: &[u8], iterations: u32) -> ScramSecret {
        let salted = pbkdf2_sha256(password.as_bytes(), salt, iterations);
        let client_key = hmac(&salted, &[b"Client Key"]);
        ScramSecret {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, &[b"Server Key"]),
        }
    }

    /// PostgreSQL's `rolpassword` form: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn to_pg_string(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(self.stored_key),
            BASE64.encode(self.server_key)
        )
    }

    /// Parses the form written by [`ScramSecret::to_pg_string`] (and by PostgreSQL).
    pub fn parse_pg_string(s: &str) -> Option<ScramSecret> {
        let rest = s.strip_prefix("SCRAM-SHA-256$")?;
        let (iter_salt, keys) = rest.split_once('$')?;
        let (iterations, salt) = iter_salt.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some(ScramSecret {
            iterations: iterations.parse().ok().filter(|&i| i > 0)?,
            salt: BASE64.decode(salt).ok()?,
            stored_key: BASE64.decode(stored).ok()?.try_into().ok()?,
            server_key: BASE64.decode(server).ok()?.try_into().ok()?,
        })
    }
}

/// RFC 5802's `Hi()`: PBKDF2 with HMAC-SHA-256 and one output block.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut u = hmac(password, &[salt, &1u32.to_be_bytes()]);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac(password, &[&u]);
        out.iter_mut().zip(u.iter()).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// Why a SCRAM message was refused. [`super`] turns these into ErrorResponse fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScramError {
    /// Not a well-formed SCRAM message; the text is the ErrorResponse detail.
    Malformed(&'static str),
    /// Well-formed, but asks for something we do not implement.
    Unsupported(&'static str),
    /// Wrong proof or nonce: the password is wrong.
    Failed,
}

/// The parts of client-first we keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientFirst {
    /// `n,,` or `y,,`: must come back base64-encoded in client-final's `c=`.
    pub gs2_header: String,
    pub bare: String,
    pub nonce: String,
}

fn printable_nonce(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

pub(crate) fn parse_client_first(msg: &[u8]) -> Result<ClientFirst, ScramError> {
    let msg = std::str::from_utf8(msg)
        .map_err(|_| ScramError::Malformed("Message is not valid UTF-8."))?;
    let (flag, rest) = msg.split_once(',').ok_or(ScramError::Malformed(
        "Comma expected after the channel binding flag.",
    ))?;
    match flag {
        "n" | "y" => {}
        f if f.starts_with("p=") => {
            return Err(ScramError::Malformed(
                "The client selected SCRAM-SHA-256-PLUS, but the server offers no channel binding (no SSL).",
            ))
        }
        _ => return Err(ScramError::Malformed("Unexpected channel-binding flag.")),
    }
    let (authzid, bare) = rest
        .split_once(',')
        .ok_or(ScramError::Malformed("Comma expected after the authzid."))?;
    if !authzid.is_empty() {
        return Err(ScramError::Unsupported(
            "client uses authorization identity, but it is not supported",
        ));
    }
    let gs2_header = msg[..msg.len() - bare.len()].to_owned();
    let mut attrs = bare.split(',');
    let user = attrs.next().unwrap_or_default();
    if user.starts_with("m=") {
        return Err(ScramError::Unsupported(
            "client requires an unsupported SCRAM extension",
        ));
    }
    if !user.starts_with("n=") {
        return Err(ScramError::Malformed("Attribute \"n\" expected."));
    }
    let nonce = attrs
        .next()
        .and_then(|a| a.strip_prefix("r="))
        .ok_or(ScramError::Malformed("Attribute \"r\" expected."))?;
    if !printable_nonce(nonce) {
        return Err(ScramError::Malformed("Invalid nonce."));
    }
    Ok(ClientFirst {
        gs2_header,
        bare: bare.to_owned(),
        nonce: nonce.to_owned(),
    })
}

/// `r=<cnonce><snonce>,s=<salt>,i=<iterations>`.
pub(crate) fn server_first(client_nonce: &str, server_nonce: &str, secret: &ScramSecret) -> String {
    format!(
        "r={client_nonce}{server_nonce},s={},i={}",
        BASE64.encode(&secret.salt),
        secret.iterations
    )
}

/// Checks client-final against the exchange so far; on success returns server-final (`v=...`).
pub(crate) fn verify_client_final(
    msg: &[u8],
    first: &ClientFirst,
    server_first: &str,
    combined_nonce: &str,
    secret: Option<&ScramSecret>,
) -> Result<String, ScramError> {
    let msg = std::str::from_utf8(msg)
        .map_err(|_| ScramError::Malformed("Message is not valid UTF-8."))?;
    let (without_proof, proof) = msg
        .rsplit_once(",p=")
        .ok_or(ScramError::Malformed("Proof expected at the end."))?;
    let mut attrs = without_proof.split(',');
    let cbind = attrs
        .next()
        .and_then(|a| a.strip_prefix("c="))
        .ok_or(ScramError::Malformed("Attribute \"c\" expected."))?;
    let cbind = BASE64
        .decode(cbind)
        .map_err(|_| ScramError::Malformed("Invalid channel binding data."))?;
    if cbind != first.gs2_header.as_bytes() {
        return Err(ScramError::Malformed(
            "Unexpected SCRAM channel-binding attribute in client-final-message.",
        ));
    }
    let nonce = attrs
        .next()
        .and_then(|a| a.strip_prefix("r="))
        .ok_or(ScramError::Malformed("Attribute \"r\" expected."))?;
    let proof: [u8; 32] = BASE64
        .decode(proof)
        .ok()
        .and_then(|p| p.try_into().ok())
        .ok_or(ScramError::Malformed(
            "Malformed proof in client-final-message.",
        ))?;
    // From here on every failure is the same answer, so a wrong nonce or a missing user cannot be
    // told apart from a wrong password.
    let Some(secret) = secret else {
        return Err(ScramError::Failed);
    };
    if nonce != combined_nonce {
        return Err(ScramError::Failed);
    }
    let auth_message = [
        first.bare.as_bytes(),
        b",",
        server_first.as_bytes(),
        b",",
        without_proof.as_bytes(),
    ];
    let client_signature = hmac(&secret.stored_key, &auth_message);
    let mut client_key = proof;
    client_key
        .iter_mut()
        .zip(client_signature.iter())
        .for_each(|(k, s)| *k ^= s);
    let computed: [u8; 32] = Sha256::digest(client_key).into();
    if !constant_time_eq(&computed, &secret.stored_key) {
        return Err(ScramError::Failed);
    }
    let server_signature = hmac(&secret.server_key, &auth_message);
    Ok(format!("v={}", BASE64.encode(server_signature)))
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A client-side SCRAM computation, for tests: the client-final for a server-first.
#[cfg(test)]
pub(crate) fn test_client_final(
    password: &str,
    client_first_bare: &str,
    server_first: &str,
    gs2: &str,
) -> String {
    let mut nonce = "";
    let mut salt = Vec::new();
    let mut iterations = 0;
    for attr in server_first.split(',') {
        match attr.split_at(2) {
            ("r=", v) => nonce = v,
            ("s=", v) => salt = BASE64.decode(v).expect("test: salt is base64"),
            ("i=", v) => iterations = v.parse().expect("test: iterations"),
            _ => {}
        }
    }
    let salted = pbkdf2_sha256(password.as_bytes(), &salt, iterations);
    let client_key = hmac(&salted, &[b"Client Key"]);
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let without_proof = format!("c={},r={nonce}", BASE64.encode(gs2));
    let auth = [
        client_first_bare.as_bytes(),
        b",",
        server_first.as_bytes(),
        b",",
        without_proof.as_bytes(),
    ];
    let sig = hmac(&stored_key, &auth);
    let proof: Vec<u8> = client_key
        .iter()
        .zip(sig.iter())
        .map(|(k, s)| k ^ s)
        .collect();
    format!("{without_proof},p={}", BASE64.encode(proof))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc7914_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1), first 32 bytes.
        let out = pbkdf2_sha256(b"passwd", b"salt", 1);
        assert_eq!(
            BASE64.encode(out),
            BASE64.encode([
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57,
                0xc2, 0x0d, 0xac, 0xbc,
            ])
        );
    }

    #[test]
    fn client_first_parsing() {
        let f = parse_client_first(b"n,,n=,r=abc").expect("valid");
        assert_eq!(
            (f.gs2_header.as_str(), f.bare.as_str(), f.nonce.as_str()),
            ("n,,", "n=,r=abc", "abc")
        );
        assert!(parse_client_first(b"y,,n=*,r=abc,x=ext").is_ok());
        assert!(matches!(
            parse_client_first(b"p=tls-server-end-point,,n=,r=a"),
            Err(ScramError::Malformed(_))
        ));
        assert!(matches!(
            parse_client_first(b"n,a=bob,n=,r=a"),
            Err(ScramError::Unsupported(_))
        ));
        assert!(matches!(
            parse_client_first(b"n,,m=x,n=,r=a"),
            Err(ScramError::Unsupported(_))
        ));
        for bad in [
            &b"n,,n=,r="[..],
            b"n,,n=",
            b"n,,r=abc",
            b"x,,n=,r=a",
            b"n",
            b"n,",
            b"n,,n=,r=a\xff",
            b"",
        ] {
            assert!(
                matches!(parse_client_first(bad), Err(ScramError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pg_string_round_trip() {
        let s = ScramSecret::from_password("pencil", b"0123456789abcdef", 2);
        assert_eq!(ScramSecret::parse_pg_string(&s.to_pg_string()), Some(s));
        assert_eq!(ScramSecret::parse_pg_string("md5abc"), None);
    }
}
