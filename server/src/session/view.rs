//! CREATE [OR REPLACE] VIEW and DROP VIEW (binding and reading views: `sql/src/bind/view.rs`).
//!
//! A view is created and dropped like a table (shard 0 checks the name, every shard records the
//! definition; a temporary view only in the session, see `temp.rs`). OR REPLACE of an existing
//! view replaces its definition in place (same id), as ALTER TABLE's definition-only changes do.

use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_sql::{check_view_replace, TableDef};

use super::Session;
use crate::error;

impl Session {
    pub(super) async fn create_view(
        &mut self,
        view: &TableDef,
        or_replace: bool,
    ) -> Result<(), ErrorFields> {
        if or_replace {
            let existing = match view.temp {
                Some(_) => self.temp.get(&view.name).cloned(),
                None => self
                    .catalog_view()
                    .table(&self.database, &view.schema, &view.name),
            };
            if let Some(old) = existing {
                check_view_replace(&old, view).map_err(|e| error::from_sql(&e))?;
                let new = TableDef {
                    id: old.id,
                    ..view.clone()
                };
                if view.temp.is_some() {
                    self.temp.insert(new.name.clone(), Arc::new(new));
                    return Ok(());
                }
                return self.replace_definition(&old, &new).await;
            }
        }
        self.create_table(view, false).await.map(|_| ())
    }

    pub(super) async fn drop_views(
        &mut self,
        views: &[Arc<TableDef>],
        missing: &[String],
    ) -> Result<(), ErrorFields> {
        for name in missing {
            let n = error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("view \"{name}\" does not exist, skipping"),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        self.drop_tables(views, &[]).await
    }
}
