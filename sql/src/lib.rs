//! PGLiteDB `sql` crate (being built; see ARCHITECTURE.md).
