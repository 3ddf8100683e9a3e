//! The `hmis-access` binary: parses the command line and runs the chosen command.

use std::io::{BufRead, Read};
use std::process::ExitCode;

use clap::Parser;
use server::cli::{Cli, Command, PasswordCommand, SettingsArgs, UserCommand};
use server::AppState;
use service::use_cases::NewUser;
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
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).init();
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
        s.push_str(": ");
        s.push_str(&c.to_string());
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
    tracing::info!(listen = %addr, public_url = %settings.public_url, mail = %service.mailer().describe(), hash_workers = service.hashing().workers(), "listening");
    let state = AppState { service, site_root: args.site_root.clone() };
    server::serve(state, listener).await.map_err(|e| format!("server stopped: {e}"))
}

async fn user(args: &SettingsArgs, cmd: UserCommand) -> Result<(), String> {
    let service = start_service(args).await?;
    match cmd {
        UserCommand::Add { username, email, full_name, agency, password_stdin } => {
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
                .add_user(NewUser { username: &username, email: &email, full_name: &full_name, agency: &agency, password: password.as_deref() }, "cli")
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
            println!("{:<24} {:<32} {:<10} {}", "USERNAME", "EMAIL", "STATUS", "FULL NAME");
            for u in users {
                println!("{:<24} {:<32} {:<10} {}", u.username, u.email, u.status, u.full_name);
            }
            Ok(())
        }
    }
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
