//! PGLiteDB `storage` crate (being built; see ARCHITECTURE.md).
