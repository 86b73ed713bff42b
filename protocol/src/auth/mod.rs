//! Authentication, sans-IO: a state machine that writes Authentication* requests into an output buffer
//! and consumes the bodies of the client's 'p' messages.
//!
//! ```text
//! trust          start → AuthenticationOk                                   Done
//! password       start → CleartextPassword (3)   | step(password)   → Ok    Done
//! md5            start → MD5Password (5, salt)   | step("md5"+hex)  → Ok    Done
//! scram-sha-256  start → SASL (10, "SCRAM-SHA-256")
//!                step(SASLInitialResponse: client-first) → SASLContinue (11, server-first)  Send
//!                step(SASLResponse: client-final)        → SASLFinal (12, v=…) + Ok         Done
//! ```
//!
//! Any failure is an [`AuthError`] carrying the complete ErrorResponse fields (severity FATAL): the
//! server sends them and closes the connection. A wrong password, an unknown user (no
//! [`Credentials`]) and a wrong SCRAM nonce all give the same 28P01 answer, only after the full
//! exchange, so a client cannot probe which users exist. Malformed messages give 08P01.
//!
//! Randomness (md5 salt, SCRAM salt and nonce) comes from [`AuthRandom`]; [`Authenticator::new`] draws
//! it from the thread RNG, tests inject fixed values with [`Authenticator::with_random`].
//!
//! Left out: SCRAM-SHA-256-PLUS (needs TLS), SASLprep of non-ASCII passwords, GSSAPI/SSPI, and
//! stored secrets other than a plaintext (the SCRAM secret is derived per connection with
//! [`scram::DEFAULT_ITERATIONS`] rounds, a few ms; [`scram::ScramSecret`] can hold a stored one once
//! there is a catalog of roles). The salt is random per connection for every user, so an unknown
//! user's mock exchange looks like a real one; with stored secrets (fixed salt per user) the mock
//! salt must become a stable function of the user name, as PostgreSQL's `scram_mock_salt` is.

pub mod md5;
pub mod scram;

use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::BytesMut;
use rand::{Rng, RngCore};

use crate::{backend, ErrorFields, SqlState};
use scram::{ClientFirst, ScramError, ScramSecret};

/// How the server checks who the client is (`--auth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// No check.
    Trust,
    /// Cleartext password (only sensible over TLS or loopback).
    Password,
    /// PostgreSQL's md5 challenge.
    Md5,
    /// SCRAM-SHA-256 (RFC 7677): the password never crosses the wire.
    ScramSha256,
}

impl FromStr for Method {
    type Err = String;

    /// The names of `pg_hba.conf`: `trust`, `password`, `md5`, `scram-sha-256`.
    fn from_str(s: &str) -> Result<Method, String> {
        match s {
            "trust" => Ok(Method::Trust),
            "password" => Ok(Method::Password),
            "md5" => Ok(Method::Md5),
            "scram-sha-256" => Ok(Method::ScramSha256),
            other => Err(format!("unknown authentication method \"{other}\"")),
        }
    }
}

/// What the server knows about a user's secret. `None` in [`Authenticator::new`] means the user has
/// no password (or does not exist): every method but trust then fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub password: String,
}

/// What [`Authenticator::start`] and [`Authenticator::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Messages were appended to `out`: send them and feed the next 'p' body to `step`.
    Send,
    /// AuthenticationOk (preceded by SASLFinal for SCRAM) was appended: the client is authenticated.
    Done,
}

/// Why authentication failed: `fields` is the ErrorResponse to send before closing (boxed: the
/// fields are large and errors are rare, so `Result` stays small).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", fields.message)]
pub struct AuthError {
    pub kind: AuthErrorKind,
    pub fields: Box<ErrorFields>,
}

/// The classes of [`AuthError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthErrorKind {
    /// Wrong password, unknown user, wrong SCRAM proof or nonce.
    Failed,
    /// A message that is not what the exchange expects at this point.
    Malformed,
    /// A well-formed request for something we do not implement (SCRAM authzid, extensions).
    Unsupported,
}

impl AuthError {
    /// The SQLSTATE for each kind, decided here once.
    pub fn sqlstate(kind: AuthErrorKind) -> SqlState {
        match kind {
            AuthErrorKind::Failed => SqlState::INVALID_PASSWORD,
            AuthErrorKind::Malformed => SqlState::PROTOCOL_VIOLATION,
            AuthErrorKind::Unsupported => SqlState::FEATURE_NOT_SUPPORTED,
        }
    }

    fn new(kind: AuthErrorKind, message: impl Into<String>, detail: Option<&str>) -> AuthError {
        let mut fields = ErrorFields::fatal(AuthError::sqlstate(kind), message);
        fields.detail = detail.map(str::to_owned);
        AuthError {
            kind,
            fields: Box::new(fields),
        }
    }

    fn failed(user: &str) -> AuthError {
        AuthError::new(
            AuthErrorKind::Failed,
            format!("password authentication failed for user \"{user}\""),
            None,
        )
    }

    fn malformed(message: &str, detail: Option<&str>) -> AuthError {
        AuthError::new(AuthErrorKind::Malformed, message, detail)
    }

    fn from_scram(e: ScramError, user: &str) -> AuthError {
        match e {
            ScramError::Malformed(detail) => {
                AuthError::malformed("malformed SCRAM message", Some(detail))
            }
            ScramError::Unsupported(message) => {
                AuthError::new(AuthErrorKind::Unsupported, message, None)
            }
            ScramError::Failed => AuthError::failed(user),
        }
    }
}

/// The random values one authentication uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRandom {
    pub md5_salt: [u8; 4],
    pub scram_salt: [u8; 16],
    /// Printable ASCII without ','; PostgreSQL uses 18 random bytes in base64.
    pub scram_nonce: String,
}

impl AuthRandom {
    /// Fresh values from `rng` (the thread RNG is a CSPRNG seeded from the OS).
    pub fn generate(rng: &mut impl RngCore) -> AuthRandom {
        let mut nonce = [0u8; 18];
        rng.fill_bytes(&mut nonce);
        AuthRandom {
            md5_salt: rng.gen(),
            scram_salt: rng.gen(),
            scram_nonce: BASE64.encode(nonce),
        }
    }
}

enum State {
    Initial,
    AwaitPassword,
    AwaitMd5,
    AwaitSaslInitial,
    AwaitSaslFinal {
        first: ClientFirst,
        server_first: String,
        nonce: String,
    },
    Done,
    Failed,
}

/// One connection's authentication exchange. See the module docs for the message flow.
pub struct Authenticator {
    method: Method,
    user: String,
    credentials: Option<Credentials>,
    random: AuthRandom,
    /// Derived in `start` for SCRAM (even without credentials, to keep timing alike).
    secret: Option<ScramSecret>,
    state: State,
}

impl Authenticator {
    /// An exchange for `user` (the startup parameter) with fresh randomness.
    pub fn new(method: Method, user: &str, credentials: Option<Credentials>) -> Authenticator {
        Authenticator::with_random(
            method,
            user,
            credentials,
            AuthRandom::generate(&mut rand::thread_rng()),
        )
    }

    /// Like [`Authenticator::new`] with given salts and nonce (tests, deterministic simulation).
    pub fn with_random(
        method: Method,
        user: &str,
        credentials: Option<Credentials>,
        random: AuthRandom,
    ) -> Authenticator {
        Authenticator {
            method,
            user: user.to_owned(),
            credentials,
            random,
            secret: None,
            state: State::Initial,
        }
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// Whether AuthenticationOk has been written.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Writes the first request (AuthenticationOk for trust, which is immediately `Done`).
    pub fn start(&mut self, out: &mut BytesMut) -> Result<Step, AuthError> {
        if !matches!(self.state, State::Initial) {
            return Err(self.fail_malformed("authentication already started", None));
        }
        match self.method {
            Method::Trust => {
                backend::auth_ok(out);
                self.state = State::Done;
                return Ok(Step::Done);
            }
            Method::Password => {
                backend::auth_cleartext_password(out);
                self.state = State::AwaitPassword;
            }
            Method::Md5 => {
                backend::auth_md5_password(out, self.random.md5_salt);
                self.state = State::AwaitMd5;
            }
            Method::ScramSha256 => {
                // Without credentials, a secret from an unguessable password keeps the exchange
                // looking the same; `step` never lets it verify.
                let mock;
                let password = match &self.credentials {
                    Some(c) => c.password.as_str(),
                    None => {
                        mock = format!("{}\u{1}mock", self.random.scram_nonce);
                        mock.as_str()
                    }
                };
                self.secret = Some(ScramSecret::from_password(
                    password,
                    &self.random.scram_salt,
                    scram::DEFAULT_ITERATIONS,
                ));
                backend::auth_sasl(out, &[scram::MECHANISM]);
                self.state = State::AwaitSaslInitial;
            }
        }
        Ok(Step::Send)
    }

    /// Feeds the body of one 'p' message ([`crate::FrontendMessage::Password`]).
    pub fn step(&mut self, body: &[u8], out: &mut BytesMut) -> Result<Step, AuthError> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        let result = self.step_inner(state, body, out);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn step_inner(
        &mut self,
        state: State,
        body: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, AuthError> {
        match state {
            State::AwaitPassword => {
                let password = password_packet(body)?;
                let ok = !password.is_empty()
                    && self
                        .credentials
                        .as_ref()
                        .is_some_and(|c| same_bytes(c.password.as_bytes(), password));
                self.finish(ok, out)
            }
            State::AwaitMd5 => {
                let answer = password_packet(body)?;
                let ok = self.credentials.as_ref().is_some_and(|c| {
                    let expected =
                        md5::client_response(&c.password, &self.user, self.random.md5_salt);
                    same_bytes(expected.as_bytes(), answer)
                });
                self.finish(ok, out)
            }
            State::AwaitSaslInitial => {
                let data = sasl_initial_response(body)?;
                let first = scram::parse_client_first(data)
                    .map_err(|e| AuthError::from_scram(e, &self.user))?;
                let secret = self
                    .secret
                    .as_ref()
                    .expect("invariant: start() derives the SCRAM secret");
                let server_first =
                    scram::server_first(&first.nonce, &self.random.scram_nonce, secret);
                let nonce = format!("{}{}", first.nonce, self.random.scram_nonce);
                backend::auth_sasl_continue(out, server_first.as_bytes());
                self.state = State::AwaitSaslFinal {
                    first,
                    server_first,
                    nonce,
                };
                Ok(Step::Send)
            }
            State::AwaitSaslFinal {
                first,
                server_first,
                nonce,
            } => {
                let secret = self.credentials.as_ref().and(self.secret.as_ref());
                let server_final =
                    scram::verify_client_final(body, &first, &server_first, &nonce, secret)
                        .map_err(|e| AuthError::from_scram(e, &self.user))?;
                backend::auth_sasl_final(out, server_final.as_bytes());
                self.finish(true, out)
            }
            State::Initial | State::Done | State::Failed => Err(AuthError::malformed(
                "unexpected password message",
                Some("No authentication exchange is in progress."),
            )),
        }
    }

    fn finish(&mut self, ok: bool, out: &mut BytesMut) -> Result<Step, AuthError> {
        if !ok {
            return Err(AuthError::failed(&self.user));
        }
        backend::auth_ok(out);
        self.state = State::Done;
        Ok(Step::Done)
    }

    fn fail_malformed(&mut self, message: &str, detail: Option<&str>) -> AuthError {
        self.state = State::Failed;
        AuthError::malformed(message, detail)
    }
}

/// Equality whose time does not depend on where the inputs differ (only on their lengths).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// PasswordMessage: one C string filling the body exactly.
fn password_packet(body: &[u8]) -> Result<&[u8], AuthError> {
    match body.split_last() {
        Some((0, text)) if !text.contains(&0) => Ok(text),
        _ => Err(AuthError::malformed("invalid password packet size", None)),
    }
}

/// SASLInitialResponse: mechanism name, then `i32` length and that many bytes of client-first.
fn sasl_initial_response(body: &[u8]) -> Result<&[u8], AuthError> {
    let malformed = || AuthError::malformed("malformed SASLInitialResponse message", None);
    let nul = body.iter().position(|&b| b == 0).ok_or_else(malformed)?;
    if &body[..nul] != scram::MECHANISM.as_bytes() {
        return Err(AuthError::malformed(
            "client selected an invalid SASL authentication mechanism",
            None,
        ));
    }
    let rest = &body[nul + 1..];
    let (len, data) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
    match usize::try_from(i32::from_be_bytes(*len)) {
        Ok(len) if len == data.len() => Ok(data),
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests;
