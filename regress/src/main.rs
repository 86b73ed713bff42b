//! PGLiteDB `regress` (being built; see ARCHITECTURE.md).
fn main() {}
