//! What a server function or a plain axum handler knows about the request it serves: the app
//! state, who is calling, from where, and in which language to answer.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use leptos::prelude::*;

use super::sessions::{CurrentUser, Role, SessionEnd};
use super::state::AppState;
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang};

/// The caller's IP address: the socket peer, or what a trusted proxy says it forwarded.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// The session behind this request (the guard looks it up), or why there is none.
#[derive(Clone, Debug)]
pub struct Caller(pub Result<CurrentUser, Option<SessionEnd>>);

/// Where a request came from, as security events and evidence record it.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub ip: IpAddr,
    pub user_agent: &'a str,
}

/// The request as every handler sees it: plain axum handlers take it as an extractor, and server
/// functions extract the same through Leptos (`RequestInfo::current()`).
pub struct RequestInfo {
    pub state: AppState,
    pub ip: IpAddr,
    pub user_agent: String,
    pub lang: Lang,
    caller: Result<CurrentUser, Option<SessionEnd>>,
    cookies: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestInfo
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Self::of(parts, axum::extract::FromRef::from_ref(state))
    }
}

impl RequestInfo {
    /// The request a server function serves (or a page renders), extracted from the request
    /// parts Leptos keeps in its context.
    pub async fn current() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))?;
        leptos_axum::extract_with_state::<Self, AppState>(&state).await.map_err(AppError::internal)
    }

    /// What the guard found (client address, session) and what the browser sent.
    fn of(parts: &Parts, state: AppState) -> Result<Self, AppError> {
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .map(|c| c.0)
            .ok_or_else(|| AppError::internal("client IP missing: request did not pass the guard"))?;
        let caller = parts.extensions.get::<Caller>().map_or(Err(None), |c| c.0.clone());
        let header_text = |name| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Ok(Self {
            state,
            ip,
            user_agent: header_text(header::USER_AGENT),
            lang: lang_of_request(parts),
            caller,
            cookies: header_text(header::COOKIE),
        })
    }

    /// The signed-in practitioner: `Unauthorized` without a session, `Forbidden` for support
    /// staff, who never reach a practice's data.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.signed_in(Role::Practitioner)
    }

    /// The signed-in support person: `Forbidden` for everyone else.
    pub fn staff(&self) -> Result<&CurrentUser, AppError> {
        self.signed_in(Role::Support)
    }

    fn signed_in(&self, role: Role) -> Result<&CurrentUser, AppError> {
        match &self.caller {
            Ok(user) if user.role == role => Ok(user),
            Ok(_) => Err(AppError::Forbidden),
            Err(_) => Err(AppError::Unauthorized),
        }
    }

    /// Where the request came from, as security events and evidence record it.
    pub fn origin(&self) -> Origin<'_> {
        Origin { ip: self.ip, user_agent: &self.user_agent }
    }

    /// A cookie the browser sent.
    pub fn cookie(&self, name: &str) -> Option<String> {
        super::sessions::read_cookie(&self.cookies, name).map(str::to_string)
    }

    /// Whoever is signed in, of any role: for signing out and the inactivity timer.
    pub fn optional_user(&self) -> Option<&CurrentUser> {
        self.caller.as_ref().ok()
    }
}

/// The language cookie when set, else the browser's preference.
pub fn lang_of_request(parts: &Parts) -> Lang {
    lang_of_headers(&parts.headers)
}

pub fn lang_of_headers(headers: &header::HeaderMap) -> Lang {
    let header_text = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
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
