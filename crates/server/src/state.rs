//! What every request handler shares. Nothing here is authoritative state:
//! the database is the only source of truth, so any number of processes can
//! serve the same installation. The report cache holds derived values only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use insignia_store::Store;

use crate::config::Config;
use crate::i18n::Catalog;
use crate::pages::Pages;
use crate::secrets::MasterKey;

pub type Shared = Arc<AppState>;

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub master: MasterKey,
    pub catalog: Arc<Catalog>,
    pub pages: Pages,
    /// Proof-verification results of our own awards (the credential never
    /// changes, so its proof check can be reused for a while; status and
    /// validity are always re-read).
    pub proof_cache: TtlCache<insignia_verify::Report>,
    /// Awarded badge versions (immutable) with their parsed design, by "badge/version".
    pub version_cache: TtlCache<(
        insignia_store::model::BadgeVersion,
        crate::design::BadgeDefinition,
    )>,
    /// Issuer profiles for public pages (edits show within the time to live).
    pub issuer_cache: TtlCache<insignia_store::model::Issuer>,
    /// Public award pages rendered for anonymous visitors, keyed by award,
    /// language and everything about the award's status (see `routes::public` and `service::award_view`);
    /// shared, not copied, on every hit.
    pub page_cache: TtlCache<axum::body::Bytes>,
    /// Award statuses read for anonymous page views, for one second: a
    /// much-shared badge page costs one database read per second per process
    /// instead of one per view. A change made here clears the entry at once;
    /// one made by another process shows here within the second. Status
    /// lists, revocation lists and JSON are always read live.
    pub status_cache: TtlCache<insignia_store::model::AwardStatus>,
    /// How many endorsements of an award are approved and when the last was
    /// decided (part of the page cache's key), for one second, like
    /// `status_cache`; a decision made here clears the entry at once.
    pub endorsement_stamp_cache: TtlCache<(i64, i64)>,
    /// Share images (`service::share_images`), keyed by a digest of what
    /// they show, so an entry is never stale.
    pub share_cache: TtlCache<axum::body::Bytes>,
    /// Wakes this process's job worker when a job is queued here (other
    /// processes find it by polling).
    pub jobs_wakeup: tokio::sync::Notify,
    /// Who this process is in the leases it takes on background work.
    pub identity: crate::lifecycle::Identity,
    /// Set when the process is stopping: workers claim nothing more.
    pub stop: crate::lifecycle::Stop,
    /// How e-mail leaves: SMTP when configured (`[smtp]`), else the local
    /// outbox.
    pub mailer: crate::mail::Mailer,
    /// Wakes this process's mailer when a message is queued here.
    pub mail_wakeup: tokio::sync::Notify,
}

/// A small bounded cache with a time to live, whose loads are single-flight:
/// when an entry is missing or has expired, one caller loads it and the
/// others asking for the same key meanwhile wait for that result instead of
/// all going to the database at once (a much-shared page would otherwise send
/// every waiting request to the database each time its entry expires).
///
/// Hand-written rather than `moka`: it is a few dozen lines over a mutex, and
/// moka's concurrent machinery (and its compile time) buys nothing at the
/// sizes one process caches here.
#[derive(Debug)]
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
    /// One gate per key being loaded; whoever holds it loads.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    ttl: Duration,
    capacity: usize,
}

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            loading: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    /// The cached value, or the one `load` produces (then cached). Concurrent
    /// callers for the same key share one load; an error is returned to its
    /// caller and not cached, so the next waiter tries again.
    pub async fn get_or_load<E, F, Fut>(&self, key: &str, load: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(key) {
            return Ok(value);
        }
        let gate = match self.loading.lock() {
            Ok(mut loading) => loading.entry(key.to_owned()).or_default().clone(),
            // A poisoned map only costs the coalescing, never the answer.
            Err(_) => Arc::default(),
        };
        let result = {
            let _turn = gate.lock().await;
            match self.get(key) {
                Some(value) => Ok(value),
                None => {
                    let loaded = load().await;
                    if let Ok(value) = &loaded {
                        self.put(key.to_owned(), value.clone());
                    }
                    loaded
                }
            }
        };
        // The last one through the gate takes it down (clones are only made
        // under this lock, so the count cannot grow behind our back).
        if let Ok(mut loading) = self.loading.lock() {
            if Arc::strong_count(&gate) <= 2 {
                loading.remove(key);
            }
        }
        result
    }

    pub fn get(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn remove(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    pub fn put(&self, key: String, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::TtlCache;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_share_one_load() {
        let cache = Arc::new(TtlCache::<u32>::new(Duration::from_secs(60), 10));
        let loads = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..64 {
            let (cache, loads) = (cache.clone(), loads.clone());
            tasks.spawn(async move {
                cache
                    .get_or_load("award", || async {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(7)
                    })
                    .await
            });
        }
        while let Some(result) = tasks.join_next().await {
            assert_eq!(result.unwrap(), Ok(7));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // The gate is taken down once everyone is through.
        assert!(cache.loading.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_load_is_not_cached() {
        let cache = TtlCache::<u32>::new(Duration::from_secs(60), 10);
        let failed: Result<u32, &str> = cache.get_or_load("k", || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let loaded: Result<u32, &str> = cache.get_or_load("k", || async { Ok(3) }).await;
        assert_eq!(loaded, Ok(3));
        // Expired entries are loaded again.
        let short = TtlCache::<u32>::new(Duration::from_millis(10), 10);
        short.put("k".into(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let reloaded: Result<u32, ()> = short.get_or_load("k", || async { Ok(2) }).await;
        assert_eq!(reloaded, Ok(2));
    }
}
