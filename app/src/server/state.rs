//! Everything a request handler or server function needs, built once at start.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::clock::Clock;
use super::config::Config;
use super::crypto::MasterKey;
use super::db::Db;
use super::mail::Mailer;
use super::password::PasswordHasherPool;
use super::sessions::{DeviceCookie, SessionCookie, SessionStore};
use super::throttle::LoginThrottle;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: Clock,
    pub sessions: SessionStore,
    pub throttle: LoginThrottle,
    pub passwords: PasswordHasherPool,
    pub mailer: Mailer,
    pub master_key: Arc<MasterKey>,
    /// Each practice's clients, opened: their names and contact details are sealed in the
    /// database, which can therefore neither search nor sort them (the one feature type here).
    pub clients: Arc<crate::clients::directory::Directories>,
}

impl AppState {
    pub fn session_cookie(&self) -> SessionCookie {
        SessionCookie { https: self.config.is_https() }
    }

    pub fn device_cookie(&self) -> DeviceCookie {
        DeviceCookie { https: self.config.is_https() }
    }
}
