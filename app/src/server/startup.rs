//! Builds the state and the router, and serves until told to stop.

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

use super::clock::Clock;
use super::config::Config;
use super::crypto::{KeyError, MasterKey};
use super::db::{self, DbSetupError};
use super::http::{CspNonce, guard};
use super::mail::{MailError, Mailer};
use super::password::PasswordHasherPool;
use super::private_files::{NotPrivate, private_dir};
use super::request::lang_of_request;
use super::sessions::{SUPPORT_ABSOLUTE_MAX_SECS, SUPPORT_IDLE_MAX_SECS, SessionStore};
use super::state::AppState;
use super::throttle::LoginThrottle;
use crate::{App, shell};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] DbSetupError),
    #[error("master key: {0}")]
    Key(#[from] KeyError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("upgrading stored data: {0}")]
    Upgrade(&'static str),
    #[error("listening: {0}")]
    Listen(#[from] std::io::Error),
    #[error(transparent)]
    NotPrivate(#[from] NotPrivate),
}

/// Connects the database (running migrations), loads the master key, and wires the services.
pub async fn build_state(config: Config, leptos_options: LeptosOptions, clock: Clock) -> Result<AppState, StartError> {
    private_dir(&config.data_dir, "data directory")?;
    let master_key = Arc::new(MasterKey::load(&config.master_key)?);
    let db = db::connect(&config.database_url).await?;
    let resealed = crate::booking::service::reseal_legacy_booker_details(&db, &master_key)
        .await
        .map_err(|_| StartError::Upgrade("booking details could not be sealed with the client keys"))?;
    let notes = crate::clients::service::seal_plaintext_notes(&db, &master_key)
        .await
        .map_err(|_| StartError::Upgrade("client notes could not be sealed with the client keys"))?;
    if resealed > 0 || notes > 0 {
        tracing::info!(resealed, notes, "sealed earlier booking details and client notes with the client keys");
    }
    let mailer = Mailer::new(config.smtp_url.as_deref(), &config.mail_from, db.clone(), clock.clone())?;
    Ok(AppState {
        leptos_options,
        sessions: SessionStore::new(db.clone(), clock.clone(), config.session),
        throttle: LoginThrottle::new(db.clone(), clock.clone(), config.session.login_throttle, master_key.clone()),
        passwords: PasswordHasherPool::new().await,
        mailer,
        master_key,
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
        .route(
            "/api/lost_2fa",
            axum::routing::post(crate::support::files::submit_lost_2fa)
                .layer(axum::extract::DefaultBodyLimit::max(crate::support::files::MAX_FORM_BYTES)),
        )
        .route("/support/evidence/{id}/{kind}", get(crate::support::files::evidence))
        .route(crate::profile::AGREEMENT_PATH, get(crate::profile::agreement::download))
        .route("/clients/{client}/consent/{id}/copy.pdf", get(crate::consent::copy::download))
        .route("/consent/copy.pdf", get(crate::consent::copy::download_by_link))
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

/// Deletes what has run out: sessions past any idle or absolute limit, unused verification links,
/// and login attempts outside the throttling window. Runs at start and then every 10 minutes.
pub async fn purge_expired(state: &AppState) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    let policy = state.sessions.policy();
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE created_at <= $1
            OR last_seen_at <= $2 - (SELECT idle_timeout_secs FROM users WHERE users.id = sessions.user_id)
            OR ((created_at <= $3 OR last_seen_at <= $4)
                AND user_id IN (SELECT id FROM users WHERE role = 'support'))",
    )
    .bind(now - policy.absolute_lifetime_secs)
    .bind(now)
    .bind(now - SUPPORT_ABSOLUTE_MAX_SECS)
    .bind(now - SUPPORT_IDLE_MAX_SECS)
    .execute(&state.db)
    .await?
    .rows_affected();
    let devices =
        crate::auth::store::forget_devices_unused_since(&state.db, now - crate::auth::service::DEVICE_LIFETIME_SECS)
            .await?;
    let links = sqlx::query("DELETE FROM email_verifications WHERE expires_at <= $1")
        .bind(now)
        .execute(&state.db)
        .await?
        .rows_affected();
    let resets = sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
        .bind(now)
        .execute(&state.db)
        .await?
        .rows_affected();
    let challenges = sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(&state.db)
        .await?
        .rows_affected();
    let attempts = state.throttle.purge().await?;
    // Also catches a WAL that a deletion could not empty at the time.
    db::purge_wal(&state.db).await;
    tracing::debug!(sessions, devices, links, resets, challenges, attempts, "purged expired rows");
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
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    purger.abort();
    served
}
