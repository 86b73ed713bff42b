//! The storage crate's one error type.

/// Everything that can go wrong in a shard's store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The operating system or the simulated disk failed an I/O call.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Bytes on disk fail a checksum or a structural check.
    #[error("corrupted data: {0}")]
    Corrupted(String),
    /// The WAL or data file failed an fdatasync or write earlier; the shard must be reopened.
    #[error("store is poisoned by an earlier I/O failure; reopen it")]
    Poisoned,
    /// A key is larger than the B+tree accepts.
    #[error("key of {0} bytes exceeds the limit of {limit} bytes", limit = crate::btree::MAX_KEY_LEN)]
    KeyTooLarge(usize),
    /// A WAL record does not fit in one segment.
    #[error("WAL record of {0} bytes does not fit in a segment")]
    RecordTooLarge(usize),
    /// The tree does not exist.
    #[error("tree {0} does not exist")]
    NoSuchTree(u64),
    /// The tree already exists.
    #[error("tree {0} already exists")]
    TreeExists(u64),
    /// No prepared transaction with this id is pending.
    #[error("transaction {0} is not prepared on this shard")]
    NotPrepared(u64),
    /// A bug in the storage crate.
    #[error("internal error (bug): {0}")]
    Internal(String),
}

impl StorageError {
    /// Whether the store can keep serving after this error (false: reopen the shard).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Io(_) | Self::Corrupted(_) | Self::Poisoned | Self::Internal(_)
        )
    }
}

/// Result with [`StorageError`].
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
