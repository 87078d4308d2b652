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
        crate::design::BadgeDesign,
    )>,
    /// Issuer profiles for public pages (edits show within the time to live).
    pub issuer_cache: TtlCache<insignia_store::model::Issuer>,
    /// Public award pages rendered for anonymous visitors, keyed by award,
    /// language and everything about the award's status (see `routes::public`);
    /// shared, not copied, on every hit.
    pub page_cache: TtlCache<axum::body::Bytes>,
    /// Award statuses read for anonymous page views, for one second: a
    /// much-shared badge page costs one database read per second per process
    /// instead of one per view. A change made here clears the entry at once;
    /// one made by another process shows here within the second. Status
    /// lists, revocation lists and JSON are always read live.
    pub status_cache: TtlCache<insignia_store::model::AwardStatus>,
    /// Wakes this process's job worker when a job is queued here (other
    /// processes find it by polling).
    pub jobs_wakeup: tokio::sync::Notify,
    /// Identifies this process in job leases.
    pub process_id: String,
    /// SMTP, when configured (`[smtp]`); without it e-mail stays queued.
    pub mailer: Option<crate::mail::Mailer>,
    /// Wakes this process's mailer when a message is queued here.
    pub mail_wakeup: tokio::sync::Notify,
}

/// A small bounded cache with a time to live.
#[derive(Debug)]
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
    ttl: Duration,
    capacity: usize,
}

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
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
