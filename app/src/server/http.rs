//! The one middleware every request passes: client address, the host it was sent to, same-origin
//! check for state changes, session lookup, sign-in guard for app pages, and the security headers.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;

use super::request::{Caller, ClientIp};
use super::sessions::{Role, SessionEnd};
use super::state::AppState;

/// This request's CSP nonce, given to Leptos so its scripts carry it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Pages anyone may open. Every other page needs a signed-in user, so a page added later is
/// private unless it is listed here.
const PUBLIC_PAGES: &[&str] = &[
    "/login",
    "/login/code",
    "/login/lost-2fa",
    "/login/lost-2fa/status",
    "/signup",
    "/signup/sent",
    "/verify-email",
    "/confirm-email",
    "/revert-email",
    "/confirm-transfer",
    "/forgot-password",
    "/forgot-password/sent",
    "/reset-password",
    "/dev/outbox",
    "/consent",
    "/consent/copy.pdf",
];

fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/icons/")
        || path.starts_with("/screenshots/")
        || matches!(
            path,
            "/manifest.webmanifest" | "/sw.js" | "/sw-register.js" | "/offline.html" | "/favicon.ico" | "/healthz"
        )
}

fn is_signed_in_page(path: &str) -> bool {
    !PUBLIC_PAGES.contains(&path)
        && !path.starts_with("/api/")
        && !is_booking_page(path)
        && !is_client_message_path(path)
}

/// The client's message link and its files: the link's session decides, not a practice login.
fn is_client_message_path(path: &str) -> bool {
    path == "/secure-message" || path.starts_with("/secure-message/")
}

/// A practice's public booking pages: `/book/<practice>` and its confirmation.
fn is_booking_page(path: &str) -> bool {
    path.strip_prefix("/book/").is_some_and(|rest| !rest.is_empty())
}

/// The support area: for support staff only, who in turn reach nothing else.
fn is_support_page(path: &str) -> bool {
    path == "/support" || path.starts_with("/support/")
}

pub async fn guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let ip = client_ip(peer.ip(), request.headers(), &state.config.trusted_proxies);
    request.extensions_mut().insert(ClientIp(ip));

    // Load balancers probe instances by their own addresses; the probe learns only "ok".
    if path != "/healthz" {
        match addressed_host(request.headers(), request.uri(), &state.config.base_url) {
            HostCheck::Ours => {}
            HostCheck::Missing => {
                return finish(
                    &state,
                    &path,
                    None,
                    false,
                    (StatusCode::BAD_REQUEST, "Host header missing").into_response(),
                );
            }
            HostCheck::Foreign => {
                tracing::warn!(%ip, %path, "refused a request for another host");
                let message = format!("Misdirected request: this server answers only as {}", state.config.base_url);
                return finish(&state, &path, None, false, (StatusCode::MISDIRECTED_REQUEST, message).into_response());
            }
        }
    }

    if !is_safe(request.method()) && !is_same_origin(request.headers(), &state.config.base_url) {
        super::alerts::cross_origin_refused(&path, ip);
        return finish(&state, &path, None, false, forbidden_cross_origin());
    }

    if is_static_asset(&path) {
        let response = next.run(request).await;
        return finish(&state, &path, None, false, response);
    }

    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));

    let cookie = state.session_cookie();
    let token = request.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).and_then(|c| cookie.read(c));
    let caller = match token {
        None => Err(None),
        Some(token) => match state.sessions.lookup(token).await {
            Ok(found) => found.map_err(Some),
            Err(error) => {
                tracing::error!(%error, "session lookup failed");
                let unavailable = super::unavailable::response(request.method(), &path, request.headers());
                return finish(&state, &path, None, false, unavailable);
            }
        },
    };
    let clear_cookie = matches!(caller, Err(Some(_)));

    let is_page = matches!(*request.method(), Method::GET | Method::HEAD);
    if is_page && is_signed_in_page(&path) {
        match &caller {
            Ok(user) => {
                let home = if user.role == Role::Support { "/support" } else { "/calendar" };
                if path == "/" || is_support_page(&path) != (user.role == Role::Support) {
                    return finish(&state, &path, None, false, Redirect::to(home).into_response());
                }
            }
            Err(end) => {
                let reason = match end {
                    Some(SessionEnd::Idle) => "?reason=idle",
                    Some(SessionEnd::Expired) => "?reason=expired",
                    _ => "",
                };
                let to = format!("/login{reason}");
                return finish(&state, &path, None, clear_cookie, Redirect::to(&to).into_response());
            }
        }
    }

    request.extensions_mut().insert(Caller(caller));
    let (method, headers) = (request.method().clone(), request.headers().clone());
    let mut response = next.run(request).await;
    if path.starts_with("/api/") {
        response = with_error_status(response).await;
    }
    let response = super::unavailable::replace_failed_page(&method, &path, &headers, response);
    finish(&state, &path, Some(&nonce), clear_cookie, response)
}

/// Leptos answers every failed server function with 500. This gives each `AppError` its own
/// status (`AppError::status`: 422 for bad input, 401, 403, 404, 409, 429, 503), so only real
/// faults are 500s.
async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[derive(Debug, PartialEq, Eq)]
pub enum HostCheck {
    Ours,
    Missing,
    Foreign,
}

/// Whether the request names our base URL's host. A page on a foreign name that resolves to
/// this server (DNS rebinding) is "same-origin" to itself, so the browser protects nothing: the
/// name it sends in `Host` (or an absolute request target, or HTTP/2's `:authority`) is the tell.
pub fn addressed_host(headers: &HeaderMap, uri: &Uri, base_url: &str) -> HostCheck {
    let named: Vec<Option<&str>> = headers
        .get_all(header::HOST)
        .iter()
        .map(|value| value.to_str().ok())
        .chain(uri.authority().map(|authority| Some(authority.as_str())))
        .collect();
    if named.is_empty() {
        HostCheck::Missing
    } else if named.iter().all(|host| host.is_some_and(|host| is_base_authority(host, base_url))) {
        HostCheck::Ours
    } else {
        HostCheck::Foreign
    }
}

/// `host` (as a browser sends it, the scheme's default port optional) is the base URL's.
fn is_base_authority(host: &str, base_url: &str) -> bool {
    let (scheme, authority) = base_url.split_once("://").unwrap_or(("https", base_url));
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let without_default = |a: &str| a.strip_suffix(default_port).map(str::to_string).unwrap_or_else(|| a.to_string());
    without_default(&host.to_ascii_lowercase()) == without_default(authority)
}

/// Headers a proxy adds. The development outbox refuses any request that carries one.
const PROXY_HEADERS: &[&str] =
    &["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via"];

/// The development outbox shows live reset and consent links: only when switched on, and only to
/// a browser on this machine that reached us directly. A proxy header means the request came
/// through something (a same-host reverse proxy, a tunnel) that may well serve the world.
pub fn may_see_outbox(dev_outbox: bool, ip: IpAddr, headers: &HeaderMap) -> bool {
    dev_outbox && ip.to_canonical().is_loopback() && !PROXY_HEADERS.iter().any(|name| headers.contains_key(*name))
}

fn forbidden_cross_origin() -> Response {
    (StatusCode::FORBIDDEN, "Cross-origin request refused").into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A state-changing request is accepted only when the browser says it comes from our own origin:
/// `Sec-Fetch-Site: same-origin`, or (older browsers) an `Origin` equal to the base URL. A request
/// that carries neither is refused too.
pub fn is_same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin";
    }
    headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).is_some_and(|origin| origin == base_url)
}

/// With no trusted proxy, the socket address. Behind trusted proxies, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    // A dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`.
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn content_security_policy(nonce: Option<&str>) -> String {
    // A page's own scripts and styles carry its nonce (the client pages' rules are in the page).
    let (scripts, styles) = match nonce {
        Some(n) => {
            (format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"), format!("style-src 'self' 'nonce-{n}'"))
        }
        None => ("script-src 'self' 'wasm-unsafe-eval'".to_string(), "style-src 'self'".to_string()),
    };
    format!(
        "default-src 'self'; {scripts}; {styles}; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
    )
}

fn is_html(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

fn finish(state: &AppState, path: &str, nonce: Option<&str>, clear_cookie: bool, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    // A route that serves a file sets its own, stricter policy (a sandbox); pages get this one.
    if !headers.contains_key("content-security-policy") {
        set(headers, "content-security-policy", &content_security_policy(nonce));
    }
    set(headers, "x-content-type-options", "nosniff");
    // Pages send their URL as Referer to this site only (never elsewhere): a form posted without
    // JavaScript needs it to come back to its page with the error. Everything else sends none.
    set(headers, "referrer-policy", if nonce.is_some() && is_html(headers) { "same-origin" } else { "no-referrer" });
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    if state.config.is_https() {
        set(headers, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    if !is_static_asset(path) || path == "/sw.js" {
        set(headers, "cache-control", "no-store");
    }
    // An ended session's cookie is cleared, unless this very response signs in anew (a login
    // sent with an expired cookie): clearing after it would sign the new session out again.
    let cookie = state.session_cookie();
    let prefix = format!("{}=", cookie.name());
    let sets_session =
        headers.get_all(header::SET_COOKIE).iter().any(|value| value.to_str().is_ok_and(|v| v.starts_with(&prefix)));
    if clear_cookie
        && !sets_session
        && let Ok(value) = HeaderValue::from_str(&cookie.clear())
    {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    const BASE: &str = "http://127.0.0.1:3000";

    #[test]
    fn same_origin_rules() {
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")]), BASE));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site")]), BASE));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "same-site")]), BASE));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", BASE)]), BASE));
        assert!(is_same_origin(&headers(&[("origin", BASE)]), BASE));
        assert!(!is_same_origin(&headers(&[("origin", "http://127.0.0.1:3000.evil.example")]), BASE));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), BASE));
        assert!(!is_same_origin(&headers(&[]), BASE));
    }

    #[test]
    fn only_our_own_host_is_served() {
        let uri = |u: &str| u.parse::<Uri>().unwrap();
        let plain = uri("/login");
        assert_eq!(addressed_host(&headers(&[("host", "127.0.0.1:3000")]), &plain, BASE), HostCheck::Ours);
        for foreign in ["localhost:3000", "127.0.0.1", "127.0.0.1:3001", "rebind.evil.example:3000", "127.0.0.1:3000."]
        {
            assert_eq!(addressed_host(&headers(&[("host", foreign)]), &plain, BASE), HostCheck::Foreign, "{foreign}");
        }
        assert_eq!(addressed_host(&headers(&[]), &plain, BASE), HostCheck::Missing);
        let two = headers(&[("host", "127.0.0.1:3000"), ("host", "evil.example")]);
        assert_eq!(addressed_host(&two, &plain, BASE), HostCheck::Foreign, "every Host must be ours");
        let absolute = uri("http://evil.example/login");
        assert_eq!(addressed_host(&headers(&[("host", "127.0.0.1:3000")]), &absolute, BASE), HostCheck::Foreign);
        let http2 = uri("http://127.0.0.1:3000/login");
        assert_eq!(addressed_host(&headers(&[]), &http2, BASE), HostCheck::Ours, "HTTP/2 sends :authority only");

        let public = "https://trygg.example";
        for ours in ["trygg.example", "Trygg.Example", "trygg.example:443"] {
            assert_eq!(addressed_host(&headers(&[("host", ours)]), &plain, public), HostCheck::Ours, "{ours}");
        }
        for foreign in ["trygg.example:80", "trygg.example.evil.example", "evil.example"] {
            assert_eq!(addressed_host(&headers(&[("host", foreign)]), &plain, public), HostCheck::Foreign, "{foreign}");
        }
    }

    #[test]
    fn the_outbox_is_for_direct_local_requests_only() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(may_see_outbox(true, local, &headers(&[])));
        assert!(may_see_outbox(true, mapped, &headers(&[])));
        assert!(!may_see_outbox(false, local, &headers(&[])), "switched off");
        assert!(!may_see_outbox(true, "192.0.2.7".parse().unwrap(), &headers(&[])), "another machine");
        for proxied in [
            ("forwarded", "for=198.51.100.7"),
            ("x-forwarded-for", "127.0.0.1"),
            ("x-forwarded-host", "127.0.0.1:3000"),
            ("x-real-ip", "127.0.0.1"),
            ("via", "1.1 nginx"),
        ] {
            assert!(!may_see_outbox(true, local, &headers(&[proxied])), "{proxied:?}");
        }
    }

    #[test]
    fn forwarded_for_is_ignored_without_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(client_ip(peer, &spoofed, &[]), peer);
    }

    #[test]
    fn forwarded_for_from_trusted_proxy_takes_rightmost_untrusted() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.1")]);
        assert_eq!(client_ip(proxy, &h, &[proxy]), "198.51.100.7".parse::<IpAddr>().unwrap());
        let garbage = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(client_ip(proxy, &garbage, &[proxy]), proxy);
        let mapped_proxy: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_ip(mapped_proxy, &h, &[proxy]), "198.51.100.7".parse::<IpAddr>().unwrap());
        let untrusted_peer: IpAddr = "203.0.113.1".parse().unwrap();
        assert_eq!(client_ip(untrusted_peer, &h, &[proxy]), untrusted_peer);
    }

    #[test]
    fn csp_carries_the_nonce_and_the_lockdowns() {
        let csp = content_security_policy(Some("abc"));
        for part in [
            "script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'",
            "style-src 'self' 'nonce-abc';",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn signed_in_pages() {
        assert!(is_signed_in_page("/"));
        assert!(is_signed_in_page("/settings"));
        assert!(is_signed_in_page("/settings/security"));
        assert!(is_signed_in_page("/some-page-added-later"));
        assert!(!is_signed_in_page("/login"));
        assert!(!is_signed_in_page("/verify-email"));
        assert!(!is_signed_in_page("/api/log_in"));
        assert!(!is_signed_in_page("/login/code"));
        assert!(!is_signed_in_page("/book/klinikk-nord"));
        assert!(!is_signed_in_page("/book/klinikk-nord/booked"));
        assert!(is_signed_in_page("/book"));
        assert!(is_signed_in_page("/bookkeeping"));
        assert!(!is_signed_in_page("/secure-message"));
        assert!(!is_signed_in_page("/secure-message/files/3"));
        assert!(is_signed_in_page("/secure-messages"));
        assert!(is_signed_in_page("/messages"));
        assert!(is_signed_in_page("/messages/files/3"));
        assert!(is_support_page("/support"));
        assert!(is_support_page("/support/requests/1"));
        assert!(is_support_page("/support/evidence/1/bill"));
        assert!(!is_support_page("/supporter"));
        assert!(!is_support_page("/settings/support"));
    }
}
