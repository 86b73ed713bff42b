//! Which shard owns a key. Shared by the router (to send a request) and tests; must agree with the
//! keys built in `table.rs`.

use crate::message::ShardId;

/// The shard that stores the row with primary-key bytes `key`, among `shards` shards.
pub fn shard_for_key(key: &[u8], shards: usize) -> ShardId {
    let h = crc32fast::hash(key);
    ShardId((h as usize % shards.max(1)) as u16)
}
