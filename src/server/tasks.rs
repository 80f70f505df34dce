//! Background work under supervision: every task is restarted after a
//! panic (logged, counted, after a short pause), and every task stops when
//! the server shuts down. A periodic task finishes the round it is in before
//! stopping; rounds hold their database leases only while they run.

use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub struct Tasks {
    token: CancellationToken,
    set: JoinSet<()>,
}

impl Tasks {
    pub fn new(token: CancellationToken) -> Self {
        Tasks { token, set: JoinSet::new() }
    }

    /// Runs `task` until it returns or shutdown; if it panics, it is logged
    /// and started again.
    pub fn supervise<F, Fut>(&mut self, name: &'static str, task: F)
    where
        F: Fn(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let token = self.token.clone();
        self.set.spawn(async move {
            let mut pause = Duration::from_millis(500);
            loop {
                match tokio::spawn(task(token.clone())).await {
                    Ok(()) => return,
                    Err(e) if e.is_panic() => {
                        metrics::counter!("task_restarts_total", "task" => name).increment(1);
                        tracing::error!(task = name, "background task panicked; restarting in {pause:?}");
                    }
                    Err(_) => return,
                }
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        });
    }

    /// Runs `round` again and again: at once while it reports work done
    /// (`Ok(true)`), otherwise after `every`. Errors are logged; the next
    /// round tries again.
    pub fn every<F, Fut>(&mut self, name: &'static str, every: Duration, round: F)
    where
        F: Fn() -> Fut + Send + Sync + Clone + 'static,
        Fut: Future<Output = anyhow::Result<bool>> + Send + 'static,
    {
        self.supervise(name, move |token| {
            let round = round.clone();
            async move {
                while !token.is_cancelled() {
                    let again = match round().await {
                        Ok(more) => more,
                        Err(e) => {
                            tracing::error!(task = name, error = %e, "background round failed");
                            false
                        }
                    };
                    if again {
                        continue;
                    }
                    tokio::select! {
                        _ = token.cancelled() => {}
                        _ = tokio::time::sleep(every) => {}
                    }
                }
            }
        });
    }

    /// Asks every task to stop and waits at most `grace` for them.
    pub async fn shutdown(mut self, grace: Duration) {
        self.token.cancel();
        let all = async { while self.set.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("background tasks still running after {grace:?}; leaving their leases to expire");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_task_that_panics_is_started_again() {
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Tasks::new(CancellationToken::new());
        let r = runs.clone();
        tasks.supervise("flaky", move |_| {
            let r = r.clone();
            async move {
                if r.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("first run fails");
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(5), async {
            while runs.load(Ordering::SeqCst) < 2 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("restarted after the panic");
        tasks.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn shutdown_lets_a_round_finish_and_stops_the_next() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let mut tasks = Tasks::new(CancellationToken::new());
        let r = rounds.clone();
        tasks.every("slow", Duration::from_millis(10), move || {
            let r = r.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                r.fetch_add(1, Ordering::SeqCst);
                Ok(false)
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        tasks.shutdown(Duration::from_secs(2)).await;
        assert_eq!(rounds.load(Ordering::SeqCst), 1, "the round under way finished, no other began");
    }

    #[tokio::test]
    async fn rounds_that_find_work_run_again_at_once() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let mut tasks = Tasks::new(CancellationToken::new());
        let r = rounds.clone();
        tasks.every("busy", Duration::from_secs(3600), move || {
            let r = r.clone();
            async move { Ok(r.fetch_add(1, Ordering::SeqCst) < 3) }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        tasks.shutdown(Duration::from_secs(1)).await;
        assert_eq!(rounds.load(Ordering::SeqCst), 4, "three rounds with work, then one without, then the wait");
    }
}
