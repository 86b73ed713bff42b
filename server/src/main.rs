//! `pglitedb`: the server daemon. All logic lives in the library; this only wires the CLI to it.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let config = pglitedb_server::Config::parse();
    pglitedb_server::init_logging(&config.log_level);
    match pglitedb_server::run(config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("pglitedb: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
