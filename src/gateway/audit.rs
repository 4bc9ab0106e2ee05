//! Gateway denies are audited off the request path: a bounded in-memory queue that a
//! background task writes in batches. When the queue is full the oldest entry is dropped
//! and counted (`scopegate_audit_dropped_total`); a request never waits on the database.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::storage::audit::NewAuditEvent;
use crate::storage::Db;
use crate::web::metrics::Metrics;

pub struct DenyAudit {
    queue: Mutex<VecDeque<NewAuditEvent>>,
    capacity: usize,
    metrics: Arc<Metrics>,
}

impl DenyAudit {
    pub fn new(capacity: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            queue: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            capacity,
            metrics,
        }
    }

    /// Queues one event; never blocks beyond a short uncontended lock.
    pub fn push(&self, event: NewAuditEvent) {
        let Ok(mut q) = self.queue.lock() else { return };
        if q.len() >= self.capacity {
            q.pop_front();
            self.metrics.audit_dropped.inc();
        }
        q.push_back(event);
    }

    fn take(&self, max: usize) -> Vec<NewAuditEvent> {
        let Ok(mut q) = self.queue.lock() else {
            return Vec::new();
        };
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    /// Writes queued events every `interval`, in one transaction per batch. A failed batch
    /// is dropped and counted: the audit of denies is best effort by design.
    pub async fn run_writer(self: Arc<Self>, db: Db, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            loop {
                let batch = self.take(500);
                if batch.is_empty() {
                    break;
                }
                let n = batch.len() as u64;
                let db = db.clone();
                let written = tokio::task::spawn_blocking(move || {
                    db.transaction(|c| NewAuditEvent::insert_all(c, &batch))
                })
                .await;
                match written {
                    Ok(Ok(())) => self.metrics.audit_written.inc_by(n),
                    _ => {
                        self.metrics.audit_dropped.inc_by(n);
                        tracing::warn!(dropped = n, "deny audit batch could not be written");
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts() {
        let metrics = Arc::new(Metrics::new(&[]).unwrap());
        let audit = DenyAudit::new(2, metrics.clone());
        for i in 0..3 {
            audit.push(NewAuditEvent {
                at: i,
                ..Default::default()
            });
        }
        let left = audit.take(10);
        assert_eq!(left.iter().map(|e| e.at).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(metrics.audit_dropped.get(), 1);
    }
}
