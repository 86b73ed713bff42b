//! Single-core synchronisation primitives: a broadcast latch and a one-shot reply slot.
//!
//! Both are `Rc`-based and `!Send` on purpose: they coordinate tasks of one executor only. Cross-core
//! coordination goes through the mesh.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A latch that, once fired, stays fired and wakes every waiter (e.g. shutdown).
#[derive(Clone, Default)]
pub struct Latch {
    inner: Rc<RefCell<LatchState>>,
}

#[derive(Default)]
struct LatchState {
    fired: bool,
    waiters: Vec<Waker>,
}

impl Latch {
    /// Fires the latch and wakes all waiters. Idempotent.
    pub fn fire(&self) {
        let waiters = {
            let mut s = self.inner.borrow_mut();
            s.fired = true;
            std::mem::take(&mut s.waiters)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// Whether the latch has fired.
    pub fn is_fired(&self) -> bool {
        self.inner.borrow().fired
    }

    /// Resolves once the latch is fired.
    pub fn wait(&self) -> LatchWait {
        LatchWait {
            latch: self.clone(),
        }
    }
}

/// Future returned by [`Latch::wait`].
pub struct LatchWait {
    latch: Latch,
}

impl Future for LatchWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.latch.inner.borrow_mut();
        if s.fired {
            Poll::Ready(())
        } else {
            if !s.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                s.waiters.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}

/// Creates a one-shot slot: the sender fills it once, the receiver awaits it.
pub fn oneshot<T>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
        closed: false,
    }));
    (
        OneshotSender { slot: slot.clone() },
        OneshotReceiver { slot },
    )
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    closed: bool,
}

/// Sending half of [`oneshot`]. Dropping it without sending makes the receiver resolve to `None`.
pub struct OneshotSender<T> {
    slot: Rc<RefCell<Slot<T>>>,
}

impl<T> OneshotSender<T> {
    /// Delivers the value and wakes the receiver.
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.slot.borrow_mut();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = self.slot.borrow_mut();
            s.closed = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Receiving half of [`oneshot`]: a future of `Option<T>`.
pub struct OneshotReceiver<T> {
    slot: Rc<RefCell<Slot<T>>>,
}

impl<T> Future for OneshotReceiver<T> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.slot.borrow_mut();
        if let Some(v) = s.value.take() {
            Poll::Ready(Some(v))
        } else if s.closed {
            Poll::Ready(None)
        } else {
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}
