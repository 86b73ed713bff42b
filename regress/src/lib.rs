//! `pglitedb-regress`: how PostgreSQL-compatible is PGLiteDB?
//!
//! It runs PostgreSQL 15.18's own regression suite (`../shared/pg_regress`) and our own SQL tests
//! (`regress/sql/*.sql`, expected output recorded from a real PostgreSQL 15) through a real `psql`,
//! against PGLiteDB, a throwaway PostgreSQL 15, or any server, and scores every test twice: the whole
//! file (byte-for-byte, as pg_regress does) and per statement.
//!
//! # Life of a run
//! 1. [`suite`] loads the schedule and tiers, and selects tests (plus, unscored, what they depend on).
//! 2. [`server`] starts the target (checking its port is free) or uses `--host/--port`.
//! 3. [`runner`] creates the `regression` database with the README's settings and runs each test with
//!    the README's psql flags and environment.
//! 4. [`lexer`] cuts each script into units the way psql reads it; [`score`] finds them in the expected
//!    output and compares each unit's region with the actual output's.
//! 5. [`report`] prints the table and per-tier totals, JSON, the COMPATIBILITY.md section, and checks or
//!    rewrites the ratchet baseline.
//!
//! # Invariants
//! - The judge is always a real PostgreSQL 15's output: the upstream expected files, and ours recorded
//!   with `--record`. Against PostgreSQL 15 itself every file and statement passes.
//! - Only a stock client talks to the server (psql), so the wire is tested, not our internals.
#![forbid(unsafe_code)]

pub mod lexer;
pub mod report;
pub mod runner;
pub mod score;
pub mod server;
pub mod suite;
