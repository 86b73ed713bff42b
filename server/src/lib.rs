//! PGLiteDB server library.
