//! `pglitedb`: the server daemon. All logic lives in the library; this only wires the CLI to it.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let config = pglitedb_server::Config::parse();
    pglitedb_server::init_logging(&config.log_level);
    pglitedb_server::run(config)
}
