//! Upstream deadlines of one worker, fired by one ticker instead of one timer per request.
//!
//! Owns [`Deadlines`] (a per-worker table of slots) and [`Deadline`] (one request's slot, a
//! future that completes when its time has passed). A request takes a slot with its
//! deadline; a ticker task, running only while slots are taken, wakes every [`TICK`] and
//! fires the slots whose deadline has passed. A request costs two table operations and a
//! waker clone instead of a tokio timer registered in, and removed from, the runtime's timer
//! wheel (about 0.3 µs, docs/PERFORMANCE.md). A deadline fires up to one tick late.
//!
//! Must never be shared across threads (one table per worker, behind `Rc`), keep a waker
//! after its slot is released, or fire a slot before its deadline.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How often the ticker looks at the table while deadlines are pending.
pub const TICK: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Slot {
    at: Option<Instant>,
    waker: Option<Waker>,
    fired: bool,
}

/// The deadlines of one worker.
#[derive(Default)]
pub struct Deadlines {
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<usize>>,
    taken: Cell<usize>,
    ticking: Cell<bool>,
}

impl Deadlines {
    pub fn new() -> Rc<Deadlines> {
        Rc::new(Deadlines::default())
    }

    /// A slot that fires at `at` (starts the ticker when it is not running).
    pub fn start(self: &Rc<Self>, at: Instant) -> Deadline {
        let index = match self.free.borrow_mut().pop() {
            Some(i) => i,
            None => {
                let mut slots = self.slots.borrow_mut();
                slots.push(Slot::default());
                slots.len() - 1
            }
        };
        if let Some(slot) = self.slots.borrow_mut().get_mut(index) {
            *slot = Slot {
                at: Some(at),
                waker: None,
                fired: false,
            };
        }
        self.taken.set(self.taken.get() + 1);
        if !self.ticking.replace(true) {
            tokio::task::spawn_local(Self::tick(self.clone()));
        }
        Deadline {
            table: self.clone(),
            index,
        }
    }

    /// Fires every slot whose deadline is at or before `now`.
    fn fire(&self, now: Instant) {
        for slot in self.slots.borrow_mut().iter_mut() {
            if slot.at.is_some_and(|at| at <= now) && !slot.fired {
                slot.fired = true;
                if let Some(waker) = slot.waker.take() {
                    waker.wake();
                }
            }
        }
    }

    /// Runs while slots are taken.
    async fn tick(table: Rc<Deadlines>) {
        while table.taken.get() > 0 {
            tokio::time::sleep(TICK).await;
            table.fire(Instant::now());
        }
        table.ticking.set(false);
    }

    fn release(&self, index: usize) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(index) {
            *slot = Slot::default();
        }
        self.free.borrow_mut().push(index);
        self.taken.set(self.taken.get().saturating_sub(1));
    }
}

/// One request's deadline: completes once it has passed. Dropping it frees the slot.
pub struct Deadline {
    table: Rc<Deadlines>,
    index: usize,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut slots = self.table.slots.borrow_mut();
        let Some(slot) = slots.get_mut(self.index) else {
            return Poll::Ready(());
        };
        if slot.fired {
            return Poll::Ready(());
        }
        match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.table.release(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn deadlines_fire_after_their_time_and_slots_are_reused() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let table = Deadlines::new();
                let start = Instant::now();
                let short = table.start(start + Duration::from_millis(30));
                let long = table.start(start + Duration::from_secs(3600));
                short.await;
                assert!(start.elapsed() >= Duration::from_millis(30));
                let mut long = long;
                assert!(futures_util::FutureExt::now_or_never(&mut long).is_none());
                let again = table.start(start);
                assert_eq!(again.index, 0, "the fired slot is free again");
                again.await;
                drop(long);
                assert_eq!(table.taken.get(), 0);
                // The ticker stops once nothing is pending.
                tokio::time::sleep(TICK * 3).await;
                assert!(!table.ticking.get());
            })
            .await;
    }
}
