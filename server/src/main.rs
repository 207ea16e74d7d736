//! The Trygg server: configuration, logging, and serving the app until SIGINT/SIGTERM.

use app::cleanup::service::RunMode;
use app::server::clock::Clock;
use app::server::config::Config;
use app::startup::{build_state, serve};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Everything Trygg writes (the SQLite files, the key file, their directories) is for its own
    // user alone, whatever mode the code or a library asks for.
    // SAFETY: umask only swaps the process' file mode mask; it touches no memory.
    unsafe { libc::umask(0o077) };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "Trygg stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => serve_app().await,
        ["support", "add", email, name @ ..] => add_support_staff(email, &name.join(" ")).await,
        ["keys", "rotate"] => rotate_keys().await,
        ["keys", "rewrap"] => rewrap_keys().await,
        ["keys", "retire"] => retire_keys().await,
        ["cleanup", "run"] => run_cleanup(RunMode::ByHand).await,
        ["cleanup", "run", "--dry-run"] => run_cleanup(RunMode::DryRun).await,
        _ => {
            eprintln!(
                "usage: server [serve]\n       server support add EMAIL NAME\n       server keys rotate|rewrap|retire\n       \
                 server cleanup run [--dry-run]"
            );
            Err("unknown command".into())
        }
    }
}

/// `server support add EMAIL NAME`: creates a support account with two-factor on, and prints
/// its password and two-factor key once, for the operator to hand over.
async fn add_support_staff(email: &str, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let state = state_for_command().await?;
    let name = if name.trim().is_empty() { email.split('@').next().unwrap_or(email) } else { name };
    let account = app::support::service::add_staff(&state, email, name).await?;
    println!("Support account created for {email}.");
    println!("password: {}", account.password);
    println!("two-factor key: {}", account.totp_key);
    println!("otpauth: {}", account.otpauth_url);
    println!("Hand these over in person; they are not shown again.");
    Ok(())
}

/// `server keys rotate`: a new master key version; every client data key is re-wrapped with it.
/// Running servers seal with the new version from their next seal on. The old version stays in
/// the key file until `server keys retire`.
async fn rotate_keys() -> Result<(), Box<dyn std::error::Error>> {
    let state = state_for_command().await?;
    let rotation = app::rotation::rotate_master_key(&state.db, &state.master_key)
        .await
        .map_err(|_| "rotation failed; the key file still holds every version needed (see the log)")?;
    println!(
        "Master key is now version {}: {} client data keys re-wrapped, {} account secrets sealed again.",
        rotation.version, rotation.data_keys, rotation.account_secrets
    );
    println!("The older versions stay in the key file until `server keys retire`.");
    Ok(())
}

/// `server keys rewrap`: seals whatever the master key seals again with its current version.
async fn rewrap_keys() -> Result<(), Box<dyn std::error::Error>> {
    let state = state_for_command().await?;
    let rotation = app::rotation::rewrap(&state.db, &state.master_key)
        .await
        .map_err(|_| "re-wrapping failed; nothing was lost (see the log)")?;
    println!(
        "Sealed with master key version {}: {} client data keys, {} account secrets.",
        rotation.version, rotation.data_keys, rotation.account_secrets
    );
    Ok(())
}

/// `server keys retire`: drops the older master key versions from the key file, or refuses
/// while any stored value still names one of them.
async fn retire_keys() -> Result<(), Box<dyn std::error::Error>> {
    use app::rotation::{RetireError, retire};
    let state = state_for_command().await?;
    match retire(&state.db, &state.master_key).await {
        Ok(retired) if retired.is_empty() => println!("Only the current master key version is in the key file."),
        Ok(retired) => println!(
            "Retired master key version(s) {:?}; only version {} is left.",
            retired,
            state.master_key.current_version()
        ),
        Err(RetireError::StillSealed(still)) => {
            for value in &still {
                eprintln!("{} value(s) in {} still name version {}.", value.count, value.column, value.version);
            }
            eprintln!("Refused: run `server keys rewrap`, then `server keys retire` again.");
            return Err("older key versions are still in use".into());
        }
        Err(RetireError::Failed(_)) => return Err("retiring failed; the key file is unchanged (see the log)".into()),
    }
    Ok(())
}

/// `server cleanup run [--dry-run]`: the nightly cleanup now (or what it would do, changing
/// nothing), unless another server is running it.
async fn run_cleanup(mode: RunMode) -> Result<(), Box<dyn std::error::Error>> {
    let state = state_for_command().await?;
    let dry = mode == RunMode::DryRun;
    let Some(report) =
        app::cleanup::service::run(&state, mode).await.map_err(|_| "the cleanup run failed (see the log)")?
    else {
        return Err("another server is running the cleanup now; try again when it is done".into());
    };
    let n = report.counts;
    println!(
        "{} {} client(s) in {} practice(s) with cleanup on: {} appointment(s), {} journal entry(ies), {} consent(s), \
         {} message(s), {} file(s).",
        if dry { "Would delete" } else { "Deleted" },
        report.deleted,
        report.practices,
        n.appointments,
        n.journal_entries,
        n.consents,
        n.messages,
        n.files
    );
    println!(
        "{} {} client(s) due within 14 days.",
        if dry { "Would mail the practices about" } else { "Mailed the practices about" },
        report.noticed
    );
    println!(
        "{} the IP address and browser of {} online booking(s) past the retention period.",
        if dry { "Would clear" } else { "Cleared" },
        report.addresses_cleared
    );
    Ok(())
}

async fn state_for_command() -> Result<app::server::state::AppState, Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    Ok(build_state(config, leptos_options, Clock::default()).await?)
}

async fn serve_app() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    let addr = leptos_options.site_addr;
    tracing::info!(?config, "starting");
    let missing = config.operator.missing();
    if !missing.is_empty() {
        tracing::warn!(
            missing = %missing.join(", "),
            "the operator's details are not all set: practices cannot download the data processing agreement"
        );
    }
    if config.smtp_url.is_none() && !config.dev_outbox {
        tracing::warn!("no TRYGG_SMTP_URL: mail is kept in the database's outbox table, not delivered");
    }
    let started = std::time::Instant::now();
    let state = build_state(config, leptos_options, Clock::default()).await?;
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, ready_in_ms = started.elapsed().as_millis() as u64, "listening");
    serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
