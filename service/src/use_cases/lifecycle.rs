//! run_lifecycle: the job that inactivates, expires and deletes licenses on time, sends the
//! warnings once each, and forgets old throttle counters. Idempotent, and safe with several
//! instances: a lease lets one run at a time, each state change is conditional on the state it
//! read, and each warning has a unique (account, period) key.

use domain::license::LicenseEvent;

use super::Service;
use crate::error::{Error, Result};
use crate::mail::notices::Kind;
use crate::store::{account, audit, jobs};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LifecycleReport {
    /// False when another instance held the lease (nothing was done).
    pub ran: bool,
    pub transitions: usize,
    pub notices: usize,
}

const LEASE: &str = "lifecycle";

impl Service {
    pub async fn run_lifecycle(&self) -> Result<LifecycleReport> {
        let now = self.now();
        let mut b = [0u8; 8];
        getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
        let holder = hex::encode(b);
        if !self.store().take_lease(LEASE, &holder, now, now + 600).await? {
            return Ok(LifecycleReport::default());
        }
        let result = self.lifecycle_pass(now).await;
        self.store().release_lease(LEASE, &holder).await?;
        let report = result?;
        if report.transitions + report.notices > 0 {
            self.wake_outbox();
        }
        Ok(report)
    }

    async fn lifecycle_pass(&self, now: i64) -> Result<LifecycleReport> {
        let policy = &self.settings().license;
        let mut report = LifecycleReport { ran: true, ..Default::default() };
        for a in self.store().accounts_for_lifecycle().await? {
            let before = a.license();
            let (after, effects) = before.apply(policy, LicenseEvent::Tick, now).unwrap_or((before, vec![]));
            let mut tx = self.store().begin_write().await?;
            if after != before && account::save_license(&mut tx.conn(), a.id, before.state, &after, now).await? {
                self.record_license_effects(&mut tx.conn(), &a, &effects, "system", now).await?;
                report.transitions += effects.len();
            }
            for notice in after.due_notices(policy, now) {
                if jobs::claim_notice(&mut tx.conn(), a.id, &notice.period_key, now).await? {
                    let kind = match notice.kind {
                        domain::license::NoticeKind::InactivityWarning => Kind::InactivityWarning,
                        domain::license::NoticeKind::ExpiryWarning { days_before } => Kind::ExpiryWarning(days_before),
                    };
                    self.enqueue(&mut tx.conn(), kind, a.id, &a.email, now).await?;
                    audit::record(&mut tx.conn(), audit::Event { at: now, account_id: Some(a.id), actor: "system", action: "notice_queued", detail: &kind.as_str(), client_ip: "" }).await?;
                    report.notices += 1;
                }
            }
            tx.commit().await?;
        }
        // Counters older than a day are no longer needed by any window.
        self.store().prune_counters(now - 86_400).await?;
        self.store().prune_reset_requests(now - 86_400).await?;
        Ok(report)
    }

    /// Runs the job every `lifecycle_interval` until `shutdown` resolves.
    pub async fn run_lifecycle_schedule(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.run_lifecycle().await {
                Ok(r) if r.ran => tracing::info!(transitions = r.transitions, notices = r.notices, "lifecycle job ran"),
                Ok(_) => tracing::debug!("lifecycle job held by another instance"),
                Err(e) => tracing::error!(error = %e, "lifecycle job failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings().lifecycle_interval) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}
