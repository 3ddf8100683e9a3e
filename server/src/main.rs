//! The `hmis-access` binary: parses the command line and runs the chosen command.

use std::io::{BufRead, Read};
use std::process::ExitCode;

use clap::Parser;
use server::cli::{Cli, Command, LifecycleCommand, MailCommand, OutboxCommand, PasswordCommand, SettingsArgs, Target, UserCommand};
use server::AppState;
use service::use_cases::{Actor, NewUser};
use service::{Error, Service};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.settings.log);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.settings).await,
        Command::User(cmd) => user(&cli.settings, cmd).await,
        Command::Password(PasswordCommand::Check { username, email, full_name, agency }) => {
            password_check(&cli.settings, domain::password::UserInputs { username, email, full_name, agency })
        }
        Command::Lifecycle(LifecycleCommand::Run) => lifecycle_run(&cli.settings).await,
        Command::Mail(cmd) => mail(&cli.settings, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("hmis-access: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: log files and journald get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(std::io::stderr).init();
}

async fn start_service(args: &SettingsArgs) -> Result<Service, String> {
    let settings = args.to_settings().map_err(|e| e.to_string())?;
    tracing::debug!(?settings, "settings");
    Service::start(settings).await.map_err(|e| describe(&e))
}

/// A one-line description of an error with its causes, for start-up failures.
fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let text = c.to_string();
        // thiserror's `#[error("…: {0}")]` already includes its source: do not repeat it.
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        src = c.source();
    }
    s
}

async fn serve(args: &SettingsArgs) -> Result<(), String> {
    let service = start_service(args).await?;
    let settings = service.settings().clone();
    let addr = args.listen_addr();
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    if settings.dev {
        if let Some(name) = service.ensure_demo_account().await.map_err(|e| describe(&e))? {
            tracing::info!("created the demo account {name:?}");
        }
        println!(
            "\nhmis-access local mode\n  open     {url}login\n  try it:  {url}forgot-password with the username \"demo\",\n           then open the link from {url}dev/mailbox\n  emails:  {mailer}\n",
            url = settings.public_url,
            mailer = service.mailer().describe()
        );
    }
    let assets = server::web::install_asset_manifest(&args.site_root)?;
    tracing::info!(stylesheet = %assets.stylesheet, meter = %assets.meter_js, "static assets");
    tracing::info!(listen = %addr, public_url = %settings.public_url, mail = %service.mailer().describe(), hash_workers = service.hashing().workers(), "listening");
    let mut state = AppState::new(service, args.site_root.clone()).trust_proxies(args.trusted_proxies.clone());
    for h in &args.allowed_hosts {
        state = state.allow_host(h);
    }
    server::serve(state, listener).await.map_err(|e| format!("server stopped: {e}"))
}

async fn user(args: &SettingsArgs, cmd: UserCommand) -> Result<(), String> {
    let service = start_service(args).await?;
    match cmd {
        UserCommand::Add { username, email, full_name, agency, password_stdin, role } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading the password: {e}"))?;
                // Only the line ending is removed: spaces are part of a password (RB-15).
                let trimmed = line.strip_suffix('\n').unwrap_or(&line);
                Some(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string())
            } else {
                None
            };
            let added = service
                .add_user(
                    NewUser { username: &username, email: &email, full_name: &full_name, agency: &agency, password: password.as_deref(), role: &role },
                    "cli",
                )
                .await;
            match added {
                Ok(a) => {
                    println!("created account {username:?} (id {})", a.id);
                    if let Some(otp) = a.one_time_password {
                        println!("one-time password (shown once; must be changed at first sign-in): {otp}");
                    }
                    Ok(())
                }
                Err(Error::WeakPassword(v)) => Err(format!("password refused: {}", domain::password::Report::from(*v).problems.join(" "))),
                Err(e) => Err(describe(&e)),
            }
        }
        UserCommand::List => {
            let users = service.list_users().await.map_err(|e| describe(&e))?;
            let now = service.now();
            let lockout = service.settings().lockout;
            let policy = service.settings().license.clone();
            let tz = service.settings().timezone.clone();
            println!("{:<20} {:<30} {:<13} {:<9} {:<6} {:<12} {}", "USERNAME", "EMAIL", "ROLE", "LICENSE", "LOCKED", "EXPIRES", "FULL NAME");
            for u in users {
                let locked = if u.lock_state().is_locked(&lockout, now) { "yes" } else { "no" };
                // The license as it stands now (time applied even if the job has not run yet).
                let l = u.license_at(&policy, now);
                let expires = service::mail::templates::human_date(l.expires_at, &tz);
                println!("{:<20} {:<30} {:<13} {:<9} {:<6} {:<12} {}", u.username, u.email, u.role, l.state.as_str(), locked, expires, u.full_name);
            }
            Ok(())
        }
        UserCommand::Unlock(t) => match service.admin_unlock(&actor(&t), &t.username).await {
            Ok(true) => {
                println!("unlocked {:?}", t.username);
                Ok(())
            }
            Ok(false) => {
                println!("{:?} was not locked; failed-attempt count reset", t.username);
                Ok(())
            }
            Err(e) => Err(describe(&e)),
        },
        UserCommand::SendReset(t) => done(service.admin_send_reset(&actor(&t), &t.username).await, format!("queued a reset email for {:?}", t.username)),
        UserCommand::SetOneTimePassword(t) => match service.admin_set_one_time_password(&actor(&t), &t.username).await {
            Ok(otp) => {
                println!("one-time password for {:?} (shown once; must be changed at next sign-in): {otp}", t.username);
                Ok(())
            }
            Err(e) => Err(describe(&e)),
        },
        UserCommand::Inactivate(t) => done(service.admin_inactivate(&actor(&t), &t.username).await, format!("inactivated {:?}", t.username)),
        UserCommand::Reactivate(t) => done(service.admin_reactivate(&actor(&t), &t.username).await, format!("reactivated {:?}", t.username)),
        UserCommand::Recertify { target, completed } => {
            let tz = service.settings().timezone.clone();
            let at = match completed {
                Some(d) => service::config::parse_local_date(&d, &tz).ok_or_else(|| format!("--completed {d:?} is not a date like 2026-12-03"))?,
                None => service.now(),
            };
            if at > service.now() {
                return Err("--completed is in the future: record a recertification once it is done".into());
            }
            done(service.admin_recertify(&actor(&target), &target.username, at).await, format!("recorded the recertification of {:?}", target.username))
        }
        UserCommand::SetEmail { target, email } => done(
            service.admin_set_email(&actor(&target), &target.username, &email).await,
            format!("changed the email of {:?}; both addresses were told", target.username),
        ),
        UserCommand::Delete(t) => done(service.admin_delete(&actor(&t), &t.username).await, format!("deleted the license of {:?}", t.username)),
    }
}

fn actor(t: &Target) -> Actor {
    t.actor.clone().map(Actor::Admin).unwrap_or(Actor::System)
}

fn done(r: Result<(), Error>, ok: String) -> Result<(), String> {
    match r {
        Ok(()) => {
            println!("{ok}");
            Ok(())
        }
        Err(e) => Err(describe(&e)),
    }
}

async fn lifecycle_run(args: &SettingsArgs) -> Result<(), String> {
    let service = start_service(args).await?;
    let report = service.run_lifecycle().await.map_err(|e| describe(&e))?;
    if !report.ran {
        println!("another instance is running the lifecycle job; nothing done");
        return Ok(());
    }
    // Deliver what the run queued before exiting (a serving instance would do it anyway).
    let sent = service.deliver_due().await.map_err(|e| describe(&e))?;
    println!("lifecycle: {} license change(s), {} warning(s) queued, {sent} email(s) delivered", report.transitions, report.notices);
    Ok(())
}

fn password_check(args: &SettingsArgs, inputs: domain::password::UserInputs) -> Result<(), String> {
    let settings = args.to_settings().map_err(|e| e.to_string())?;
    let mut all = String::new();
    std::io::stdin().read_to_string(&mut all).map_err(|e| format!("reading stdin: {e}"))?;
    for line in all.lines() {
        let report = domain::password::Report::from(domain::password::evaluate(&settings.policy, line, &inputs));
        println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
    }
    Ok(())
}

async fn mail(args: &SettingsArgs, cmd: MailCommand) -> Result<(), String> {
    let service = start_service(args).await?;
    match cmd {
        MailCommand::Test { to } => {
            service.send_test_email(&to).await.map_err(|e| describe(&e))?;
            println!("sent a test email to {to} through {}", service.mailer().describe());
            Ok(())
        }
        MailCommand::Outbox(OutboxCommand::List { dead }) => {
            let rows = service.store().outbox_listing(dead).await.map_err(|e| describe(&e))?;
            let tz = service.settings().timezone.clone();
            println!("{:<6} {:<20} {:<30} {:<8} {:<22} {}", "ID", "KIND", "TO", "TRIES", "NEXT / DEAD", "LAST ERROR");
            for r in &rows {
                let when = match r.dead_at {
                    Some(d) => format!("dead {}", service::mail::templates::human_time(d, &tz)),
                    None => service::mail::templates::human_time(r.next_attempt_at, &tz),
                };
                println!("{:<6} {:<20} {:<30} {:<8} {:<22} {}", r.id, r.kind, r.recipient, r.attempts, when, r.last_error.as_deref().unwrap_or(""));
            }
            println!("{} message(s)", rows.len());
            Ok(())
        }
        MailCommand::Outbox(OutboxCommand::Retry { id }) => {
            let n = service.store().retry_dead(id, service.now()).await.map_err(|e| describe(&e))?;
            println!("{n} dead message(s) queued again");
            Ok(())
        }
    }
}
