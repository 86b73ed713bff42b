//! PGLiteDB `loadgen` (being built; see ARCHITECTURE.md).
fn main() {}
