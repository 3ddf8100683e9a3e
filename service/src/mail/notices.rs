//! What each email says, besides the reset link and the password-changed notice: the lock
//! notification, the private "why can't I sign in?" answers to a forgot-password request, the
//! lifecycle warnings, and the email-change notices. Wording follows the help article (who to
//! ask, which help-desk request, the recertification steps).

use domain::license::{InactiveReason, LicenseState};

use super::templates::{human_date, human_time, Notice};
use crate::config::Settings;
use crate::store::account::Account;

/// Every kind of queued email, as stored in `outbox_message.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ResetLink,
    PasswordChanged,
    /// The account just got locked (sent to the owner).
    AccountLocked,
    /// Answers to a forgot-password request when no link can be sent.
    StateLocked,
    StateExpired,
    StateInactive,
    StateDeleted,
    InactivityWarning,
    ExpiryWarning(i64),
    LicenseInactivated,
    LicenseExpired,
    LicenseDeleted,
    EmailChangedOld,
    EmailChangedNew,
}

impl Kind {
    pub fn as_str(self) -> String {
        match self {
            Kind::ResetLink => "reset_link".into(),
            Kind::PasswordChanged => "password_changed".into(),
            Kind::AccountLocked => "account_locked".into(),
            Kind::StateLocked => "state_locked".into(),
            Kind::StateExpired => "state_expired".into(),
            Kind::StateInactive => "state_inactive".into(),
            Kind::StateDeleted => "state_deleted".into(),
            Kind::InactivityWarning => "inactivity_warning".into(),
            Kind::ExpiryWarning(d) => format!("expiry_warning:{d}"),
            Kind::LicenseInactivated => "license_inactivated".into(),
            Kind::LicenseExpired => "license_expired".into(),
            Kind::LicenseDeleted => "license_deleted".into(),
            Kind::EmailChangedOld => "email_changed_old".into(),
            Kind::EmailChangedNew => "email_changed_new".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "reset_link" => Kind::ResetLink,
            "password_changed" => Kind::PasswordChanged,
            "account_locked" => Kind::AccountLocked,
            "state_locked" => Kind::StateLocked,
            "state_expired" => Kind::StateExpired,
            "state_inactive" => Kind::StateInactive,
            "state_deleted" => Kind::StateDeleted,
            "inactivity_warning" => Kind::InactivityWarning,
            "license_inactivated" => Kind::LicenseInactivated,
            "license_expired" => Kind::LicenseExpired,
            "license_deleted" => Kind::LicenseDeleted,
            "email_changed_old" => Kind::EmailChangedOld,
            "email_changed_new" => Kind::EmailChangedNew,
            other => Kind::ExpiryWarning(other.strip_prefix("expiry_warning:")?.parse().ok()?),
        })
    }

    /// The forgot-password answer for an account that cannot get a link, if any. A lock hides
    /// every other state.
    pub fn for_blocked_reset(state: LicenseState, locked: bool) -> Option<Kind> {
        if locked {
            return Some(Kind::StateLocked);
        }
        match state {
            LicenseState::Pending | LicenseState::Active => None,
            LicenseState::Expired => Some(Kind::StateExpired),
            LicenseState::Inactive => Some(Kind::StateInactive),
            LicenseState::Deleted => Some(Kind::StateDeleted),
        }
    }
}

const LOCKED_STEPS: &str = "To get back in, ask your Agency Administrator to reset your password, or submit a \"Request New Password\" help desk request.";
const RECERT_STEPS: &str = "To reactivate it: 1. complete the required recertification courses in the HMIS Learning Center (see the HMIS Training Grid); 2. download and complete the User License Recertification Worksheet; 3. submit a help desk request to have your account reactivated, with the worksheet attached.";
const REACTIVATE_STEPS: &str = "Ask your Agency Administrator to submit a \"Reactivate License\" help desk request.";
const NEW_USER_STEPS: &str = "To get access again, follow the new user process: ask your Agency Administrator to submit a \"New User License\" help desk request.";

fn inactive_why(a: &Account) -> &'static str {
    match a.license().inactive_reason {
        Some(InactiveReason::LeaveOfAbsence) => "was inactivated for a leave of absence",
        _ => "was inactivated because there was no sign-in for more than 30 days",
    }
}

/// The text of a notice email (every kind but the reset link and the password-changed email).
pub fn compose(kind: Kind, a: &Account, s: &Settings, created_at: i64) -> Option<Notice> {
    let tz = s.timezone.as_str();
    let user = format!("\"{}\"", a.username);
    let l = a.license_at(&s.license, created_at);
    let deletion = l.inactive_since.map(|t| human_date(t + s.license.delete_after_inactive_secs, tz));
    let sign_in = Some(("Sign in".to_string(), s.link("/login")));
    let n = match kind {
        Kind::ResetLink | Kind::PasswordChanged => return None,
        Kind::AccountLocked => Notice {
            subject: "Your HMIS account is locked".into(),
            paragraphs: vec![
                format!("Your HMIS account {user} was locked at {} after {} unsuccessful sign-in attempts.", human_time(created_at, tz), s.lockout.max_failures),
                LOCKED_STEPS.into(),
                if s.lockout.reset_unlocks { "You can also use \"Forgot password?\" on the sign-in page: choosing a new password unlocks the account.".into() } else { "The \"Forgot password?\" link cannot unlock a locked account.".into() },
                "If these attempts were not yours, tell your Agency Administrator: someone may be trying to guess your password.".into(),
            ],
            action: None,
        },
        Kind::StateLocked => Notice {
            subject: "About your HMIS password reset request".into(),
            paragraphs: vec![
                format!("Someone (we hope you) asked to reset the password of the HMIS account {user}. The account is locked after {} unsuccessful sign-in attempts, so no reset link can be sent.", s.lockout.max_failures),
                LOCKED_STEPS.into(),
                "If you did not ask for this, you can ignore this email.".into(),
            ],
            action: None,
        },
        Kind::StateExpired => Notice {
            subject: "About your HMIS password reset request".into(),
            paragraphs: vec![
                format!("Someone (we hope you) asked to reset the password of the HMIS account {user}. Your HMIS license expired on {} because the annual recertification training was not completed, so no reset link can be sent.", human_date(l.expires_at, tz)),
                RECERT_STEPS.into(),
                "If you did not ask for this, you can ignore this email.".into(),
            ],
            action: None,
        },
        Kind::StateInactive => Notice {
            subject: "About your HMIS password reset request".into(),
            paragraphs: vec![
                format!("Someone (we hope you) asked to reset the password of the HMIS account {user}. Your HMIS license {}, so no reset link can be sent.", inactive_why(a)),
                REACTIVATE_STEPS.into(),
                match &deletion { Some(d) => format!("If it is not reactivated by {d}, it will be deleted."), None => "If it is not reactivated in time, it will be deleted.".into() },
                "If you did not ask for this, you can ignore this email.".into(),
            ],
            action: None,
        },
        Kind::StateDeleted => Notice {
            subject: "About your HMIS password reset request".into(),
            paragraphs: vec![
                format!("Someone (we hope you) asked to reset the password of the HMIS account {user}. That HMIS license was deleted (because of ongoing lack of activity, or because you left an agency), so no reset link can be sent."),
                NEW_USER_STEPS.into(),
                "If you did not ask for this, you can ignore this email.".into(),
            ],
            action: None,
        },
        Kind::InactivityWarning => {
            let at = l.activity_at + s.license.inactivity_secs;
            Notice {
                subject: format!("Sign in to the HMIS before {} to keep your license active", human_date(at, tz)),
                paragraphs: vec![
                    format!("The HMIS account {user} has not been used since {}. Licenses are inactivated after 30 days without a sign-in.", human_date(l.activity_at, tz)),
                    format!("Sign in before {} to keep your license active. An inactive license needs a \"Reactivate License\" help desk request from your Agency Administrator.", human_time(at, tz)),
                ],
                action: sign_in,
            }
        }
        Kind::ExpiryWarning(days) => Notice {
            subject: format!("Your HMIS license expires on {} ({days} days)", human_date(l.expires_at, tz)),
            paragraphs: vec![
                format!("The HMIS license of {user} expires on {} unless the annual recertification is completed before then.", human_date(l.expires_at, tz)),
                "To recertify: complete the required recertification courses in the HMIS Learning Center (see the HMIS Training Grid), then complete the User License Recertification Worksheet and submit it with a help desk request.".into(),
            ],
            action: None,
        },
        Kind::LicenseInactivated => Notice {
            subject: "Your HMIS license is now inactive".into(),
            paragraphs: vec![
                format!("The HMIS license of {user} {}. You cannot sign in until it is reactivated.", inactive_why(a)),
                REACTIVATE_STEPS.into(),
                match &deletion { Some(d) => format!("If it is not reactivated by {d}, it will be deleted."), None => "If it is not reactivated in time, it will be deleted.".into() },
            ],
            action: None,
        },
        Kind::LicenseExpired => Notice {
            subject: "Your HMIS license has expired".into(),
            paragraphs: vec![
                format!("The HMIS license of {user} expired on {} because the annual recertification training was not completed. You cannot sign in until it is reactivated.", human_date(l.expires_at, tz)),
                RECERT_STEPS.into(),
            ],
            action: None,
        },
        Kind::LicenseDeleted => Notice {
            subject: "Your HMIS license was deleted".into(),
            paragraphs: vec![
                format!("The HMIS license of {user} was deleted because it stayed inactive too long."),
                NEW_USER_STEPS.into(),
            ],
            action: None,
        },
        Kind::EmailChangedOld => Notice {
            subject: "The email address on your HMIS account was changed".into(),
            paragraphs: vec![
                format!("The email address on file for the HMIS account {user} was changed at {} to {}. Emails about this account will now go there.", human_time(created_at, tz), mask_email(&a.email)),
                "If you did not ask for this, contact your Agency Administrator or the HMIS help desk straight away.".into(),
            ],
            action: None,
        },
        Kind::EmailChangedNew => Notice {
            subject: "This is now the email address of your HMIS account".into(),
            paragraphs: vec![
                format!("This address is now the email address on file for the HMIS account {user}. Password reset links and notices will come here."),
                "If you do not use the HMIS, contact the HMIS help desk.".into(),
            ],
            action: sign_in,
        },
    };
    Some(n)
}

/// `a***@example.org`: enough for the owner to recognise, not enough to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in [Kind::ResetLink, Kind::StateExpired, Kind::ExpiryWarning(7), Kind::EmailChangedNew, Kind::AccountLocked] {
            assert_eq!(Kind::parse(&k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn emails_are_masked() {
        assert_eq!(mask_email("alice@example.org"), "a***@example.org");
    }
}
