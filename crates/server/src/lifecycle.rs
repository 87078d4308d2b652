//! A server process's life: who it is in the leases it takes (instance and
//! run), the heartbeat that keeps those leases alive while it works, and the
//! orderly stop (SIGTERM or Ctrl-C): no new work is claimed, requests and
//! sends in flight finish, and every lease is given back before it exits.
//!
//! Leases are short ([`LEASE_SECONDS`]) and renewed every
//! [`HEARTBEAT`]: a process that dies without stopping (SIGKILL, a power
//! cut) holds its work for at most the lease, and its own next start gives
//! it back at once (`insignia_store::repo::leases::release_earlier_runs`).

use std::time::Duration;

use insignia_store::repo::leases;
use sha2::Digest as _;

use crate::ServerError;
use crate::state::Shared;

/// How long a lease lasts without a heartbeat.
pub const LEASE_SECONDS: i64 = 30;
/// How often a working process renews its leases.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a stopping process waits for its workers to finish what they
/// hold before it gives the leases back regardless.
pub const STOP_GRACE: Duration = Duration::from_secs(30);

/// Who this process is in leases: `{instance}-{run}`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Stable across restarts: the host, the listen address and the database.
    pub instance: String,
    /// This process's lease owner name.
    pub owner: String,
}

impl Identity {
    pub fn new(listen: std::net::SocketAddr, database: &str) -> Identity {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        let digest = sha2::Sha256::digest(format!("{}\n{listen}\n{database}", host.trim()));
        let instance = hex::encode(&digest[..6]);
        let owner = format!("{instance}-{}", insignia_store::token::random_id(8));
        Identity { instance, owner }
    }
}

/// The process's stop signal, shared by its workers.
#[derive(Debug)]
pub struct Stop(tokio::sync::watch::Sender<bool>);

impl Default for Stop {
    fn default() -> Self {
        Stop(tokio::sync::watch::Sender::new(false))
    }
}

impl Stop {
    /// Tells every worker to stop claiming work.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the stop has begun.
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so this only ends on `true`.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }
}

/// On start: gives back what an earlier run of this instance left held.
pub async fn recover(state: &Shared) -> Result<(), ServerError> {
    let n = leases::release_earlier_runs(
        &state.store,
        &state.identity.instance,
        &state.identity.owner,
    )
    .await?;
    if n > 0 {
        tracing::info!("took back {n} unfinished tasks left by an earlier run of this server");
    }
    Ok(())
}

/// Renews this process's leases every [`HEARTBEAT`] until the stop.
pub fn spawn_heartbeat(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(HEARTBEAT) => {}
                () = state.stop.wait() => return,
            }
            if let Err(e) = leases::renew(&state.store, &state.identity.owner, LEASE_SECONDS).await
            {
                tracing::warn!("renewing leases: {e}");
            }
        }
    })
}

/// Gives back every lease this process holds (at the end of a stop).
pub async fn release(state: &Shared) -> Result<u64, ServerError> {
    Ok(leases::release(&state.store, &state.identity.owner).await?)
}

/// Resolves on SIGTERM (how service managers and containers stop a
/// process) or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: stopping"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); Ctrl-C still stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
