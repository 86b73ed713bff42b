//! The scalar function library and aggregates (filled in by the following modules).
