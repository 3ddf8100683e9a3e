//! The HMIS license lifecycle: pending → active → inactive / expired → deleted, as pure
//! functions of (license, event, now).
//!
//! Rules: the help article (licenses are inactivated after a leave of absence or more than 30
//! days without a sign-in, expire when the annual recertification is missed, are deleted when not
//! reactivated in time) and hmis-context.md (warning email 5 days before inactivation; defaults
//! below). Pure: time is passed in; the lifecycle job in `service` applies `Tick`.

use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LicenseState {
    /// Created, never signed in.
    Pending,
    Active,
    /// The expiry date passed: the annual recertification was missed.
    Expired,
    /// No sign-in for too long, or set by an administrator (leave of absence).
    Inactive,
    /// Kept for audit; never signs in again.
    Deleted,
}

impl LicenseState {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseState::Pending => "pending",
            LicenseState::Active => "active",
            LicenseState::Expired => "expired",
            LicenseState::Inactive => "inactive",
            LicenseState::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => LicenseState::Pending,
            "active" => LicenseState::Active,
            "expired" => LicenseState::Expired,
            "inactive" => LicenseState::Inactive,
            "deleted" => LicenseState::Deleted,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InactiveReason {
    NoSignIn,
    LeaveOfAbsence,
}

impl InactiveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            InactiveReason::NoSignIn => "no_sign_in",
            InactiveReason::LeaveOfAbsence => "leave_of_absence",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "no_sign_in" => Some(InactiveReason::NoSignIn),
            "leave_of_absence" => Some(InactiveReason::LeaveOfAbsence),
            _ => None,
        }
    }
}

/// The configurable periods (defaults from hmis-context.md and the issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensePolicy {
    /// Inactive after this long without a sign-in (from creation for a pending license).
    pub inactivity_secs: i64,
    /// The inactivity warning goes out this long before.
    pub inactivity_warning_secs: i64,
    /// An inactive license is deleted after this much further time.
    pub delete_after_inactive_secs: i64,
    /// A license (and a recertification) lasts this long.
    pub term_secs: i64,
    /// Expiry warnings, in days before the expiry date, largest first.
    pub expiry_warning_days: Vec<i64>,
    /// A one-time password set by an administrator works this long.
    pub one_time_password_secs: i64,
}

impl Default for LicensePolicy {
    fn default() -> Self {
        LicensePolicy {
            inactivity_secs: 30 * DAY,
            inactivity_warning_secs: 5 * DAY,
            delete_after_inactive_secs: 90 * DAY,
            term_secs: 365 * DAY,
            expiry_warning_days: vec![30, 7],
            one_time_password_secs: DAY,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    pub state: LicenseState,
    pub created_at: i64,
    /// Start of the current 30-day window: the last sign-in, creation, or reactivation.
    pub activity_at: i64,
    pub expires_at: i64,
    /// When it became inactive (the deletion clock).
    pub inactive_since: Option<i64>,
    pub inactive_reason: Option<InactiveReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseEvent {
    /// The right password was given (only pending and active licenses sign in).
    SignedIn,
    /// Time passed: the lifecycle job.
    Tick,
    /// An administrator set a leave of absence.
    Inactivate,
    /// An administrator reactivated the license.
    Reactivate,
    /// The annual recertification was completed at this time.
    Recertified { completed_at: i64 },
    Delete,
}

/// What changed, for the audit trail and the emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseEffect {
    Activated,
    Inactivated(InactiveReason),
    Expired,
    Deleted,
    Reactivated,
    Recertified,
}

/// An event that does not apply to the license's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("a {0:?} license cannot do that")]
    NotAllowed(LicenseState),
}

/// A warning email the lifecycle job must send once per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// Unique per (account, notice, period): the same key is never sent twice.
    pub period_key: String,
    /// The moment the warned-about change happens.
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    InactivityWarning,
    ExpiryWarning { days_before: i64 },
}

impl License {
    /// A new license: pending, expiring one term after creation.
    pub fn new(policy: &LicensePolicy, now: i64) -> License {
        License {
            state: LicenseState::Pending,
            created_at: now,
            activity_at: now,
            expires_at: now.saturating_add(policy.term_secs),
            inactive_since: None,
            inactive_reason: None,
        }
    }

    pub fn can_sign_in(&self) -> bool {
        matches!(self.state, LicenseState::Pending | LicenseState::Active)
    }

    pub fn apply(self, policy: &LicensePolicy, event: LicenseEvent, now: i64) -> Result<(License, Vec<LicenseEffect>), Refused> {
        use LicenseState::*;
        if self.state == Deleted {
            return match event {
                LicenseEvent::Tick | LicenseEvent::Delete => Ok((self, vec![])),
                _ => Err(Refused::NotAllowed(Deleted)),
            };
        }
        let mut l = self;
        let mut fx = Vec::new();
        match event {
            LicenseEvent::Tick => return Ok(self.tick(policy, now)),
            LicenseEvent::SignedIn => {
                // Time may have passed since the last job run: apply it first.
                let (t, tfx) = self.tick(policy, now);
                if !t.can_sign_in() {
                    return Err(Refused::NotAllowed(t.state));
                }
                l = t;
                fx = tfx;
                if l.state == Pending {
                    l.state = Active;
                    fx.push(LicenseEffect::Activated);
                }
                l.activity_at = now;
            }
            LicenseEvent::Inactivate => match l.state {
                Pending | Active => {
                    l.state = Inactive;
                    l.inactive_since = Some(now);
                    l.inactive_reason = Some(InactiveReason::LeaveOfAbsence);
                    fx.push(LicenseEffect::Inactivated(InactiveReason::LeaveOfAbsence));
                }
                Inactive => {}
                s => return Err(Refused::NotAllowed(s)),
            },
            LicenseEvent::Reactivate => match l.state {
                Inactive => {
                    l.inactive_since = None;
                    l.inactive_reason = None;
                    l.activity_at = now;
                    if now >= l.expires_at {
                        l.state = Expired;
                        fx.push(LicenseEffect::Expired);
                    } else {
                        l.state = Active;
                        fx.push(LicenseEffect::Reactivated);
                    }
                }
                Pending | Active => {}
                s => return Err(Refused::NotAllowed(s)),
            },
            LicenseEvent::Recertified { completed_at } => {
                l.expires_at = completed_at.saturating_add(policy.term_secs);
                fx.push(LicenseEffect::Recertified);
                if l.state == Expired && now < l.expires_at {
                    l.state = Active;
                    l.activity_at = now;
                    fx.push(LicenseEffect::Reactivated);
                }
            }
            LicenseEvent::Delete => {
                l.state = Deleted;
                fx.push(LicenseEffect::Deleted);
            }
        }
        Ok((l, fx))
    }

    /// Applies the passage of time up to `now`: each change happens at the moment it was due,
    /// whatever the time the job runs, so running late or twice gives the same result.
    fn tick(self, policy: &LicensePolicy, now: i64) -> (License, Vec<LicenseEffect>) {
        use LicenseState::*;
        let mut l = self;
        let mut fx = Vec::new();
        loop {
            match l.state {
                Pending | Active => {
                    let inactive_at = l.activity_at.saturating_add(policy.inactivity_secs);
                    let first = inactive_at.min(l.expires_at);
                    if first > now {
                        break;
                    }
                    if inactive_at <= l.expires_at {
                        l.state = Inactive;
                        l.inactive_since = Some(inactive_at);
                        l.inactive_reason = Some(InactiveReason::NoSignIn);
                        fx.push(LicenseEffect::Inactivated(InactiveReason::NoSignIn));
                    } else {
                        l.state = Expired;
                        fx.push(LicenseEffect::Expired);
                    }
                }
                Inactive => {
                    let since = l.inactive_since.unwrap_or(l.activity_at);
                    if since.saturating_add(policy.delete_after_inactive_secs) <= now {
                        l.state = Deleted;
                        fx.push(LicenseEffect::Deleted);
                    }
                    break;
                }
                Expired | Deleted => break,
            }
        }
        (l, fx)
    }

    /// Warnings due at `now` (at most one of each kind: the nearest expiry warning).
    pub fn due_notices(&self, policy: &LicensePolicy, now: i64) -> Vec<Notice> {
        let mut out = Vec::new();
        if !self.can_sign_in() {
            return out;
        }
        let inactive_at = self.activity_at.saturating_add(policy.inactivity_secs);
        if now < inactive_at && now >= inactive_at - policy.inactivity_warning_secs && inactive_at <= self.expires_at {
            out.push(Notice {
                kind: NoticeKind::InactivityWarning,
                period_key: format!("inactivity:{}", self.activity_at),
                at: inactive_at,
            });
        }
        let nearest = policy
            .expiry_warning_days
            .iter()
            .copied()
            .filter(|d| now >= self.expires_at - d * DAY && now < self.expires_at)
            .min();
        if let Some(d) = nearest {
            out.push(Notice {
                kind: NoticeKind::ExpiryWarning { days_before: d },
                period_key: format!("expiry{d}:{}", self.expires_at),
                at: self.expires_at,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p() -> LicensePolicy {
        LicensePolicy::default()
    }

    #[test]
    fn a_new_license_is_pending_and_signs_in_to_active() {
        let l = License::new(&p(), 0);
        assert_eq!(l.state, LicenseState::Pending);
        let (l, fx) = l.apply(&p(), LicenseEvent::SignedIn, 10).unwrap();
        assert_eq!(l.state, LicenseState::Active);
        assert_eq!(fx, vec![LicenseEffect::Activated]);
    }

    #[test]
    fn thirty_one_days_without_sign_in_inactivates() {
        let (l, _) = License::new(&p(), 0).apply(&p(), LicenseEvent::SignedIn, 0).unwrap();
        let (t, fx) = l.apply(&p(), LicenseEvent::Tick, 31 * DAY).unwrap();
        assert_eq!(t.state, LicenseState::Inactive);
        assert_eq!(t.inactive_since, Some(30 * DAY));
        assert_eq!(fx, vec![LicenseEffect::Inactivated(InactiveReason::NoSignIn)]);
        assert_eq!(l.apply(&p(), LicenseEvent::SignedIn, 31 * DAY), Err(Refused::NotAllowed(LicenseState::Inactive)));
    }

    #[test]
    fn inactive_for_ninety_more_days_is_deleted() {
        let l = License::new(&p(), 0);
        let (t, _) = l.apply(&p(), LicenseEvent::Tick, 120 * DAY).unwrap();
        assert_eq!(t.state, LicenseState::Deleted);
        let (t, _) = l.apply(&p(), LicenseEvent::Tick, 119 * DAY).unwrap();
        assert_eq!(t.state, LicenseState::Inactive);
    }

    #[test]
    fn missed_recertification_expires_and_recertifying_restores() {
        let mut l = License::new(&p(), 0);
        // Signs in every 20 days for a year.
        let mut t = 0;
        while t < 364 * DAY {
            t += 20 * DAY;
            if t >= 365 * DAY {
                break;
            }
            l = l.apply(&p(), LicenseEvent::SignedIn, t).unwrap().0;
        }
        let (e, _) = l.apply(&p(), LicenseEvent::Tick, 366 * DAY).unwrap();
        assert_eq!(e.state, LicenseState::Expired);
        let (r, fx) = e.apply(&p(), LicenseEvent::Recertified { completed_at: 367 * DAY }, 367 * DAY).unwrap();
        assert_eq!(r.state, LicenseState::Active);
        assert_eq!(r.expires_at, 367 * DAY + 365 * DAY);
        assert!(fx.contains(&LicenseEffect::Reactivated));
    }

    #[test]
    fn reactivation_restores_sign_in_and_restarts_the_window() {
        let (l, _) = License::new(&p(), 0).apply(&p(), LicenseEvent::Inactivate, 5).unwrap();
        assert!(!l.can_sign_in());
        let (r, _) = l.apply(&p(), LicenseEvent::Reactivate, 50 * DAY).unwrap();
        assert!(r.can_sign_in());
        assert_eq!(r.activity_at, 50 * DAY);
    }

    #[test]
    fn warnings_come_five_days_before_inactivity_and_before_expiry() {
        let (l, _) = License::new(&p(), 0).apply(&p(), LicenseEvent::SignedIn, 0).unwrap();
        assert!(l.due_notices(&p(), 24 * DAY).is_empty());
        let n = l.due_notices(&p(), 25 * DAY);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::InactivityWarning);
        let l = License { activity_at: 340 * DAY, ..l };
        let n = l.due_notices(&p(), 336 * DAY);
        assert_eq!(n.iter().map(|x| x.kind).collect::<Vec<_>>(), vec![NoticeKind::ExpiryWarning { days_before: 30 }]);
        let n = l.due_notices(&p(), 359 * DAY);
        assert!(n.iter().any(|x| x.kind == NoticeKind::ExpiryWarning { days_before: 7 }));
    }

    fn event() -> impl Strategy<Value = LicenseEvent> {
        prop_oneof![
            4 => Just(LicenseEvent::SignedIn),
            4 => Just(LicenseEvent::Tick),
            1 => Just(LicenseEvent::Inactivate),
            1 => Just(LicenseEvent::Reactivate),
            1 => (0i64..800).prop_map(|d| LicenseEvent::Recertified { completed_at: d * DAY }),
            1 => Just(LicenseEvent::Delete),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn deleted_is_terminal(events in proptest::collection::vec((event(), 0i64..40), 0..30)) {
            let mut l = License::new(&p(), 0);
            let mut now = 0;
            let mut deleted = false;
            for (e, gap) in events {
                now += gap * DAY;
                if let Ok((n, _)) = l.apply(&p(), e, now) { l = n; }
                if deleted { prop_assert_eq!(l.state, LicenseState::Deleted); }
                deleted |= l.state == LicenseState::Deleted;
            }
        }

        /// The job is idempotent and path-independent: ticking at t1 then t2 equals ticking at t2.
        #[test]
        fn the_job_is_idempotent(events in proptest::collection::vec((event(), 0i64..40), 0..20), t1 in 0i64..400, extra in 0i64..400) {
            let mut l = License::new(&p(), 0);
            let mut now = 0;
            for (e, gap) in events {
                now += gap * DAY;
                if let Ok((n, _)) = l.apply(&p(), e, now) { l = n; }
            }
            let a = now + t1 * DAY;
            let b = a + extra * DAY;
            let once = l.apply(&p(), LicenseEvent::Tick, a).unwrap().0;
            let twice = once.apply(&p(), LicenseEvent::Tick, a).unwrap().0;
            prop_assert_eq!(once, twice);
            let stepwise = once.apply(&p(), LicenseEvent::Tick, b).unwrap().0;
            let direct = l.apply(&p(), LicenseEvent::Tick, b).unwrap().0;
            prop_assert_eq!(stepwise, direct);
        }

        #[test]
        fn only_pending_and_active_sign_in(events in proptest::collection::vec((event(), 0i64..40), 0..30)) {
            let mut l = License::new(&p(), 0);
            let mut now = 0;
            for (e, gap) in events {
                now += gap * DAY;
                let before = l.apply(&p(), LicenseEvent::Tick, now).unwrap().0;
                let r = l.apply(&p(), LicenseEvent::SignedIn, now);
                prop_assert_eq!(r.is_ok(), before.can_sign_in());
                if let Ok((n, _)) = l.apply(&p(), e, now) { l = n; }
            }
        }
    }
}
