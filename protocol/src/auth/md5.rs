//! PostgreSQL's md5 password scheme: the client sends
//! `"md5" || hex(md5(hex(md5(password || user)) || salt))`, where the inner hash is what
//! `pg_authid.rolpassword` stores (with its own `md5` prefix) and `salt` is the 4 random bytes of
//! AuthenticationMD5Password. It is weak (md5, and the inner hash is password-equivalent) but libpq,
//! psycopg2 and many pools still use it.

use md5::{Digest, Md5};

/// The 35-byte answer a client sends for `password`, `user` and `salt`: `md5` and 32 hex digits.
pub fn client_response(password: &str, user: &str, salt: [u8; 4]) -> String {
    let inner = hex(&Md5::new()
        .chain_update(password)
        .chain_update(user)
        .finalize());
    let outer = Md5::new()
        .chain_update(inner.as_bytes())
        .chain_update(salt)
        .finalize();
    format!("md5{}", hex(&outer))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_libpq_in_the_trace() {
        // clients/traces/auth_psql.trace: md5_user/md5pw, AuthenticationMD5Password salt=8c5ec569,
        // PasswordMessage(md5) 0x6d6435376634376339643039623339643865343336626638376630343266... (cut by the proxy).
        let sent = client_response("md5pw", "md5_user", [0x8c, 0x5e, 0xc5, 0x69]);
        let traced_hex = "6d6435376634376339643039623339643865343336626638376630343266";
        let traced: Vec<u8> = (0..traced_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&traced_hex[i..i + 2], 16).expect("test vector is hex"))
            .collect();
        assert!(sent.as_bytes().starts_with(&traced), "{sent}");
        assert_eq!(sent.len(), 35);
    }
}
