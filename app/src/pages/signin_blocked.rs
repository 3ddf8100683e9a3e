//! Pages shown after a sign-in that was refused for a reason the person may know: the right
//! password on an expired or inactive license, an expired one-time password, or too many
//! failed attempts from one network.

use leptos::prelude::*;

use crate::Document;

/// Why the right password did not sign the person in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Expired,
    Inactive,
    OneTimePasswordExpired,
}

pub fn page(why: Blocked) -> Document {
    let (heading, text, next): (&'static str, &'static str, &'static str) = match why {
        Blocked::Expired => (
            "Your HMIS license has expired",
            "Your password is right, but your license expired because the annual recertification training was not completed in time.",
            "To reactivate it: complete the required recertification courses in the HMIS Learning Center (see the HMIS Training Grid), fill in the User License Recertification Worksheet, and submit a help desk request to reactivate your account with the worksheet attached.",
        ),
        Blocked::Inactive => (
            "Your HMIS license is inactive",
            "Your password is right, but your license was inactivated (after a leave of absence, or more than 30 days without signing in).",
            "Ask your Agency Administrator to submit a Reactivate License help desk request. If it is not reactivated in time, it will be deleted.",
        ),
        Blocked::OneTimePasswordExpired => (
            "Your one-time password has expired",
            "One-time passwords work for a limited time.",
            "Ask your Agency Administrator for a new one, or use Forgot password? to choose your own.",
        ),
    };
    Document::new(
        heading,
        view! {
            <h1>{heading}</h1>
            <p data-blocked=format!("{why:?}")>{text}</p>
            <p>{next}</p>
            <p class="secondary-action"><a href="/help/sign-in">"Why can't I sign in?"</a></p>
            <p><a href="/login">"Back to sign in"</a></p>
        },
    )
}

pub fn throttled_page(retry_minutes: i64) -> Document {
    Document::new(
        "Too many attempts",
        view! {
            <h1>"Too many attempts"</h1>
            <p>{format!("There were too many attempts from this network. Please wait {} and try again.", if retry_minutes <= 1 { "a minute".to_string() } else { format!("{retry_minutes} minutes") })}</p>
            <p>"If you have forgotten your password, use " <a href="/forgot-password">"Forgot password?"</a> " instead."</p>
        },
    )
}
