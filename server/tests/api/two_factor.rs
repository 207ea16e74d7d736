//! Two-factor sign-in: set-up, the code step, replay, drift, throttling, recovery codes, and
//! turning it off.

use app::auth::api::{ConfirmPassword, LogIn, LogInCode, Whoami};
use app::security::api::{ChangePassword, ListSessions, RevokeOtherSessions, SecurityLog};
use app::two_factor::api::{BeginTwoFactor, DisableTwoFactor, EnableTwoFactor, RenewRecoveryCodes, TwoFactorState};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, browser, error_of, set_cookies, spawn_app, totp_code};

const EMAIL: &str = "kari@example.no";

async fn problem_of(response: reqwest::Response) -> Value {
    error_of(response).await
}

fn field_problem(error: &Value, field: &str) -> Value {
    error["Validation"].as_array().unwrap().iter().find(|e| e["field"] == field).unwrap()["problem"].clone()
}

async fn event_kinds(app: &TestApp, client: &reqwest::Client) -> Vec<String> {
    let events: Vec<Value> = app.call_with(client, SecurityLog::PATH, &[]).await.json().await.unwrap();
    events.iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

async fn code_step(app: &TestApp, client: &reqwest::Client, code: &str) -> reqwest::Response {
    app.call_with(client, LogInCode::PATH, &[("code", code)]).await
}

#[tokio::test]
async fn set_up_needs_a_fresh_sign_in_and_a_right_code_and_stores_no_secret_in_the_clear() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let phone = app.another_browser(EMAIL, crate::helpers::PHONE_SAFARI).await;
    app.clock.advance(11 * 60);
    let stale = app.call(BeginTwoFactor::PATH, &[]).await;
    assert_eq!(stale.status(), 401);
    assert_eq!(problem_of(stale).await["Rejected"], "FreshSignInRequired");

    assert_eq!(app.call(ConfirmPassword::PATH, &[("password", PASSWORD)]).await.status(), 200);
    let setup: Value = app.call(BeginTwoFactor::PATH, &[]).await.json().await.unwrap();
    let key = setup["key"].as_str().unwrap().to_string();
    assert!(setup["qr_png_base64"].as_str().unwrap().len() > 200, "a QR code is drawn");
    assert_eq!(setup["account"], EMAIL);

    let wrong = app.call(EnableTwoFactor::PATH, &[("code", "000000")]).await;
    assert_eq!(wrong.status(), 422);
    let right_code = totp_code(&app, &key, 0);
    if right_code != "000000" {
        assert_eq!(field_problem(&problem_of(wrong).await, "code"), "WrongCode");
    }
    let garbled = app.call(EnableTwoFactor::PATH, &[("code", "12ab")]).await;
    assert_eq!(field_problem(&problem_of(garbled).await, "code"), "CodeFormat");
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!(status["enabled"], false, "nothing changes on a wrong code");

    let enabled = app.call(EnableTwoFactor::PATH, &[("code", &right_code)]).await;
    assert_eq!(enabled.status(), 200);
    let codes: Vec<String> = enabled.json().await.unwrap();
    assert_eq!(codes.len(), 10);
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!((status["enabled"].clone(), status["recovery_codes_left"].clone()), (Value::Bool(true), 10.into()));
    assert!(event_kinds(&app, &app.client).await.contains(&"TwoFactorEnabled".to_string()));
    assert_eq!(
        phone.get(app.url("/calendar")).send().await.unwrap().status(),
        303,
        "other sessions never gave a code: they are signed out"
    );
    app.wait_for_subject(EMAIL, "Two-factor security is on for your Trygg account", 1).await;

    // At rest: the secret is sealed, the recovery codes are hashes.
    let secret = app_core_secret(&key);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_slice()));
    let hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes").fetch_all(&app.state.db).await.unwrap();
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let plain = code.replace('-', "");
        assert!(hashes.iter().all(|h| !h.windows(plain.len()).any(|w| w == plain.as_bytes())));
    }
}

fn app_core_secret(key: &str) -> Vec<u8> {
    app::two_factor::totp::TotpSecret::from_base32(key).unwrap().as_bytes().to_vec()
}

#[tokio::test]
async fn after_the_password_only_the_code_step_is_open_and_a_code_replaces_the_state_with_a_session() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;

    let client = browser(&app.base);
    let password = app.call_with(&client, LogIn::PATH, &[("email", EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(password.headers()["location"], "/login/code");
    let cookies = set_cookies(&password);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("trygg_login=") && c.contains("HttpOnly") && c.contains("SameSite=Strict"))
    );
    assert!(!cookies.iter().any(|c| c.starts_with("trygg_session=")), "no session before the code");

    // The partial state reaches nothing but the code step.
    assert_eq!(client.get(app.url("/calendar")).send().await.unwrap().headers()["location"], "/login");
    assert_eq!(client.get(app.url("/settings/security")).send().await.unwrap().status(), 303);
    let whoami: Value = app.call_with(&client, Whoami::PATH, &[]).await.json().await.unwrap();
    assert_eq!(whoami, Value::Null);
    for function in
        [ListSessions::PATH, SecurityLog::PATH, TwoFactorState::PATH, BeginTwoFactor::PATH, RevokeOtherSessions::PATH]
    {
        assert_eq!(app.call_with(&client, function, &[]).await.status(), 401, "{function}");
    }
    assert_eq!(client.get(app.url("/login/code")).send().await.unwrap().status(), 200);

    let code = totp_code(&app, &two_factor.key, 0);
    let signed_in = code_step(&app, &client, &code).await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(signed_in.headers()["location"], "/calendar");
    let cookies = set_cookies(&signed_in);
    assert!(cookies.iter().any(|c| c.starts_with("trygg_session=") && !c.starts_with("trygg_session=;")));
    assert!(cookies.iter().any(|c| c.starts_with("trygg_login=;") && c.contains("Max-Age=0")));
    assert_eq!(client.get(app.url("/calendar")).send().await.unwrap().status(), 200);
    let kinds = event_kinds(&app, &client).await;
    assert!(kinds.contains(&"SignIn".to_string()));

    // The challenge is spent: the code step does not work again.
    let again = code_step(&app, &client, &totp_code(&app, &two_factor.key, 1)).await;
    assert_eq!(problem_of(again).await["Rejected"], "LoginExpired");
}

#[tokio::test]
async fn a_code_is_accepted_once_and_the_set_up_code_never_signs_in() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let setup: Value = app.call(BeginTwoFactor::PATH, &[]).await.json().await.unwrap();
    let key = setup["key"].as_str().unwrap().to_string();
    let setup_code = totp_code(&app, &key, 0);
    assert_eq!(app.call(EnableTwoFactor::PATH, &[("code", &setup_code)]).await.status(), 200);

    let client = app.password_step(EMAIL).await;
    let replayed = code_step(&app, &client, &setup_code).await;
    assert_eq!(field_problem(&problem_of(replayed).await, "code"), "WrongCode", "the set-up code is spent");

    app.clock.advance(30);
    let code = totp_code(&app, &key, 0);
    assert_eq!(code_step(&app, &client, &code).await.status(), 200);
    let second = app.password_step(EMAIL).await;
    let replayed = code_step(&app, &second, &code).await;
    assert_eq!(field_problem(&problem_of(replayed).await, "code"), "WrongCode", "sent twice, accepted once");
}

#[tokio::test]
async fn the_same_code_in_parallel_requests_signs_in_exactly_once() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(app.password_step(EMAIL).await);
    }
    let code = totp_code(&app, &two_factor.key, 0);
    let attempts = clients.iter().map(|client| code_step(&app, client, &code));
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|r| r.status() == 200).count();
    assert_eq!(ok, 1, "statuses: {:?}", results.iter().map(|r| r.status()).collect::<Vec<_>>());
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2, "the owner's first session and one more");
}

#[tokio::test]
async fn one_step_of_clock_drift_is_accepted_either_way_and_two_are_not() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    // Well past the set-up code's step, so that only drift decides.
    app.clock.advance(60);
    let client = app.password_step(EMAIL).await;
    for offset in [2, -2] {
        let far = code_step(&app, &client, &totp_code(&app, &two_factor.key, offset)).await;
        assert_eq!(far.status(), 422, "offset {offset} is refused");
    }
    assert_eq!(code_step(&app, &client, &totp_code(&app, &two_factor.key, -1)).await.status(), 200);
    let client = app.password_step(EMAIL).await;
    assert_eq!(code_step(&app, &client, &totp_code(&app, &two_factor.key, 1)).await.status(), 200);
}

#[tokio::test]
async fn wrong_codes_are_logged_and_a_right_code_still_works_below_the_limit() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    let client = app.password_step(EMAIL).await;
    let right = totp_code(&app, &two_factor.key, 0);
    let wrong = if right == "111111" { "222222" } else { "111111" };
    for _ in 0..5 {
        let refused = code_step(&app, &client, wrong).await;
        assert_eq!(field_problem(&problem_of(refused).await, "code"), "WrongCode");
    }
    assert!(event_kinds(&app, &app.client).await.contains(&"WrongCode".to_string()));
    assert_eq!(code_step(&app, &client, &right).await.status(), 200, "five wrong codes do not lock the owner out");
    assert_eq!(app.count("SELECT totp_failures FROM users").await, 0, "a completed sign-in starts the count again");
}

#[tokio::test]
async fn the_code_step_expires() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    let client = app.password_step(EMAIL).await;
    app.clock.advance(15 * 60 + 1);
    let late = code_step(&app, &client, &totp_code(&app, &two_factor.key, 0)).await;
    assert_eq!(problem_of(late).await["Rejected"], "LoginExpired");
    let none = code_step(&app, &browser(&app.base), &totp_code(&app, &two_factor.key, 0)).await;
    assert_eq!(problem_of(none).await["Rejected"], "LoginExpired", "no challenge, no code step");
}

#[tokio::test]
async fn each_recovery_code_works_once_also_in_parallel_and_renewing_voids_the_old_set() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    let first = &two_factor.recovery_codes[0];

    let client = app.password_step(EMAIL).await;
    let used = code_step(&app, &client, &first.to_lowercase()).await;
    assert_eq!(used.status(), 200, "typed in lower case still works");
    app.wait_for_subject(EMAIL, "A recovery code was used for your Trygg account", 1).await;
    let again = app.password_step(EMAIL).await;
    assert_eq!(code_step(&app, &again, first).await.status(), 422, "used once");

    let second = &two_factor.recovery_codes[1];
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(app.password_step(EMAIL).await);
    }
    let results = futures::future::join_all(clients.iter().map(|client| code_step(&app, client, second))).await;
    assert_eq!(results.iter().filter(|r| r.status() == 200).count(), 1);
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!(status["recovery_codes_left"], 8);

    app.clock.advance(11 * 60);
    let stale = app.call(RenewRecoveryCodes::PATH, &[]).await;
    assert_eq!(problem_of(stale).await["Rejected"], "FreshSignInRequired");
    app.call(ConfirmPassword::PATH, &[("password", PASSWORD)]).await;
    let renewed: Vec<String> = app.call(RenewRecoveryCodes::PATH, &[]).await.json().await.unwrap();
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|code| !two_factor.recovery_codes.contains(code)));
    let old = app.password_step(EMAIL).await;
    assert_eq!(code_step(&app, &old, &two_factor.recovery_codes[2]).await.status(), 422, "the old set is void");
    assert_eq!(code_step(&app, &old, &renewed[0]).await.status(), 200);
}

#[tokio::test]
async fn turning_off_needs_the_password_and_a_code() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let two_factor = app.enable_two_factor().await;
    let code = totp_code(&app, &two_factor.key, 0);

    let no_code = app.call(DisableTwoFactor::PATH, &[("password", PASSWORD), ("code", "")]).await;
    assert_eq!(field_problem(&problem_of(no_code).await, "code"), "Required");
    let wrong_password =
        app.call(DisableTwoFactor::PATH, &[("password", "not the password at all"), ("code", &code)]).await;
    assert_eq!(field_problem(&problem_of(wrong_password).await, "password"), "WrongPassword");
    let wrong_code = if code == "123456" { "654321" } else { "123456" };
    let bad = app.call(DisableTwoFactor::PATH, &[("password", PASSWORD), ("code", wrong_code)]).await;
    assert_eq!(field_problem(&problem_of(bad).await, "code"), "WrongCode");
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!(status["enabled"], true, "still on after refused attempts");

    let off = app.call(DisableTwoFactor::PATH, &[("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(off.status(), 200);
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!((status["enabled"].clone(), status["recovery_codes_left"].clone()), (Value::Bool(false), 0.into()));
    assert!(event_kinds(&app, &app.client).await.contains(&"TwoFactorDisabled".to_string()));
    let plain = browser(&app.base);
    let login = app.call_with(&plain, LogIn::PATH, &[("email", EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(login.headers()["location"], "/calendar", "no code step any more");
}

#[tokio::test]
async fn with_two_factor_the_password_minimum_is_eight() {
    let app = spawn_app().await;
    app.signed_in_user(EMAIL).await;
    let short = "tindra-lake";
    let refused = app.call(ChangePassword::PATH, &[("current_password", PASSWORD), ("new_password", short)]).await;
    assert_eq!(field_problem(&problem_of(refused).await, "new_password")["PasswordTooShort"]["min"], 15);
    let two_factor = app.enable_two_factor().await;
    let changed = app.call(ChangePassword::PATH, &[("current_password", PASSWORD), ("new_password", short)]).await;
    assert_eq!(changed.status(), 200);

    // Turning two-factor off with a password that short is refused until the password is longer.
    let code = totp_code(&app, &two_factor.key, 0);
    let off = app.call(DisableTwoFactor::PATH, &[("password", short), ("code", &code)]).await;
    assert_eq!(field_problem(&problem_of(off).await, "password")["PasswordTooShortWithoutTwoFactor"]["min"], 15);
    let status: Value = app.call(TwoFactorState::PATH, &[]).await.json().await.unwrap();
    assert_eq!(status["enabled"], true);
}
