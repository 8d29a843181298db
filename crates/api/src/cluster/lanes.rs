//! One write at a time per object. Kubernetes serializes the writes of one object anyway:
//! two patches that meet in kube-apiserver conflict, and the loser reads the object again and
//! retries, so a burst of actions on one object (a script, a bulk run beside a user, many
//! people on the same incident) multiplies the API server's work and stretches the slowest
//! answers. Queued here instead, this replica's writes reach it one after the other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

type Lane = Arc<tokio::sync::Mutex<()>>;

#[derive(Default)]
pub struct Lanes(Mutex<HashMap<String, Lane>>);

/// The turn of one write; the next write of the object goes when it is dropped.
pub struct Turn {
    lanes: Arc<Lanes>,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Lanes {
    /// Waits for the turn of a write of the object `key`.
    pub async fn enter(self: &Arc<Self>, key: String) -> Turn {
        let lane = self.lanes().entry(key.clone()).or_default().clone();
        Turn {
            lanes: self.clone(),
            key,
            guard: Some(lane.lock_owned().await),
        }
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lane>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut lanes = self.lanes.lanes();
        drop(self.guard.take());
        // Nobody waits (only the map holds the lane): it goes, so the map holds only the
        // objects being written.
        if lanes
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            lanes.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn writes_of_one_object_take_turns_and_of_two_objects_do_not_and_the_map_empties() {
        let lanes = Arc::new(Lanes::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut writes = tokio::task::JoinSet::new();
        for i in 0..16 {
            let (lanes, inside, most) = (lanes.clone(), inside.clone(), most.clone());
            writes.spawn(async move {
                let _turn = lanes.enter(format!("ks/apps/{}", i % 2)).await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            });
        }
        while writes.join_next().await.is_some() {}
        // Two objects: at most one write each at a time, and both at once happened.
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert!(lanes.lanes().is_empty());
    }
}
