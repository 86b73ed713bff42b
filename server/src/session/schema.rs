//! CREATE/DROP/ALTER SCHEMA in the session (binding: `sql/src/bind/schema.rs`; each shard's side:
//! `shard/src/schema.rs`). Like other DDL, shard 0 is asked first (it sequences DDL and reports a
//! duplicate or missing name once), then every other shard; each core's catalog replica follows
//! its shard's answer.
//!
//! CREATE SCHEMA's elements run after the schema exists, one by one, with the new schema searched
//! first (`Session::first_schema`, read by `Ctx`), so unqualified names are created and found
//! there. The elements run in the statement's transaction (`ddl.rs`), so they commit or roll back
//! with it; the schema itself is not transactional yet: if an element fails, the schema is dropped
//! again, so the statement leaves nothing behind, as PostgreSQL's rollback would.

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{bind, parse, SchemaDef};

use super::exec::shared_plan;
use super::tables::{on_other_shards, shard_error};
use super::Session;
use crate::error;

impl Session {
    pub(super) async fn create_schema(
        &mut self,
        schema: &SchemaDef,
        if_not_exists: bool,
        elements: &[String],
    ) -> Result<(), ErrorFields> {
        self.refuse_in_block("CREATE SCHEMA")?;
        let req = || ShardRequest::CreateSchema {
            schema: schema.clone(),
            if_not_exists,
        };
        match self.worker.request(ShardId(0), req()).await {
            ShardResponse::SchemaCreated(Some(_)) => {}
            ShardResponse::SchemaCreated(None) => {
                let n = error::notice(
                    SqlState::DUPLICATE_SCHEMA,
                    format!("schema \"{}\" already exists, skipping", schema.name),
                );
                backend::notice_response(&mut self.conn.out, &n);
                return Ok(());
            }
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |_| req(),
            |r| matches!(r, ShardResponse::SchemaCreated(_)),
        )
        .await?;
        if elements.is_empty() {
            return Ok(());
        }
        let saved = self.first_schema.replace(schema.name.clone());
        let mut result = Ok(());
        for text in elements {
            result = self.run_schema_element(text).await;
            if result.is_err() {
                break;
            }
        }
        self.first_schema = saved;
        if let Err(e) = result {
            // Best effort: the element's error is what the client must see.
            let _ = self.drop_schema_everywhere(&schema.name).await;
            return Err(e);
        }
        Ok(())
    }

    /// One element of CREATE SCHEMA: a query string holding one statement.
    async fn run_schema_element(&mut self, text: &str) -> Result<(), ErrorFields> {
        let parsed = parse(text).map_err(|e| error::from_sql(&e))?;
        for p in &parsed {
            let stmt = bind(p, &[], &self.ctx()).map_err(|e| error::from_sql(&e))?;
            let plan = shared_plan(&stmt);
            let params = self.statement_params(&[]);
            Box::pin(self.execute(&stmt, plan, &params, &[], false)).await?;
        }
        Ok(())
    }

    /// DROP SCHEMA: the NOTICEs PostgreSQL gives, then each schema with its relations.
    pub(super) async fn drop_schemas(
        &mut self,
        schemas: &[String],
        missing: &[String],
        cascaded: &[String],
    ) -> Result<(), ErrorFields> {
        self.refuse_in_block("DROP SCHEMA")?;
        for name in missing {
            let n = error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("schema \"{name}\" does not exist, skipping"),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        match cascaded {
            [] => {}
            [one] => {
                let n = error::notice(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("drop cascades to {one}"),
                );
                backend::notice_response(&mut self.conn.out, &n);
            }
            many => {
                // PostgreSQL lists at most 100 objects in the DETAIL.
                let mut lines: Vec<String> = (many.iter().take(100))
                    .map(|d| format!("drop cascades to {d}"))
                    .collect();
                if many.len() > 100 {
                    lines.push(format!(
                        "and {} other objects (see server log for list)",
                        many.len() - 100
                    ));
                }
                let n = error::notice(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("drop cascades to {} other objects", many.len()),
                )
                .with_detail(lines.join("\n"));
                backend::notice_response(&mut self.conn.out, &n);
            }
        }
        for name in schemas {
            self.drop_schema_everywhere(name).await?;
        }
        Ok(())
    }

    async fn drop_schema_everywhere(&mut self, name: &str) -> Result<(), ErrorFields> {
        let req = || ShardRequest::DropSchema {
            database: self.database.clone(),
            name: name.to_string(),
        };
        match self.worker.request(ShardId(0), req()).await {
            ShardResponse::SchemaDropped { .. } => {}
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |_| req(),
            |r| matches!(r, ShardResponse::SchemaDropped { .. }),
        )
        .await
    }

    /// ALTER SCHEMA name RENAME TO to.
    pub(super) async fn rename_schema(&mut self, name: &str, to: &str) -> Result<(), ErrorFields> {
        self.refuse_in_block("ALTER SCHEMA")?;
        let req = || ShardRequest::RenameSchema {
            database: self.database.clone(),
            name: name.to_string(),
            to: to.to_string(),
        };
        match self.worker.request(ShardId(0), req()).await {
            ShardResponse::SchemaRenamed { .. } => {}
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |_| req(),
            |r| matches!(r, ShardResponse::SchemaRenamed { .. }),
        )
        .await
    }
}
