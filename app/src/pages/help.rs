//! `/help/sign-in`: the five reasons a person may still be unable to sign in (the help article),
//! and what to do about each. Public: it says nothing about any particular account.

use leptos::prelude::*;

use crate::Document;

pub fn page(max_failures: u32) -> Document {
    Document::new(
        "Why can't I sign in?",
        view! {
            <h1>"Still can't sign in?"</h1>
            <p>"First try " <a href="/forgot-password">"Forgot password?"</a>
               ": enter your username, open the email we send (check Spam/Junk too) and choose a new password. "
               "If that does not work, one of these is the likely reason. The email we send you says which one applies."</p>
            <h2>"1. Your license has not been created yet"</h2>
            <p>"New users: your Agency Administrator submits your New User License Worksheet, your signed User Agreement and Code of Ethics, and a New User Account help desk request. Check with them that it was sent."</p>
            <h2>{format!("2. Your account is locked after {max_failures} unsuccessful attempts")}</h2>
            <p>"Ask your Agency Administrator to reset your password, or submit a Request New Password help desk request. Tip: use Forgot password? after one or two failed attempts, before the account locks."</p>
            <h2>"3. Your license expired"</h2>
            <p>"Licenses expire when the annual recertification training is not completed in time. Complete the required recertification courses in the HMIS Learning Center (see the HMIS Training Grid), fill in the User License Recertification Worksheet, and submit a help desk request to reactivate your account with the worksheet attached."</p>
            <h2>"4. Your license was inactivated"</h2>
            <p>"After a leave of absence, or more than 30 days without signing in, the license is inactivated. Ask your Agency Administrator to submit a Reactivate License help desk request. If it is not reactivated in time, it is deleted."</p>
            <h2>"5. Your license was deleted"</h2>
            <p>"After a long time inactive, or when you leave an agency, the license is deleted. Follow the new user process: your Agency Administrator submits a New User License help desk request."</p>
            <p class="secondary-action"><a href="/login">"Back to sign in"</a></p>
        },
    )
}
