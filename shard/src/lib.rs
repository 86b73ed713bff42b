//! PGLiteDB `shard` crate (being built; see ARCHITECTURE.md).
