//! Server-side sessions: tokens, cookie flags, idle and absolute expiry, logout, fixation.

use app::auth::api::{LogIn, LogOut, SignUp, VerifyEmail, Whoami};
use leptos::server_fn::ServerFn as _;
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, browser_of_deployment, set_cookies, spawn_app, spawn_app_with};

fn session_cookie_value(set_cookie: &[String], name: &str) -> String {
    let line = set_cookie.iter().find(|c| c.starts_with(&format!("{name}="))).expect("session cookie set");
    line.split(';').next().unwrap().split_once('=').unwrap().1.to_string()
}

#[tokio::test]
async fn login_sets_a_strict_cookie_and_stores_only_the_token_hash() {
    let app = spawn_app().await;
    app.verified_user("flags@example.no").await;
    let login = app.log_in("flags@example.no", PASSWORD).await;
    let cookies = set_cookies(&login);
    let line = cookies.iter().find(|c| c.starts_with("trygg_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    assert!(!line.contains("Secure"), "plain http://127.0.0.1 must work for development");
    assert!(line.ends_with("Max-Age=604800"), "kept for the 7-day absolute lifetime: {line}");

    let value = session_cookie_value(&cookies, "trygg_session");
    assert!(value.len() >= 22, "at least 128 bits of token");
    let (stored, ip, agent): (Vec<u8>, String, String) =
        sqlx::query_as("SELECT token_hash, ip, user_agent FROM sessions").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(stored, Sha256::digest(value.as_bytes()).to_vec());
    assert!(!String::from_utf8_lossy(&stored).contains(&value));
    assert_eq!(ip, "127.0.0.1");
    assert!(agent.contains("TryggTest/1.0"));
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed_with_hsts() {
    let app = spawn_app_with(|c| c.base_url = "https://trygg.example".into()).await;
    let https_browser = browser_of_deployment("https://trygg.example");
    app.call_with(
        &https_browser,
        SignUp::PATH,
        &[("practice_name", "P"), ("name", "N"), ("email", "tls@example.no"), ("password", PASSWORD)],
    )
    .await;
    let token = app.verification_token("tls@example.no").await;
    app.call_with(&https_browser, VerifyEmail::PATH, &[("token", &token)]).await;
    let login =
        app.call_with(&https_browser, LogIn::PATH, &[("email", "tls@example.no"), ("password", PASSWORD)]).await;
    assert_eq!(login.status(), 200);
    let cookies = set_cookies(&login);
    let line = cookies.iter().find(|c| c.starts_with("__Host-trygg_session=")).expect("__Host- cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    assert!(!line.contains("Domain="), "__Host- cookies carry no Domain");
    assert_eq!(login.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
}

#[tokio::test]
async fn a_login_replaces_any_earlier_session_token() {
    let app = spawn_app().await;
    app.signed_in_user("fixation@example.no").await;
    let first_hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_all(&app.state.db).await.unwrap();
    assert_eq!(first_hashes.len(), 1);
    // Logging in again from the same browser gives a new token and ends the old one.
    let again = app.log_in("fixation@example.no", PASSWORD).await;
    assert_eq!(again.status(), 200);
    let hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_all(&app.state.db).await.unwrap();
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes, first_hashes);

    // A valid session token planted in a browser (say, the attacker's own) is not kept when
    // someone logs in there: the login issues a new token and deletes the planted session.
    app.signed_in_user("attacker@example.no").await;
    let attacker_hash: Vec<u8> = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = 'attacker@example.no')",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let login = app.log_in("fixation@example.no", PASSWORD).await;
    assert_eq!(login.status(), 200);
    let still_there: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(&attacker_hash)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(still_there, 0, "the planted session is gone");
    let me: serde_json::Value = app.call(Whoami::PATH, &[]).await.json().await.unwrap();
    assert_eq!(me["email"], "fixation@example.no");
}

#[tokio::test]
async fn signed_in_pages_need_a_session() {
    let app = spawn_app().await;
    for path in ["/calendar", "/clients", "/settings", "/settings/security"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    assert_eq!(app.get("/").await.headers()["location"], "/login");
    let head = app.client.head(app.url("/calendar")).send().await.unwrap();
    assert_eq!(head.status(), 303, "HEAD is guarded like GET");
    assert_eq!(app.call(Whoami::PATH, &[]).await.text().await.unwrap(), "null");

    app.signed_in_user("pages@example.no").await;
    for path in ["/calendar", "/clients", "/settings", "/settings/profile", "/settings/security"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert_eq!(app.get("/").await.headers()["location"], "/calendar");
    let me: serde_json::Value = app.call(Whoami::PATH, &[]).await.json().await.unwrap();
    assert_eq!(me["email"], "pages@example.no");
}

#[tokio::test]
async fn idle_sessions_end_after_24_hours_without_activity() {
    let app = spawn_app().await;
    app.signed_in_user("idle@example.no").await;
    // Activity keeps the session alive...
    app.clock.advance(23 * 3600);
    assert_eq!(app.get("/calendar").await.status(), 200);
    app.clock.advance(23 * 3600);
    assert_eq!(app.get("/calendar").await.status(), 200);
    // ...until 24 hours pass without any.
    app.clock.advance(24 * 3600);
    let response = app.get("/calendar").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?reason=idle");
    assert!(set_cookies(&response).iter().any(|c| c.starts_with("trygg_session=;") && c.contains("Max-Age=0")));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0, "the expired row is deleted");
}

#[tokio::test]
async fn a_login_sent_with_an_ended_sessions_cookie_stays_signed_in() {
    let app = spawn_app().await;
    app.signed_in_user("back@example.no").await;
    app.clock.advance(25 * 3600);
    // The browser still holds the ended session's cookie when it logs in again.
    let login = app.log_in("back@example.no", PASSWORD).await;
    assert_eq!(login.status(), 200);
    let cookies = set_cookies(&login);
    assert!(cookies.iter().any(|c| c.starts_with("trygg_session=") && !c.contains("Max-Age=0")));
    assert!(!cookies.iter().any(|c| c.contains("Max-Age=0")), "not cleared again after the new one: {cookies:?}");
    assert_eq!(app.get("/calendar").await.status(), 200);
    let me: serde_json::Value = app.call(Whoami::PATH, &[]).await.json().await.unwrap();
    assert_eq!(me["email"], "back@example.no");
}

#[tokio::test]
async fn the_idle_limit_is_per_account() {
    let app = spawn_app().await;
    app.signed_in_user("short@example.no").await;
    sqlx::query("UPDATE users SET idle_timeout_secs = 900").execute(&app.state.db).await.unwrap();
    app.clock.advance(14 * 60);
    assert_eq!(app.get("/calendar").await.status(), 200);
    app.clock.advance(15 * 60);
    assert_eq!(app.get("/calendar").await.headers()["location"], "/login?reason=idle");
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime_even_when_active() {
    let app = spawn_app_with(|c| c.session.absolute_lifetime_secs = 3 * 24 * 3600).await;
    app.signed_in_user("busy@example.no").await;
    for _ in 0..3 {
        app.clock.advance(20 * 3600);
        assert_eq!(app.get("/calendar").await.status(), 200);
    }
    app.clock.advance(13 * 3600);
    let response = app.get("/calendar").await;
    assert_eq!(response.headers()["location"], "/login?reason=expired");
    assert_eq!(app.call(Whoami::PATH, &[]).await.text().await.unwrap(), "null");
}

#[tokio::test]
async fn logout_deletes_the_session_and_clears_the_site() {
    let app = spawn_app().await;
    app.signed_in_user("bye@example.no").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let response = app.call(LogOut::PATH, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["clear-site-data"], "\"cache\", \"cookies\", \"storage\"");
    assert_eq!(response.headers()["location"], "/login?reason=signed_out");
    assert!(set_cookies(&response).iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.get("/calendar").await.status(), 303);
}

#[tokio::test]
async fn a_stolen_cookie_stops_working_after_logout() {
    let app = spawn_app().await;
    app.verified_user("stolen@example.no").await;
    let login = app.log_in("stolen@example.no", PASSWORD).await;
    let value = session_cookie_value(&set_cookies(&login), "trygg_session");
    app.call(LogOut::PATH, &[]).await;
    let thief = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response =
        thief.get(app.url("/calendar")).header("cookie", format!("trygg_session={value}")).send().await.unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn expired_rows_are_purged() {
    let app = spawn_app().await;
    app.signed_in_user("old@example.no").await;
    app.sign_up("unverified@example.no").await;
    app.wait_for_mail("unverified@example.no", 1).await;
    app.log_in("old@example.no", "wrong wrong wrong wrong").await;
    app.clock.advance(24 * 3600 + 1);
    app.signed_in_user("new@example.no").await;
    app::startup::purge_expired(&app.state).await.unwrap();
    let owners: Vec<String> = sqlx::query_scalar("SELECT u.email FROM sessions s JOIN users u ON u.id = s.user_id")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(owners, ["new@example.no"], "only the live session is kept");
    let links: i64 = app
        .count("SELECT COUNT(*) FROM email_verifications WHERE user_id = (SELECT id FROM users WHERE email = 'unverified@example.no')")
        .await;
    assert_eq!(links, 0);
    let attempts: Vec<String> =
        sqlx::query_scalar("SELECT scope FROM login_attempts").fetch_all(&app.state.db).await.unwrap();
    let sign_up = app.state.throttle.stored_scope("sign-up:127.0.0.1");
    assert_eq!(attempts, [sign_up], "only the fresh sign-up is still counted");
}

#[tokio::test]
async fn a_session_that_ends_within_a_day_idle_is_not_kept_past_the_browser() {
    let app = spawn_app().await;
    app.verified_user("short@example.no").await;
    sqlx::query("UPDATE users SET idle_timeout_secs = 8 * 3600").execute(&app.state.db).await.unwrap();
    let login = app.log_in("short@example.no", PASSWORD).await;
    let cookies = set_cookies(&login);
    let line = cookies.iter().find(|c| c.starts_with("trygg_session=")).unwrap();
    assert!(!line.contains("Max-Age") && !line.contains("Expires"), "a browser-session cookie: {line}");
}
