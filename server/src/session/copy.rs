//! COPY: `FROM STDIN` (the client streams CopyData), `FROM 'file'` (a file on the server), `TO STDOUT`
//! and `TO 'file'`, in text and CSV formats (`pglitedb_sql::copy`).
//!
//! COPY FROM runs in the statement's transaction like INSERT: rows are parsed in the session, sent
//! to their shards in batches of [`BATCH_ROWS`] as they arrive (so memory holds one batch of parsed
//! rows, plus what the shards' write sets hold), and become visible at commit.
//!
//! Copy-in follows the protocol's rules: after CopyInResponse the session reads CopyData until
//! CopyDone (or CopyFail, which fails the COPY with 57014); Flush and Sync are ignored meanwhile. On an
//! error the session answers at once and leaves copy mode; the CopyData still in flight are dropped
//! by the main loop, as PostgreSQL does.

use std::sync::Arc;

use pglitedb_protocol::{backend, decode_frontend, ErrorFields, Format, FrontendMessage, SqlState};
use pglitedb_sql::copy::{
    is_end_marker, split_csv, split_text, write_row, CopyFromPlan, CopyOptions, CopyRowError,
    CopySource, LineSplitter,
};
use pglitedb_sql::types::FormatContext;
use pglitedb_sql::{Params, QueryPlan, SqlError, Value};

use super::Session;
use crate::error;

/// Rows sent to the shards per request.
const BATCH_ROWS: usize = 2048;
/// Rows per CopyData message... one, as PostgreSQL sends; output is flushed at this many bytes.
const OUT_FLUSH: usize = 64 * 1024;

/// Copy-in progress: the splitter, the line counter (for CONTEXT) and the rows not sent yet.
struct CopyIn<'p> {
    plan: &'p CopyFromPlan,
    ctx: Arc<FormatContext>,
    lines: LineSplitter,
    line_no: u64,
    skip_header: bool,
    ended: bool,
    batch: Vec<Vec<Value>>,
    count: u64,
}

impl CopyIn<'_> {
    /// Parses one input row into `batch`; errors carry PostgreSQL's CONTEXT.
    fn row(&mut self, line: &[u8]) -> Result<(), ErrorFields> {
        self.line_no += 1;
        if self.ended {
            return Ok(());
        }
        if self.skip_header {
            self.skip_header = false;
            return Ok(());
        }
        if is_end_marker(line) {
            self.ended = true;
            return Ok(());
        }
        let table = &self.plan.table.name;
        let text = std::str::from_utf8(line).map_err(|e| {
            let bad = line.get(e.valid_up_to()).copied().unwrap_or(0);
            error::from_sql(&SqlError::CharacterNotInRepertoire(format!(
                "invalid byte sequence for encoding \"UTF8\": 0x{bad:02x}"
            )))
            .with_extra(|x| x.where_ = Some(format!("COPY {table}, line {}", self.line_no)))
        })?;
        let opts = &self.plan.options;
        let fields = if opts.csv {
            split_csv(text, opts, &self.plan.columns)
        } else {
            split_text(text, opts)
        };
        let row_context =
            |line_no: u64| format!("COPY {table}, line {line_no}: \"{}\"", clip(text));
        let fields = fields.map_err(|e| {
            error::from_sql(&e).with_extra(|x| x.where_ = Some(row_context(self.line_no)))
        })?;
        match self.plan.row(fields, &self.ctx) {
            Ok(row) => {
                self.batch.push(row);
                Ok(())
            }
            Err(CopyRowError { error: e, column }) => {
                let context = match column {
                    Some((col, Some(value))) => format!(
                        "COPY {table}, line {}, column {col}: \"{}\"",
                        self.line_no,
                        clip(&value)
                    ),
                    Some((col, None)) => {
                        format!(
                            "COPY {table}, line {}, column {col}: null input",
                            self.line_no
                        )
                    }
                    None => row_context(self.line_no),
                };
                Err(error::from_sql(&e).with_extra(|x| x.where_ = Some(context)))
            }
        }
    }
}

/// PostgreSQL shortens values quoted in CONTEXT to 100 bytes plus "...".
fn clip(s: &str) -> String {
    if s.len() <= 100 {
        return s.to_string();
    }
    let mut end = 100;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

impl Session {
    /// COPY ... FROM: returns the number of rows copied.
    pub(super) async fn copy_from(&mut self, plan: &Arc<CopyFromPlan>) -> Result<u64, ErrorFields> {
        let ctx = Arc::new((*self.format_ctx()).clone());
        let mut state = CopyIn {
            plan,
            ctx,
            lines: LineSplitter::new(&plan.options),
            line_no: 0,
            skip_header: plan.options.header,
            ended: false,
            batch: Vec::new(),
            count: 0,
        };
        match &plan.source {
            CopySource::File(path) => {
                let data = read_file(path).await?;
                self.copy_chunk(&mut state, &data).await?;
            }
            CopySource::Stdin => {
                let formats = vec![Format::Text; plan.columns.len()];
                backend::copy_in_response(&mut self.conn.out, Format::Text, &formats);
                loop {
                    match self.next_message().await? {
                        FrontendMessage::CopyData(data) => {
                            self.copy_chunk(&mut state, &data).await?
                        }
                        FrontendMessage::CopyDone => break,
                        FrontendMessage::CopyFail(msg) => {
                            return Err(error::error(
                                SqlState::QUERY_CANCELED,
                                format!("COPY from stdin failed: {msg}"),
                            ))
                        }
                        FrontendMessage::Flush | FrontendMessage::Sync => {}
                        other => {
                            return Err(error::error(
                                SqlState::PROTOCOL_VIOLATION,
                                format!(
                                    "unexpected message type 0x{:02X} during COPY from stdin",
                                    message_type(&other)
                                ),
                            ))
                        }
                    }
                }
            }
        }
        if state.lines.in_quotes() {
            // PostgreSQL quotes everything from the open field's row to the end of the input.
            let rest = state.lines.finish().unwrap_or_default();
            let f = error::from_sql(&SqlError::BadCopyFileFormat(
                "unterminated CSV quoted field".into(),
            ));
            let context = format!(
                "COPY {}, line {}: \"{}\"",
                plan.table.name,
                state.line_no + 1,
                clip(&String::from_utf8_lossy(&rest))
            );
            return Err(f.with_extra(|x| x.where_ = Some(context)));
        }
        if let Some(last) = state.lines.finish() {
            state.row(&last)?;
        }
        self.flush_copy_batch(&mut state).await?;
        Ok(state.count)
    }

    /// Feeds input to the splitter and sends full batches.
    async fn copy_chunk(&mut self, state: &mut CopyIn<'_>, data: &[u8]) -> Result<(), ErrorFields> {
        state.lines.push(data);
        while let Some(line) = state.lines.next_line() {
            state.row(&line)?;
            if state.batch.len() >= BATCH_ROWS {
                self.flush_copy_batch(state).await?;
            }
        }
        Ok(())
    }

    async fn flush_copy_batch(&mut self, state: &mut CopyIn<'_>) -> Result<(), ErrorFields> {
        if state.batch.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut state.batch);
        state.count += self.insert_rows(&state.plan.table, rows).await?;
        Ok(())
    }

    /// The next frontend message, reading from the socket as needed (output is flushed first, so a
    /// CopyInResponse reaches the client before the session waits for its data).
    async fn next_message(&mut self) -> Result<FrontendMessage, ErrorFields> {
        loop {
            match decode_frontend(&mut self.conn.inbuf) {
                Ok(Some(m)) => return Ok(m),
                Ok(None) => {}
                Err(e) => return Err(error::from_protocol(&e)),
            }
            let lost = || {
                error::error(
                    SqlState::CONNECTION_FAILURE,
                    "unexpected EOF on client connection with an open transaction",
                )
            };
            self.conn.flush().await.map_err(|_| lost())?;
            match self.conn.read_more().await {
                Ok(n) if n > 0 => {}
                _ => return Err(lost()),
            }
        }
    }

    /// COPY ... TO: the query's rows in COPY's format, to the client or to a file. Returns the row
    /// count.
    pub(super) async fn copy_to(
        &mut self,
        query: &QueryPlan,
        options: &CopyOptions,
        file: Option<&str>,
        params: &Params,
    ) -> Result<u64, ErrorFields> {
        let rows = self.query_rows(Arc::new(query.clone()), params).await?;
        let ctx = self.format_ctx();
        let mut data = Vec::new();
        if options.header {
            let names: Vec<Option<String>> =
                query.columns.iter().map(|(n, _)| Some(n.clone())).collect();
            write_row(&mut data, &names, options);
        }
        if file.is_none() {
            let formats = vec![Format::Text; query.columns.len()];
            backend::copy_out_response(&mut self.conn.out, Format::Text, &formats);
            if !data.is_empty() {
                backend::copy_data(&mut self.conn.out, &data);
                data.clear();
            }
        }
        for row in &rows {
            let texts: Vec<Option<String>> = row.iter().map(|v| v.to_text_ctx(&ctx)).collect();
            let start = data.len();
            write_row(&mut data, &texts, options);
            if file.is_none() {
                backend::copy_data(&mut self.conn.out, &data[start..]);
                data.clear();
                if self.conn.out.len() >= OUT_FLUSH && self.conn.flush().await.is_err() {
                    return Err(error::error(
                        SqlState::CONNECTION_FAILURE,
                        "could not send data to client",
                    ));
                }
            }
        }
        match file {
            None => backend::copy_done(&mut self.conn.out),
            Some(path) => write_file(path, &data).await?,
        }
        Ok(rows.len() as u64)
    }
}

/// The type byte of a frontend message, for the protocol-violation message.
fn message_type(m: &FrontendMessage) -> u8 {
    match m {
        FrontendMessage::Query(_) => b'Q',
        FrontendMessage::Parse { .. } => b'P',
        FrontendMessage::Bind { .. } => b'B',
        FrontendMessage::Describe { .. } => b'D',
        FrontendMessage::Execute { .. } => b'E',
        FrontendMessage::Close { .. } => b'C',
        FrontendMessage::Terminate => b'X',
        FrontendMessage::Password(_) => b'p',
        _ => b'?',
    }
}

fn file_error(path: &str, reading: bool, e: &std::io::Error) -> ErrorFields {
    let how = if reading { "reading" } else { "writing" };
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => SqlState::UNDEFINED_FILE,
        _ => SqlState::IO_ERROR,
    };
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => e.to_string(),
    };
    error::error(
        code,
        format!("could not open file \"{path}\" for {how}: {reason}"),
    )
}

/// Reads a whole server-side file through glommio (io_uring), without blocking the core.
async fn read_file(path: &str) -> Result<Vec<u8>, ErrorFields> {
    let io = |e: glommio::GlommioError<()>| std::io::Error::from(e);
    let file = glommio::io::BufferedFile::open(path)
        .await
        .map_err(|e| file_error(path, true, &io(e)))?;
    let size = file
        .file_size()
        .await
        .map_err(|e| file_error(path, true, &io(e)))?;
    let mut out = Vec::with_capacity(size as usize);
    let mut pos = 0u64;
    while pos < size {
        let chunk = file
            .read_at(pos, (size - pos).min(1 << 20) as usize)
            .await
            .map_err(|e| file_error(path, true, &io(e)))?;
        if chunk.is_empty() {
            break;
        }
        pos += chunk.len() as u64;
        out.extend_from_slice(&chunk);
    }
    let _ = file.close().await;
    Ok(out)
}

/// Writes a server-side file through glommio.
async fn write_file(path: &str, data: &[u8]) -> Result<(), ErrorFields> {
    let io = |e: glommio::GlommioError<()>| std::io::Error::from(e);
    let file = glommio::io::BufferedFile::create(path)
        .await
        .map_err(|e| file_error(path, false, &io(e)))?;
    file.write_at(data.to_vec(), 0)
        .await
        .map_err(|e| file_error(path, false, &io(e)))?;
    file.close()
        .await
        .map_err(|e| file_error(path, false, &io(e)))?;
    Ok(())
}
