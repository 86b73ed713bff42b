//! The startup phase: SSL/GSS refusal, CancelRequest, StartupMessage, authentication, and the
//! ParameterStatus / BackendKeyData / ReadyForQuery greeting.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use pglitedb_protocol::auth::{Authenticator, Credentials, Method, Step};
use pglitedb_protocol::backend::{self, TransactionStatus};
use pglitedb_protocol::startup::negotiation;
use pglitedb_protocol::{
    decode_frontend, decode_startup, ErrorFields, FrontendMessage, SqlState, StartupRequest,
};

use super::exec::TxnState;
use super::{Conn, Session, Settings};
use crate::config::AuthMethod;
use crate::error;
use crate::worker::Worker;

/// Runs the startup phase. `None` when the connection ended (cancel request, failed auth, EOF).
pub(super) async fn handshake(worker: Rc<Worker>, mut conn: Conn) -> Option<Session> {
    let (minor, params) = loop {
        match decode_startup(&mut conn.inbuf) {
            Ok(Some(StartupRequest::SslRequest)) => {
                backend::ssl_refused(&mut conn.out);
                conn.flush().await.ok()?;
            }
            Ok(Some(StartupRequest::GssEncRequest)) => {
                backend::gssenc_refused(&mut conn.out);
                conn.flush().await.ok()?;
            }
            Ok(Some(StartupRequest::Cancel { pid, secret })) => {
                worker.cancel(pid, secret).await;
                return None;
            }
            Ok(Some(StartupRequest::Startup { minor, params, .. })) => break (minor, params),
            Ok(None) => {
                if conn.read_more().await.ok()? == 0 {
                    return None;
                }
            }
            Err(e) => return fail(conn, error::from_protocol(&e)).await,
        }
    };
    if let Some(n) = negotiation(minor, &params) {
        backend::negotiate_protocol_version(&mut conn.out, n.newest_minor, &n.unrecognized);
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let Some(user) = get("user").filter(|u| !u.is_empty()) else {
        let f = ErrorFields::fatal(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            "no PostgreSQL user name specified in startup packet",
        );
        return fail(conn, f).await;
    };
    let database = get("database")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| user.clone());
    let mut settings = Settings::new(&user);
    for (k, v) in &params {
        if matches!(k.as_str(), "user" | "database" | "replication") || k.starts_with("_pq_.") {
            continue;
        }
        let applied = if k == "options" {
            apply_options(&mut settings, v)
        } else {
            settings.set_startup(k, v).map_err(|e| error::from_sql(&e))
        };
        if let Err(mut f) = applied {
            f.severity = pglitedb_protocol::Severity::Fatal;
            return fail(conn, f).await;
        }
    }

    let method = match worker.config.auth {
        AuthMethod::Trust => Method::Trust,
        AuthMethod::Password => Method::Password,
        AuthMethod::Md5 => Method::Md5,
        AuthMethod::ScramSha256 => Method::ScramSha256,
    };
    let credentials = Credentials {
        password: worker.config.password.clone(),
    };
    let mut auth = Authenticator::new(method, &user, Some(credentials));
    let mut step = match auth.start(&mut conn.out) {
        Ok(s) => s,
        Err(e) => return fail(conn, *e.fields).await,
    };
    while step == Step::Send {
        conn.flush().await.ok()?;
        let body = loop {
            match decode_frontend(&mut conn.inbuf) {
                Ok(Some(FrontendMessage::Password(body))) => break body,
                Ok(Some(_)) => {
                    let f = ErrorFields::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "expected password response",
                    );
                    return fail(conn, f).await;
                }
                Ok(None) => {
                    if conn.read_more().await.ok()? == 0 {
                        return None;
                    }
                }
                Err(e) => return fail(conn, error::from_protocol(&e)).await,
            }
        };
        step = match auth.step(&body, &mut conn.out) {
            Ok(s) => s,
            Err(e) => return fail(conn, *e.fields).await,
        };
    }

    if !worker.catalog().has_database(&database) {
        let f = ErrorFields::fatal(
            SqlState::INVALID_CATALOG_NAME,
            format!("database \"{database}\" does not exist"),
        );
        return fail(conn, f).await;
    }
    for (name, value) in worker.catalog().database_settings(&database) {
        settings.set_database_default(name, value);
    }
    let cancel = Rc::new(Cell::new(false));
    let (pid, secret) = worker.register_session(cancel.clone());
    for (name, value) in settings.reported() {
        backend::parameter_status(&mut conn.out, name, &value);
    }
    backend::backend_key_data(&mut conn.out, pid, secret);
    backend::ready_for_query(&mut conn.out, TransactionStatus::Idle);
    if conn.flush().await.is_err() {
        worker.unregister_session(pid);
        return None;
    }
    Some(Session {
        worker,
        conn,
        pid,
        user,
        database,
        settings,
        txn: TxnState::Idle,
        prepared: HashMap::new(),
        portals: HashMap::new(),
        skip_until_sync: false,
        pending_reports: Vec::new(),
        cancel,
        txn_id: None,
        format: None,
        txn_start: None,
        participants: std::collections::BTreeSet::new(),
        tx: Default::default(),
        scratch: Vec::with_capacity(64),
        plan_cache: Default::default(),
        cursors: Default::default(),
        temp: HashMap::new(),
        temp_new: Vec::new(),
        first_schema: None,
        seqs: Default::default(),
        fk: Default::default(),
    })
}

/// Applies the startup `options` parameter: `-c name=value` and `--name=value` items.
fn apply_options(settings: &mut Settings, options: &str) -> Result<(), ErrorFields> {
    let mut words = options.split_whitespace();
    while let Some(w) = words.next() {
        let item = if w == "-c" {
            words.next().unwrap_or("")
        } else if let Some(rest) = w.strip_prefix("-c") {
            rest
        } else if let Some(rest) = w.strip_prefix("--") {
            rest
        } else {
            return Err(ErrorFields::fatal(
                SqlState::PROTOCOL_VIOLATION,
                format!("invalid command-line argument for server process: {w}"),
            ));
        };
        let Some((name, value)) = item.split_once('=') else {
            return Err(ErrorFields::fatal(
                SqlState::SYNTAX_ERROR,
                format!("-c {item} requires a value"),
            ));
        };
        settings
            .set_startup(&name.replace('-', "_"), value)
            .map_err(|e| error::from_sql(&e))?;
    }
    Ok(())
}

async fn fail(mut conn: Conn, f: ErrorFields) -> Option<Session> {
    backend::error_response(&mut conn.out, &f);
    conn.close_after_error().await;
    None
}
