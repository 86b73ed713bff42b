//! PGLiteDB `protocol` crate (being built; see ARCHITECTURE.md).
