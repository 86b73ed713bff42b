//! Order-preserving key encoding (placeholder until the spec lands).
