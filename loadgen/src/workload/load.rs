//! Fast data loading for `--init`: `COPY ... FROM STDIN` in 256 KiB chunks, with a progress bar on
//! stderr. This is what `pgbench -i` does (client-side generation, `-I dtgvp`).

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bytes::{BufMut as _, BytesMut};
use futures_util::SinkExt as _;
use tokio_postgres::Client;

const CHUNK: usize = 256 * 1024;

/// Streams `rows` rows into `copy_sql` (a `COPY ... FROM STDIN` statement); `row(i, buf)` appends
/// row number `i` (1-based) in COPY text format, newline included. An empty `label` draws no bar.
pub(crate) async fn copy_rows(
    client: &Client,
    copy_sql: &str,
    label: &str,
    rows: u64,
    mut row: impl FnMut(i64, &mut BytesMut),
) -> Result<()> {
    let sink = client
        .copy_in::<_, bytes::Bytes>(copy_sql)
        .await
        .with_context(|| copy_sql.to_owned())?;
    let mut sink = std::pin::pin!(sink);
    let mut bar = Progress::new(label, "rows", rows);
    let mut buf = BytesMut::with_capacity(CHUNK + 1024);
    for i in 1..=rows {
        row(i64::try_from(i).context("row number")?, &mut buf);
        if buf.len() >= CHUNK {
            sink.send(buf.split().freeze())
                .await
                .with_context(|| copy_sql.to_owned())?;
            bar.update(i);
        }
    }
    if !buf.is_empty() {
        sink.send(buf.split().freeze()).await?;
    }
    sink.as_mut()
        .finish()
        .await
        .with_context(|| copy_sql.to_owned())?;
    bar.finish(rows);
    Ok(())
}

/// Appends `v` in decimal followed by `sep` (COPY text format).
pub(crate) fn put_int(buf: &mut BytesMut, v: i64, sep: u8) {
    put_int_raw(buf, v);
    buf.put_u8(sep);
}

/// Appends `v` in decimal.
pub(crate) fn put_int_raw(buf: &mut BytesMut, v: i64) {
    let mut tmp = [0u8; 24];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        // n % 10 < 10, so the cast cannot truncate.
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        tmp[i] = b'-';
    }
    buf.put_slice(&tmp[i..]);
}

/// A one-line progress bar on stderr, redrawn at most every 200 ms.
pub(crate) struct Progress {
    label: String,
    unit: &'static str,
    total: u64,
    start: Instant,
    last: Instant,
}

impl Progress {
    /// `unit` names what is counted ("rows", "databases").
    pub(crate) fn new(label: &str, unit: &'static str, total: u64) -> Self {
        let now = Instant::now();
        Self {
            label: label.to_owned(),
            unit,
            total: total.max(1),
            start: now,
            last: now,
        }
    }

    pub(crate) fn update(&mut self, done: u64) {
        if self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            self.draw(done, false);
        }
    }

    pub(crate) fn finish(&mut self, done: u64) {
        self.draw(done, true);
    }

    fn draw(&self, done: u64, end: bool) {
        if self.label.is_empty() {
            return;
        }
        const WIDTH: u64 = 30;
        let filled = (done.min(self.total) * WIDTH / self.total) as usize;
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            ".".repeat(WIDTH as usize - filled)
        );
        let secs = self.start.elapsed().as_secs_f64();
        let mut err = std::io::stderr().lock();
        // Progress output is best effort.
        let _ = write!(
            err,
            "\r{:<18} [{bar}] {:>3}% {done}/{} {} {secs:.1} s{}",
            self.label,
            done.min(self.total) * 100 / self.total,
            self.total,
            self.unit,
            if end { "\n" } else { "" }
        );
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        let mut b = BytesMut::new();
        for v in [0, 7, -5000, 123_456_789, i64::MIN] {
            put_int(&mut b, v, b'\t');
        }
        assert_eq!(
            &b[..],
            b"0\t7\t-5000\t123456789\t-9223372036854775808\t".as_slice()
        );
    }
}
