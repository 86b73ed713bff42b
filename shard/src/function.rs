//! User-defined functions on one shard (`CREATE/DROP FUNCTION`): each definition is the value of
//! catalog key `P` + its id (8 bytes, big-endian), `FunctionDef::encode`d. Table keys are 8-byte
//! ids below 2^56 and database keys start with `D`, so the prefixes never meet.
//!
//! As for tables, shard 0 sequences the DDL: it checks the signature (name and argument types
//! within the database) and assigns the id from the table id sequence, or keeps the existing id
//! for CREATE OR REPLACE; the session then sends the definition, with its id, to every other
//! shard, which only records it. Each commit is one logged batch; a definition reaches the core's
//! catalog replica when its shard answers.
//!
//! Not yet transactional (like the rest of DDL): each shard commits on its own.

use std::sync::Arc;

use pglitedb_sql::{FunctionDef, SqlError};
use pglitedb_storage::io::Io;
use pglitedb_storage::WriteBatch;

use crate::error::Result;
use crate::message::ShardResponse;
use crate::shard::{Shard, Step, CATALOG_TREE};

/// Catalog keys of functions start with this byte.
pub(crate) const FUNCTION_KEY: &[u8] = b"P";

pub(crate) fn function_key(id: u64) -> Vec<u8> {
    let mut k = FUNCTION_KEY.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

impl<I: Io> Shard<I> {
    /// The function of `func`'s database and schema with its name and argument types.
    fn same_signature(&self, func: &FunctionDef) -> Option<Arc<FunctionDef>> {
        let types = func.arg_types();
        self.functions
            .values()
            .find(|f| {
                f.database == func.database
                    && f.schema == func.schema
                    && f.name == func.name
                    && f.arg_types() == types
            })
            .cloned()
    }

    pub(crate) async fn create_function(
        &mut self,
        mut func: FunctionDef,
        or_replace: bool,
    ) -> Result<Step<I::File>> {
        if func.id != 0 && self.id.0 == 0 {
            // ALTER FUNCTION (RENAME TO) must not take another function's signature.
            if let Some(other) = self.same_signature(&func).filter(|o| o.id != func.id) {
                return Err(SqlError::DuplicateFunction(other.name.clone()).into());
            }
        }
        if func.id == 0 {
            // This shard sequences DDL: check the signature and assign the id.
            match self.same_signature(&func) {
                Some(old) if !or_replace => {
                    return Err(SqlError::DuplicateFunction(old.name.clone()).into())
                }
                Some(old) => {
                    if old.ret != func.ret || old.retset != func.retset {
                        return Err(SqlError::FunctionDefinition {
                            message: "cannot change return type of existing function".into(),
                            detail: None,
                        }
                        .into());
                    }
                    func.id = old.id
                }
                None => func.id = self.next_table_id(),
            }
        }
        let mut batch = WriteBatch::new();
        batch.put(CATALOG_TREE, &function_key(func.id), &func.encode());
        let ticket = self.engine.commit(batch).await?;
        let func = Arc::new(func);
        self.functions.insert(func.id, func.clone());
        Ok(Step::Commit(ticket, ShardResponse::FunctionCreated(func)))
    }

    pub(crate) async fn drop_function(&mut self, func: &FunctionDef) -> Result<Step<I::File>> {
        let Some(func) = self.functions.remove(&func.id) else {
            return Err(SqlError::NoSuchFunction(format!(
                "function {} does not exist",
                func.signature()
            ))
            .into());
        };
        let mut batch = WriteBatch::new();
        batch.delete(CATALOG_TREE, &function_key(func.id));
        let ticket = self.engine.commit(batch).await?;
        Ok(Step::Commit(ticket, ShardResponse::FunctionDropped(func)))
    }
}
