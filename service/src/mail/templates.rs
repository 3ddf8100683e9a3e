//! Email bodies: minijinja templates (text and HTML, HTML auto-escaped) with the subject, which
//! carries the date and time so several reset emails can be told apart in an inbox.

use minijinja::{context, Environment};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// A rendered email.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The templates, compiled once per process.
fn env() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(build_env)
}

fn build_env() -> Environment<'static> {
    let mut env = Environment::new();
    // Templates are compiled into the binary: nothing to find at run time.
    let templates = [
        ("reset_link.txt", include_str!("../../templates/reset_link.txt")),
        ("reset_link.html", include_str!("../../templates/reset_link.html")),
        ("password_changed.txt", include_str!("../../templates/password_changed.txt")),
        ("password_changed.html", include_str!("../../templates/password_changed.html")),
        ("notice.txt", include_str!("../../templates/notice.txt")),
        ("notice.html", include_str!("../../templates/notice.html")),
    ];
    for (name, src) in templates {
        // Static templates: a syntax error is a build defect caught by the tests below.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(error = %e, template = name, "email template does not compile");
        }
    }
    env
}

/// "3 Dec 2026 17:40 UTC" in the configured IANA time zone (unknown names fall back to UTC).
pub fn human_time(unix: i64, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) => ts.to_zoned(zone).strftime("%-d %b %Y %H:%M %Z").to_string(),
        Err(_) => unix.to_string(),
    }
}

/// "3 Dec 2026" in the configured time zone.
pub fn human_date(unix: i64, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) => ts.to_zoned(zone).strftime("%-d %b %Y").to_string(),
        Err(_) => unix.to_string(),
    }
}

/// RFC 2822 date for the Date header.
pub fn rfc2822(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
        .unwrap_or_default()
}

/// The text and HTML parts of template `stem` (`stem.txt`, `stem.html`) with one context.
fn render_both(stem: &str, subject: String, ctx: minijinja::Value) -> Result<Rendered> {
    Ok(Rendered {
        text: render(&format!("{stem}.txt"), ctx.clone())?,
        html: render(&format!("{stem}.html"), ctx)?,
        subject,
    })
}

fn render(name: &str, ctx: minijinja::Value) -> Result<String> {
    let t = env()
        .get_template(name).map_err(|e| Error::Internal(format!("template {name}: {e}")))?;
    t.render(ctx).map_err(|e| Error::Internal(format!("template {name}: {e}")))
}

/// A plain notice: paragraphs and at most one action link.
pub struct Notice {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub action: Option<(String, String)>,
}

pub fn notice(name: &str, sender_name: &str, n: &Notice) -> Result<Rendered> {
    let (label, url) = n.action.clone().unwrap_or_default();
    let ctx = context! {
        subject => &n.subject, name => name, paragraphs => &n.paragraphs, sender_name => sender_name,
        action_label => label, action_url => if url.is_empty() { None } else { Some(url) },
    };
    render_both("notice", n.subject.clone(), ctx)
}

pub struct ResetLink<'a> {
    pub name: &'a str,
    pub username: &'a str,
    pub link: &'a str,
    pub forgot_url: &'a str,
    pub ttl_minutes: i64,
    pub now: i64,
    pub expires_at: i64,
    pub sender_name: &'a str,
    pub tz: &'a str,
}

pub fn reset_link(r: &ResetLink<'_>) -> Result<Rendered> {
    let subject = format!("Reset your HMIS password (requested {})", human_time(r.now, r.tz));
    let ctx = context! {
        subject => &subject, name => r.name, username => r.username, link => r.link,
        forgot_url => r.forgot_url, ttl_minutes => r.ttl_minutes,
        expires_at => human_time(r.expires_at, r.tz), sender_name => r.sender_name,
    };
    render_both("reset_link", subject, ctx)
}

pub struct PasswordChanged<'a> {
    pub name: &'a str,
    pub username: &'a str,
    pub forgot_url: &'a str,
    pub changed_at: i64,
    pub sender_name: &'a str,
    pub tz: &'a str,
}

pub fn password_changed(p: &PasswordChanged<'_>) -> Result<Rendered> {
    let subject = format!("Your HMIS password was changed ({})", human_time(p.changed_at, p.tz));
    let ctx = context! {
        subject => &subject, name => p.name, username => p.username, forgot_url => p.forgot_url,
        changed_at => human_time(p.changed_at, p.tz), sender_name => p.sender_name,
    };
    render_both("password_changed", subject, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> ResetLink<'_> {
        ResetLink {
            name,
            username: "alice",
            link: "https://app.example.com/reset-password?token=abc",
            forgot_url: "https://app.example.com/forgot-password",
            ttl_minutes: 15,
            now: 1_796_320_000,
            expires_at: 1_796_320_900,
            sender_name: "Community Services (ServicePoint)",
            tz: "UTC",
        }
    }

    #[test]
    fn reset_email_has_link_expiry_and_what_to_do_in_both_parts() {
        let r = reset_link(&sample("Alice Smith")).unwrap();
        assert!(r.subject.starts_with("Reset your HMIS password (requested "));
        // minijinja escapes "/" in HTML as &#x2f;, which browsers decode (also inside href).
        let html = r.html.replace("&#x2f;", "/");
        for body in [&r.text, &html] {
            assert!(body.contains("https://app.example.com/reset-password?token=abc"), "{body}");
            assert!(body.contains("15 minutes"));
            assert!(body.contains("did not ask"));
        }
    }

    #[test]
    fn html_part_escapes_names() {
        let r = reset_link(&sample("<script>x</script>")).unwrap();
        assert!(!r.html.contains("<script>x"));
        assert!(r.text.contains("<script>x</script>"), "text part is not HTML");
    }

    #[test]
    fn times_are_shown_in_the_configured_zone() {
        assert_eq!(human_time(1_796_320_000, "UTC"), "3 Dec 2026 17:46 UTC");
        assert_eq!(human_time(1_796_320_000, "America/New_York"), "3 Dec 2026 12:46 EST");
        assert_eq!(human_time(1_796_320_000, "Not/AZone"), "3 Dec 2026 17:46 UTC");
    }

    #[test]
    fn notices_render_paragraphs_and_the_action() {
        let r = notice(
            "Alice",
            "Community Services",
            &Notice { subject: "S".into(), paragraphs: vec!["One.".into(), "Two & three.".into()], action: Some(("Go".into(), "https://x.example/a".into())) },
        )
        .unwrap();
        assert!(r.text.contains("One.\n\nTwo & three."), "{}", r.text);
        assert!(r.text.contains("Go: https://x.example/a"));
        assert!(r.html.contains("Two &amp; three."));
    }

    #[test]
    fn password_changed_email_renders() {
        let r = password_changed(&PasswordChanged {
            name: "Alice",
            username: "alice",
            forgot_url: "https://app.example.com/forgot-password",
            changed_at: 1_796_320_000,
            sender_name: "Community Services",
            tz: "UTC",
        })
        .unwrap();
        assert!(r.text.contains("was changed at"));
        assert!(r.html.contains("Reset your password now"));
    }
}
