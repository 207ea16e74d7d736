//! Two app instances on one PostgreSQL database, the shape behind a load balancer: a session
//! made on one works on the other, a revocation on one holds at once on the other, and the login
//! throttle counts the attempts made on both.

use app::auth::api::{LogIn, LogOut, Whoami};
use app::security::api::{ListSessions, RevokeSession};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, browser, set_cookies, spawn_app, spawn_app_with};

const OWNER: &str = "kari@example.no";
const WRONG: &str = "guess guess guess guess";

/// Instance A, and instance B on A's database with A's master key. `None` (with a note) unless
/// the tests run on PostgreSQL: several instances on one SQLite file is not a supported shape.
async fn two_instances() -> Option<(TestApp, TestApp)> {
    if !std::env::var("TRYGG_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        eprintln!("skipped: set TRYGG_TEST_DATABASE_URL to a postgres:// server to run two instances on it");
        return None;
    }
    let a = spawn_app().await;
    let shared = a.state.config.clone();
    let b = spawn_app_with(move |c| {
        c.database_url = shared.database_url.clone();
        c.master_key = shared.master_key.clone();
    })
    .await;
    Some((a, b))
}

/// A fresh login on `instance`: the session token its answer sets.
async fn log_in_on(instance: &TestApp, email: &str) -> String {
    let response =
        instance.call_with(&browser(&instance.base), LogIn::PATH, &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), 200);
    let cookie = set_cookies(&response).into_iter().find(|c| c.starts_with("trygg_session=")).unwrap();
    cookie.trim_start_matches("trygg_session=").split(';').next().unwrap().to_string()
}

/// A request to `instance` carrying this session token and no other cookie, from its own origin.
fn with_session(instance: &TestApp, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    plain
        .request(method, instance.url(path))
        .header("cookie", format!("trygg_session={token}"))
        .header("origin", instance.base.as_str())
}

/// Whether the session is good on that instance: an app page opens, or sends it to /login.
async fn signed_in_on(instance: &TestApp, token: &str) -> bool {
    let response = with_session(instance, reqwest::Method::GET, "/calendar", token).send().await.unwrap();
    match response.status().as_u16() {
        200 => true,
        302 | 303 | 307 => {
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/login"));
            false
        }
        other => panic!("unexpected status {other}"),
    }
}

async fn call_on(instance: &TestApp, token: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    with_session(instance, reqwest::Method::POST, path, token).form(form).send().await.unwrap()
}

#[tokio::test]
async fn a_session_from_one_instance_works_on_the_other_and_revocations_hold_at_once() {
    let Some((a, b)) = two_instances().await else { return };
    a.verified_user(OWNER).await;
    let phone = log_in_on(&a, OWNER).await;
    assert!(signed_in_on(&b, &phone).await, "signed in on A, recognised on B");
    let me: Value = call_on(&b, &phone, Whoami::PATH, &[]).await.json().await.unwrap();
    assert_eq!(me["email"], OWNER);
    let laptop = log_in_on(&a, OWNER).await;
    assert!(signed_in_on(&b, &laptop).await);

    // The owner signs the laptop out on A: B refuses it on the very next request.
    let sessions: Vec<Value> = call_on(&a, &phone, ListSessions::PATH, &[]).await.json().await.unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["this_device"] == false).unwrap()["id"].to_string();
    assert_eq!(call_on(&a, &phone, RevokeSession::PATH, &[("id", &other)]).await.status(), 200);
    assert!(!signed_in_on(&b, &laptop).await, "revoked on A, refused on B at once");
    assert_eq!(call_on(&b, &laptop, Whoami::PATH, &[]).await.json::<Value>().await.unwrap(), Value::Null);
    assert!(signed_in_on(&b, &phone).await, "the other session goes on");

    // And the other way round: logging out through B ends the session on A.
    assert_eq!(call_on(&b, &phone, LogOut::PATH, &[]).await.status(), 200);
    assert!(!signed_in_on(&a, &phone).await, "logged out on B, refused on A");
}

#[tokio::test]
async fn the_login_throttle_counts_the_attempts_made_on_both_instances() {
    let Some((a, b)) = two_instances().await else { return };
    for (account, first, second) in [("x@example.no", &a, &b), ("y@example.no", &b, &a)] {
        first.verified_user(account).await;
        for attempt in 1..=3 {
            assert_eq!(first.log_in(account, WRONG).await.status(), 401, "{account}: attempt {attempt}");
        }
        for attempt in 4..=5 {
            assert_eq!(second.log_in(account, WRONG).await.status(), 401, "{account}: attempt {attempt}");
        }
        // Three failures on each instance: the sixth attempt is refused wherever it lands.
        assert_eq!(second.log_in(account, WRONG).await.status(), 429, "{account}: the sixth attempt");
        assert_eq!(first.log_in(account, PASSWORD).await.status(), 429, "{account}: the other instance too");
        assert_eq!(second.log_in(account, PASSWORD).await.status(), 429, "{account}: even the right password");
    }
}
