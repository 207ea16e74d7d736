//! What a server function knows about the request it serves: the app state, who is calling,
//! from where, and in which language to answer.

use std::net::IpAddr;

use axum::http::header;
use axum::http::request::Parts;
use leptos::prelude::*;

use super::http::{Caller, ClientIp};
use super::sessions::{CurrentUser, SessionEnd};
use super::state::AppState;
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang};

pub struct RequestInfo {
    pub state: AppState,
    pub ip: IpAddr,
    pub user_agent: String,
    pub lang: Lang,
    caller: Result<CurrentUser, Option<SessionEnd>>,
}

impl RequestInfo {
    pub fn current() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))?;
        let parts = use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))?;
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .map(|c| c.0)
            .ok_or_else(|| AppError::internal("client IP missing: request did not pass the guard"))?;
        let caller = parts.extensions.get::<Caller>().map_or(Err(None), |c| c.0.clone());
        let user_agent =
            parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Ok(Self { state, ip, user_agent, lang: lang_of_request(&parts), caller })
    }

    /// The signed-in user, or `Unauthorized`.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.caller.as_ref().map_err(|_| AppError::Unauthorized)
    }

    pub fn optional_user(&self) -> Option<&CurrentUser> {
        self.caller.as_ref().ok()
    }
}

/// The language cookie when set, else the browser's preference.
pub fn lang_of_request(parts: &Parts) -> Lang {
    let header_text = |name| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    super::sessions::read_cookie(header_text(header::COOKIE), LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_else(|| Lang::from_accept_language(header_text(header::ACCEPT_LANGUAGE)))
}

/// Adds a response header from inside a server function or page render.
pub fn set_response_header(name: header::HeaderName, value: &str) {
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), value.parse()) {
        response.append_header(name, value);
    }
}
