//! Builds the state and the router, and serves until told to stop. It stands above the
//! features: it merges their routes and runs their clean-ups.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::server::clock::Clock;
use crate::server::config::Config;
use crate::server::crypto::{KeyError, MasterKey};
use crate::server::db::{self, DbSetupError};
use crate::server::http::{CspNonce, guard};
use crate::server::mail::{MailError, Mailer};
use crate::server::password::PasswordHasherPool;
use crate::server::private_files::{NotPrivate, private_dir};
use crate::server::request::lang_of_request;
use crate::server::sessions::SessionStore;
use crate::server::state::AppState;
use crate::server::throttle::LoginThrottle;
use crate::{App, shell};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] DbSetupError),
    #[error("master key: {0}")]
    Key(#[from] KeyError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("listening: {0}")]
    Listen(#[from] std::io::Error),
    #[error(transparent)]
    NotPrivate(#[from] NotPrivate),
    #[error("sealing the client data of an older version failed (see the log above)")]
    Upgrade,
}

/// Connects the database (running migrations), loads the master key, and wires the services.
pub async fn build_state(config: Config, leptos_options: LeptosOptions, clock: Clock) -> Result<AppState, StartError> {
    private_dir(&config.data_dir, "data directory")?;
    let master_key = Arc::new(MasterKey::load(&config.master_key)?);
    let db = db::connect(&config.database_url).await?;
    let sealed = crate::upgrade::seal_plaintext(&db, &master_key).await.map_err(|_| StartError::Upgrade)?;
    db::finish_migrations(&db).await?;
    if sealed != Default::default() {
        // The plaintext is gone from the tables; now from the WAL too.
        db::purge_wal(&db).await;
    }
    let mailer =
        Mailer::new(config.smtp_url.as_deref(), &config.mail_from, db.clone(), clock.clone(), master_key.clone())?;
    Ok(AppState {
        leptos_options,
        sessions: SessionStore::new(db.clone(), clock.clone(), config.session),
        throttle: LoginThrottle::new(db.clone(), clock.clone(), config.session.login_throttle, master_key.clone()),
        passwords: PasswordHasherPool::new().await,
        mailer,
        master_key,
        clients: Default::default(),
        db,
        clock,
        config: Arc::new(config),
    })
}

/// The app's pages. Generating the list renders the app once with resource loading switched
/// off, and that switch is process-wide (leptos-rs/leptos#4773): a page rendering at the same
/// moment in another app of this process would wait forever. So it is generated once per
/// process, before any app here serves.
fn route_list() -> &'static [leptos_axum::AxumRouteListing] {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

/// Every page's path as the router serves it, parameters as `{name}`.
pub fn page_paths() -> Vec<String> {
    route_list().iter().map(|route| route.path().to_string()).collect()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list().to_vec();
    let options = state.leptos_options.clone();
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    // Only the static bundle is compressed: compressing pages that mix secrets with reflected
    // input would invite BREACH-style attacks.
    let pkg = Router::new()
        .fallback_service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .layer(CompressionLayer::new());
    Router::new()
        .route("/healthz", get(healthz))
        // The plain axum routes, outside the server functions: downloads and the lost-2FA form.
        .merge(crate::support::routes())
        .merge(crate::profile::routes())
        .merge(crate::export::routes())
        .merge(crate::consent::routes())
        .merge(crate::messages::files::routes())
        .nest_service(&format!("/{}", options.site_pkg_dir), pkg)
        .leptos_routes_with_context(&state, routes, request_context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(request_context, shell))
        .layer(axum::extract::DefaultBodyLimit::max(crate::error::REQUEST_MAX_MB * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Per-request context for pages and server functions: the language, and the CSP nonce the
/// guard minted (so Leptos' scripts carry the same nonce as the header).
fn request_context() {
    if let Some(parts) = use_context::<Parts>() {
        provide_context(lang_of_request(&parts));
        if let Some(nonce) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
        }
    }
}

/// Deletes what has run out: sessions past any idle or absolute limit, browsers and links no
/// longer valid, login challenges, and login attempts outside the throttling window. Runs at
/// start and then every 10 minutes.
pub async fn purge_expired(state: &AppState) -> Result<(), sqlx::Error> {
    let sessions = state.sessions.purge_expired().await?;
    let (devices, links, resets) = crate::auth::service::purge_expired(state).await?;
    let challenges = crate::two_factor::service::purge_expired(state).await?;
    let attempts = state.throttle.purge().await?;
    let messages = crate::messages::service::purge(state).await?;
    let email_changes = crate::profile::store::delete_expired_changes(&state.db, state.clock.now()).await?;
    let export_pieces = crate::export::service::purge(state).await?;
    // Also catches a WAL that a deletion could not empty at the time.
    db::purge_wal(&state.db).await;
    tracing::debug!(
        sessions,
        devices,
        links,
        resets,
        challenges,
        attempts,
        messages,
        email_changes,
        export_pieces,
        "purged expired rows"
    );
    Ok(())
}

async fn purge_periodically(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(error) = purge_expired(&state).await {
            tracing::error!(%error, "purging expired rows failed");
        }
    }
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purger = tokio::spawn(purge_periodically(state.clone()));
    let cleanup = tokio::spawn(crate::cleanup::service::run_nightly(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    purger.abort();
    cleanup.abort();
    served
}
