//! The cross-core channel mesh: one bounded single-producer/single-consumer glommio shared channel for
//! every ordered pair of cores, carrying [`Envelope`]s.
//!
//! We build the N×(N-1) channels ourselves instead of using glommio's `MeshBuilder`, whose builder
//! shares an `Rc` across threads (research/design_research.md §1.1). [`MeshBuilder::build`] creates every
//! channel on the main thread; each executor takes its [`MeshEndpoints`] (plain `Send` halves) and
//! connects them on its own thread with [`MeshEndpoints::connect`].
//!
//! Invariant: a task that receives from the mesh never awaits a send (see `worker.rs`), so bounded
//! queues cannot deadlock two cores.

use glommio::channels::shared_channel::{
    self, ConnectedReceiver, ConnectedSender, SharedReceiver, SharedSender,
};
use glommio::net::AcceptedTcpStream;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};

/// Slots per directed channel. Large enough that a burst of requests from one core rarely waits.
pub const CHANNEL_CAPACITY: usize = 1024;

/// Everything that crosses cores.
// Requests are moved through the channels, never stored long; boxing them would cost an
// allocation per cross-core request to save ~200 bytes per channel slot.
#[allow(clippy::large_enum_variant)]
pub enum Envelope {
    /// A session on `from` asks this core's shard for something; answer with `Response { id }`.
    Request {
        from: ShardId,
        id: u64,
        req: ShardRequest,
    },
    /// The answer to an earlier `Request` sent by this core.
    Response { id: u64, resp: ShardResponse },
    /// A freshly accepted client connection for this core to serve.
    Connection(AcceptedTcpStream),
    /// A CancelRequest for a session that this core runs.
    Cancel { pid: i32, secret: i32 },
}

/// The not-yet-connected channel halves of one core.
pub struct MeshEndpoints {
    pub id: ShardId,
    senders: Vec<Option<SharedSender<Envelope>>>,
    receivers: Vec<Option<SharedReceiver<Envelope>>>,
}

/// Builds all channels of an `n`-core mesh.
pub struct MeshBuilder;

impl MeshBuilder {
    /// Creates the channels and returns each core's endpoints, index = shard id.
    pub fn build(n: usize) -> Vec<MeshEndpoints> {
        let mut senders: Vec<Vec<Option<SharedSender<Envelope>>>> =
            (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        let mut receivers: Vec<Vec<Option<SharedReceiver<Envelope>>>> =
            (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        for from in 0..n {
            for to in 0..n {
                if from != to {
                    let (tx, rx) = shared_channel::new_bounded(CHANNEL_CAPACITY);
                    senders[from][to] = Some(tx);
                    receivers[to][from] = Some(rx);
                }
            }
        }
        senders
            .into_iter()
            .zip(receivers)
            .enumerate()
            .map(|(i, (senders, receivers))| MeshEndpoints {
                id: ShardId(i as u16),
                senders,
                receivers,
            })
            .collect()
    }
}

impl MeshEndpoints {
    /// Connects every half on the calling executor. Must run on the core that owns `self.id`.
    pub async fn connect(self) -> Mesh {
        // Connecting a half waits for its peer core to connect the other half, so every half is
        // connected concurrently: connecting them in sequence deadlocks two cores that each wait for
        // the other's first channel.
        let senders: Vec<_> = self
            .senders
            .into_iter()
            .map(|s| {
                glommio::spawn_local(async move {
                    match s {
                        Some(s) => Some(s.connect().await),
                        None => None,
                    }
                })
            })
            .collect();
        let receivers: Vec<_> = self
            .receivers
            .into_iter()
            .map(|r| {
                glommio::spawn_local(async move {
                    match r {
                        Some(r) => Some(r.connect().await),
                        None => None,
                    }
                })
            })
            .collect();
        let mut connected_senders = Vec::with_capacity(senders.len());
        for t in senders {
            connected_senders.push(t.await);
        }
        let mut connected_receivers = Vec::with_capacity(receivers.len());
        for t in receivers {
            connected_receivers.push(t.await);
        }
        let (senders, receivers) = (connected_senders, connected_receivers);
        Mesh {
            id: self.id,
            senders,
            receivers,
        }
    }
}

/// One core's connected mesh endpoints.
pub struct Mesh {
    pub id: ShardId,
    /// `senders[j]` sends to core `j`; `None` at our own index.
    pub senders: Vec<Option<ConnectedSender<Envelope>>>,
    /// `receivers[j]` receives from core `j`; `None` at our own index. Taken by the receive loops.
    pub receivers: Vec<Option<ConnectedReceiver<Envelope>>>,
}

impl Mesh {
    /// Number of cores in the mesh.
    pub fn len(&self) -> usize {
        self.senders.len()
    }

    /// Whether the mesh has no cores (never true for a running server).
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }
}
