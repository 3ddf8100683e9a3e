//! Lockout after repeated failed sign-ins, kept apart from the license state (an account can be
//! locked and expired at once; a lock hides everything else).
//!
//! Rules: the help article ("The system allows 3 bad login attempts before it will lock you out";
//! only the Agency Administrator or the help desk unlocks), ASVS 2.2.1 (anti-automation; lockout
//! itself can be abused, hence the optional timed unlock), and HMIS practice that a self-service
//! reset does not unlock unless configured. Pure: time is passed in.

use serde::{Deserialize, Serialize};

/// How lockout behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock the account (HMIS: 3).
    pub max_failures: u32,
    /// Seconds after which a lock lifts by itself; `None` = only an administrator unlocks.
    pub duration_secs: Option<i64>,
    /// Whether a completed self-service reset also unlocks (HMIS: no).
    pub reset_unlocks: bool,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { max_failures: 3, duration_secs: None, reset_unlocks: false }
    }
}

/// The lockout part of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LockState {
    /// Consecutive failed sign-ins since the last success or unlock.
    pub failures: u32,
    /// When the account was locked; `None` = not locked.
    pub locked_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockEvent {
    /// A wrong password was checked against the stored hash.
    Failure,
    /// The right password was given while not locked.
    Success,
    /// An administrator unlocked the account.
    AdminUnlock,
    /// The password was set through a reset link.
    ResetCompleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockEffect {
    /// The account just became locked: notify the owner.
    Locked,
    /// The account was unlocked.
    Unlocked,
}

impl LockState {
    /// True when the account is locked at `now` (a timed lock has lifted once its time passed).
    pub fn is_locked(&self, policy: &LockoutPolicy, now: i64) -> bool {
        match (self.locked_at, policy.duration_secs) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(d)) => now < at.saturating_add(d),
        }
    }

    /// The state after `event` at `now`, and what must happen because of it.
    pub fn apply(self, policy: &LockoutPolicy, event: LockEvent, now: i64) -> (LockState, Vec<LockEffect>) {
        // A timed lock that has lifted starts a fresh count.
        let current = if self.locked_at.is_some() && !self.is_locked(policy, now) {
            LockState::default()
        } else {
            self
        };
        match event {
            LockEvent::Failure => {
                if current.is_locked(policy, now) {
                    return (current, vec![]);
                }
                let failures = current.failures.saturating_add(1);
                if failures >= policy.max_failures.max(1) {
                    (LockState { failures, locked_at: Some(now) }, vec![LockEffect::Locked])
                } else {
                    (LockState { failures, locked_at: None }, vec![])
                }
            }
            LockEvent::Success => {
                if current.is_locked(policy, now) {
                    // A locked account cannot succeed; callers never check the hash then.
                    (current, vec![])
                } else {
                    (LockState::default(), vec![])
                }
            }
            LockEvent::AdminUnlock => {
                let effects = if current.locked_at.is_some() { vec![LockEffect::Unlocked] } else { vec![] };
                (LockState::default(), effects)
            }
            LockEvent::ResetCompleted => {
                if current.is_locked(policy, now) {
                    if policy.reset_unlocks {
                        (LockState::default(), vec![LockEffect::Unlocked])
                    } else {
                        (current, vec![])
                    }
                } else {
                    (LockState::default(), vec![])
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HMIS: LockoutPolicy = LockoutPolicy { max_failures: 3, duration_secs: None, reset_unlocks: false };

    #[test]
    fn locks_after_third_failure() {
        let mut s = LockState::default();
        for i in 1..=3 {
            let (n, eff) = s.apply(&HMIS, LockEvent::Failure, 100);
            s = n;
            assert_eq!(s.is_locked(&HMIS, 100), i == 3);
            assert_eq!(eff.contains(&LockEffect::Locked), i == 3);
        }
    }

    #[test]
    fn success_resets_the_count() {
        let (s, _) = LockState::default().apply(&HMIS, LockEvent::Failure, 1);
        let (s, _) = s.apply(&HMIS, LockEvent::Failure, 2);
        let (s, _) = s.apply(&HMIS, LockEvent::Success, 3);
        assert_eq!(s, LockState::default());
    }

    #[test]
    fn a_timed_lock_lifts_and_starts_a_fresh_count() {
        let p = LockoutPolicy { duration_secs: Some(900), ..HMIS };
        let s = LockState { failures: 3, locked_at: Some(1000) };
        assert!(s.is_locked(&p, 1899));
        assert!(!s.is_locked(&p, 1900));
        let (n, _) = s.apply(&p, LockEvent::Failure, 1900);
        assert_eq!(n, LockState { failures: 1, locked_at: None });
    }

    #[test]
    fn reset_unlocks_only_when_configured() {
        let s = LockState { failures: 3, locked_at: Some(1) };
        assert!(s.apply(&HMIS, LockEvent::ResetCompleted, 5).0.is_locked(&HMIS, 5));
        let p = LockoutPolicy { reset_unlocks: true, ..HMIS };
        assert!(!s.apply(&p, LockEvent::ResetCompleted, 5).0.is_locked(&p, 5));
    }

    fn event() -> impl Strategy<Value = LockEvent> {
        prop_oneof![
            6 => Just(LockEvent::Failure),
            2 => Just(LockEvent::Success),
            1 => Just(LockEvent::AdminUnlock),
            1 => Just(LockEvent::ResetCompleted),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Under the HMIS policy a lock ends only through an unlock event.
        #[test]
        fn never_unlocked_without_an_unlock_event(events in proptest::collection::vec(event(), 0..40)) {
            let mut s = LockState::default();
            for (t, e) in events.into_iter().enumerate() {
                let was = s.is_locked(&HMIS, t as i64);
                let (n, eff) = s.apply(&HMIS, e, t as i64);
                if was && !n.is_locked(&HMIS, t as i64) {
                    prop_assert_eq!(e, LockEvent::AdminUnlock);
                    prop_assert!(eff.contains(&LockEffect::Unlocked));
                }
                s = n;
            }
        }

        /// The lock happens exactly at the max-th consecutive failure.
        #[test]
        fn locked_iff_enough_consecutive_failures(events in proptest::collection::vec(event(), 0..40), max in 1u32..6) {
            let p = LockoutPolicy { max_failures: max, ..HMIS };
            let mut s = LockState::default();
            let mut streak = 0u32;
            let mut locked = false;
            for (t, e) in events.into_iter().enumerate() {
                match e {
                    LockEvent::Failure => if !locked { streak += 1; if streak >= max { locked = true; } },
                    LockEvent::Success => if !locked { streak = 0; },
                    LockEvent::AdminUnlock => { streak = 0; locked = false; },
                    LockEvent::ResetCompleted => if !locked { streak = 0; },
                }
                s = s.apply(&p, e, t as i64).0;
                prop_assert_eq!(s.is_locked(&p, t as i64), locked);
            }
        }
    }
}
