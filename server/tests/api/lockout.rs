//! Brute force and lockout, played as the attacker: guessing two-factor codes between fresh
//! password steps, bursts in parallel, locking an owner out from other networks, and what the
//! operator's log shows of it.

use app::auth::api::{
    ConfirmPassword, LogIn, LogInCode, LogOut, RequestPasswordReset, ResetPassword, SignUp, VerifyEmail,
};
use app::security::api::ChangePassword;
use app::two_factor::api::{DisableTwoFactor, RenewRecoveryCodes};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::helpers::{
    PASSWORD, TestApp, browser, browser_behind_proxy, error_of, spawn_app, spawn_app_with, totp_code,
};

const OWNER: &str = "kari@example.no";
const GUESS: &str = "guess guess guess guess";

async fn behind_proxy(adjust: impl FnOnce(&mut app::server::config::Config)) -> TestApp {
    spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        adjust(config);
    })
    .await
}

async fn log_in(app: &TestApp, client: &reqwest::Client, password: &str) -> reqwest::Response {
    app.call_with(client, LogIn::PATH, &[("email", OWNER), ("password", password)]).await
}

/// The right password from a new browser on `network`: the browser now holds a login challenge.
async fn password_step_from(app: &TestApp, network: &str) -> reqwest::Client {
    let client = browser_behind_proxy(&app.base, network);
    let response = log_in(app, &client, PASSWORD).await;
    assert_eq!(response.headers()["location"], "/login/code", "from {network}");
    client
}

async fn code_step(app: &TestApp, client: &reqwest::Client, code: &str) -> reqwest::Response {
    app.call_with(client, LogInCode::PATH, &[("code", code)]).await
}

async fn code_problem(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 422);
    error_of(response).await["Validation"][0]["problem"].clone()
}

fn wrong_code_for(right: &str) -> &'static str {
    if right == "111111" { "222222" } else { "111111" }
}

async fn event_count(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM security_events WHERE kind = '{kind}'")).await
}

#[tokio::test]
async fn fresh_password_steps_between_wrong_codes_do_not_reset_the_count_and_the_eleventh_code_is_refused() {
    let app = behind_proxy(|_| {}).await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let wrong = wrong_code_for(&totp_code(&app, &two_factor.key, 0));

    // Four wrong codes, the password again (from another network each time), four more, ...
    let mut answers = Vec::new();
    for network in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let attacker = password_step_from(&app, network).await;
        for _ in 0..4 {
            if answers.len() < 10 {
                answers.push(code_problem(code_step(&app, &attacker, wrong).await).await);
            }
        }
    }
    assert_eq!(answers[..9], vec![Value::from("WrongCode"); 9]);
    assert_eq!(answers[9], "CodeStepLocked", "the tenth wrong code in a row locks the code step");

    // The eleventh code is refused even though it is right, after yet another password step.
    let attacker = password_step_from(&app, "198.51.100.4").await;
    let right = code_step(&app, &attacker, &totp_code(&app, &two_factor.key, 0)).await;
    assert_eq!(code_problem(right).await, "CodeStepLocked");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "only the owner's own session exists");

    // The owner's log says so once, and the owner is told someone knows the password.
    assert_eq!(event_count(&app, "code_step_locked").await, 1);
    let mail = app.wait_for_subject(OWNER, "Someone knows your Trygg password", 1).await;
    assert!(mail[0].contains("10 wrong two-factor codes") && mail[0].contains("recovery code"), "{}", mail[0]);
    assert!(!mail[0].contains(PASSWORD));

    // A recovery code still opens the account, and that sign-in unlocks the app's codes.
    let owner = password_step_from(&app, "203.0.113.9").await;
    assert_eq!(code_step(&app, &owner, &two_factor.recovery_codes[0]).await.status(), 200);
    assert_eq!(app.count("SELECT totp_failures FROM users WHERE email = 'kari@example.no'").await, 0);
    app.clock.advance(30);
    let later = password_step_from(&app, "203.0.113.9").await;
    assert_eq!(code_step(&app, &later, &totp_code(&app, &two_factor.key, 0)).await.status(), 200);
}

#[tokio::test]
async fn a_parallel_burst_of_codes_cannot_outrun_the_lock() {
    let app = behind_proxy(|_| {}).await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let right = totp_code(&app, &two_factor.key, 0);
    let wrong = wrong_code_for(&right);
    let attacker = password_step_from(&app, "198.51.100.1").await;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (attacker.clone(), app.url(LogInCode::PATH));
        burst.spawn(async move { client.post(url).form(&[("code", wrong)]).send().await.unwrap() });
    }
    let mut checked = 0;
    for response in burst.join_all().await {
        if code_problem(response).await == "WrongCode" {
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "exactly nine codes are checked before the tenth locks the step");
    assert_eq!(code_problem(code_step(&app, &attacker, &right).await).await, "CodeStepLocked");
}

#[tokio::test]
async fn the_right_password_forgives_nothing_while_a_code_is_still_due() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let attacker = browser(&app.base);
    for _ in 0..4 {
        assert_eq!(log_in(&app, &attacker, GUESS).await.status(), 401);
    }
    // The fifth attempt is right, but a code is due: it still counts.
    assert_eq!(log_in(&app, &attacker, PASSWORD).await.headers()["location"], "/login/code");
    assert_eq!(log_in(&app, &attacker, PASSWORD).await.status(), 429, "the right password did not wipe the slate");

    // A completed sign-in does: the code step of the fifth attempt forgives this network.
    assert_eq!(code_step(&app, &attacker, &totp_code(&app, &two_factor.key, 0)).await.status(), 200);
    let again = browser(&app.base);
    assert_eq!(log_in(&app, &again, PASSWORD).await.headers()["location"], "/login/code");
}

#[tokio::test]
async fn failures_from_other_networks_slow_the_attacker_but_never_the_owners_known_browser() {
    let app = behind_proxy(|config| config.session.login_throttle.max_failures_per_account_per_day = 12).await;
    app.verified_user(OWNER).await;
    let home = browser_behind_proxy(&app.base, "203.0.113.9");
    let first = log_in(&app, &home, PASSWORD).await;
    assert_eq!(first.status(), 200);
    let device = crate::helpers::set_cookies(&first).into_iter().find(|c| c.starts_with("trygg_device=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=15552000"] {
        assert!(device.contains(attribute), "{device}");
    }
    let token = device.split(';').next().unwrap().trim_start_matches("trygg_device=");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM known_devices").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(stored, app::server::crypto::token_hash(token), "only the token's hash is kept");

    // One network's guesses slow that network only.
    let attacker = browser_behind_proxy(&app.base, "198.51.100.1");
    for _ in 0..5 {
        assert_eq!(log_in(&app, &attacker, GUESS).await.status(), 401);
    }
    assert_eq!(log_in(&app, &attacker, GUESS).await.status(), 429);
    assert_eq!(log_in(&app, &attacker, PASSWORD).await.status(), 429, "even the right password waits there");
    let cafe = browser_behind_proxy(&app.base, "192.0.2.44");
    assert_eq!(log_in(&app, &cafe, PASSWORD).await.status(), 200, "the owner on another network is not blocked");

    // Spread over many networks, the guesses reach the account's ceiling (100 a day; 12 here).
    for network in ["198.51.100.2", "198.51.100.3", "198.51.100.4"] {
        let spread = browser_behind_proxy(&app.base, network);
        for _ in 0..4 {
            assert_eq!(log_in(&app, &spread, GUESS).await.status(), 401, "{network}");
        }
    }
    let next = browser_behind_proxy(&app.base, "198.51.100.5");
    assert_eq!(log_in(&app, &next, GUESS).await.status(), 429, "the ceiling holds across networks");
    let new_browser = browser_behind_proxy(&app.base, "192.0.2.45");
    assert_eq!(log_in(&app, &new_browser, PASSWORD).await.status(), 429, "a browser the account never saw waits");

    // The browser that signed in before is not blocked, and its sign-in does not lift the
    // ceiling for the attacker.
    assert_eq!(log_in(&app, &home, PASSWORD).await.status(), 200, "the owner's known browser signs in");
    assert_eq!(log_in(&app, &next, GUESS).await.status(), 429);

    // A device cookie of one account does nothing for another.
    app.verified_user("other@example.no").await;
    let other = app.call_with(&home, LogIn::PATH, &[("email", "other@example.no"), ("password", GUESS)]).await;
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn an_attacker_on_the_same_network_cannot_lock_the_owners_session_out_of_its_settings() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let attacker = browser(&app.base);
    for _ in 0..5 {
        assert_eq!(log_in(&app, &attacker, GUESS).await.status(), 401);
    }
    assert_eq!(log_in(&app, &attacker, PASSWORD).await.status(), 429);
    let confirmed = app.call(ConfirmPassword::PATH, &[("password", PASSWORD)]).await;
    assert_eq!(confirmed.status(), 200, "the running session is throttled on its own");

    // The session's own guesses are limited all the same.
    for _ in 0..5 {
        assert_eq!(app.call(ConfirmPassword::PATH, &[("password", GUESS)]).await.status(), 422);
    }
    assert_eq!(app.call(ConfirmPassword::PATH, &[("password", PASSWORD)]).await.status(), 429);
}

#[tokio::test]
async fn every_change_of_a_sign_in_factor_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let signed_in_elsewhere = || async {
        let phone = app.password_step(OWNER).await;
        let code = totp_code(&app, &two_factor.key, 0);
        assert_eq!(code_step(&app, &phone, &code).await.status(), 200);
        app.clock.advance(30);
        assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 200);
        phone
    };

    let phone = signed_in_elsewhere().await;
    assert_eq!(app.call(ConfirmPassword::PATH, &[("password", PASSWORD)]).await.status(), 200);
    assert_eq!(app.call(RenewRecoveryCodes::PATH, &[]).await.status(), 200);
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 303, "new recovery codes");

    let phone = signed_in_elsewhere().await;
    let code = totp_code(&app, &two_factor.key, 0);
    assert_eq!(app.call(DisableTwoFactor::PATH, &[("password", PASSWORD), ("code", &code)]).await.status(), 200);
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 303, "two-factor turned off");
    assert_eq!(app.get("/calendar").await.status(), 200, "the session that made the change stays");
}

#[tokio::test]
async fn a_password_change_or_reset_ends_every_login_waiting_for_its_code() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let waiting = app.password_step(OWNER).await;
    let new_password = "seven quiet herons by the fjord";
    let changed =
        app.call(ChangePassword::PATH, &[("current_password", PASSWORD), ("new_password", new_password)]).await;
    assert_eq!(changed.status(), 200);
    let late = code_step(&app, &waiting, &totp_code(&app, &two_factor.key, 0)).await;
    assert_eq!(error_of(late).await["Rejected"], "LoginExpired", "begun with the old password");

    let client = browser(&app.base);
    let step = app.call_with(&client, LogIn::PATH, &[("email", OWNER), ("password", new_password)]).await;
    assert_eq!(step.headers()["location"], "/login/code");
    assert_eq!(app.call(RequestPasswordReset::PATH, &[("email", OWNER)]).await.status(), 200);
    let mail = app.wait_for_subject(OWNER, "Set a new Trygg password", 1).await;
    let token = mail[0].split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let reset =
        app.call(ResetPassword::PATH, &[("token", &token), ("new_password", "a brand new and long passphrase")]).await;
    assert_eq!(reset.status(), 200);
    let late = code_step(&app, &client, &totp_code(&app, &two_factor.key, 1)).await;
    assert_eq!(error_of(late).await["Rejected"], "LoginExpired", "begun with the old password");
}

#[tokio::test]
async fn passwords_are_compared_in_their_nfkc_form() {
    let app = spawn_app().await;
    let composed = "bl\u{e5}b\u{e6}rsyltet\u{f8}y p\u{e5} fjellet";
    let decomposed = "bla\u{30a}b\u{e6}rsyltet\u{f8}y pa\u{30a} fjellet";
    let signed_up = app
        .call(SignUp::PATH, &[("practice_name", "Klinikk"), ("name", "Kari"), ("email", OWNER), ("password", composed)])
        .await;
    assert_eq!(signed_up.status(), 200);
    let token = app.verification_token(OWNER).await;
    assert_eq!(app.call(VerifyEmail::PATH, &[("token", &token)]).await.status(), 200);
    assert_eq!(log_in(&app, &browser(&app.base), decomposed).await.status(), 200, "typed on another system");
}

/// What the server logs at WARN and above, captured for the whole test binary (a subscriber
/// scoped to one test's thread misses events whose callsites other tests' threads cached first).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn global() -> &'static Captured {
        static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
        LOG.get_or_init(|| {
            let log = Captured::default();
            let writer = log.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .with_max_level(tracing::Level::WARN)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
            log
        })
    }

    /// The lines about one client network.
    fn lines_about(&self, network: &str) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines().filter(|line| line.contains(&format!("network={network}"))).map(str::to_string).collect()
    }
}

fn of_event(lines: &[String], event: &str) -> Vec<String> {
    lines.iter().filter(|line| line.contains(&format!("event=\"{event}\""))).cloned().collect()
}

#[tokio::test]
async fn security_failures_reach_the_operators_log_without_secrets() {
    let log = Captured::global();
    let app = behind_proxy(|_| {}).await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let network = "198.51.100.77";

    let attacker = password_step_from(&app, network).await;
    let wrong = wrong_code_for(&totp_code(&app, &two_factor.key, 0));
    code_step(&app, &attacker, wrong).await;
    let stranger = browser_behind_proxy(&app.base, network);
    let typed = "hunter2 is my secret passphrase";
    app.call_with(&stranger, LogIn::PATH, &[("email", "ghost@example.no"), ("password", typed)]).await;
    for _ in 0..4 {
        assert_eq!(log_in(&app, &stranger, typed).await.status(), 401);
    }
    assert_eq!(log_in(&app, &stranger, typed).await.status(), 429, "the password step counted too");
    let cross = stranger
        .post(app.url(LogOut::PATH))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    let lines = log.lines_about(network);
    assert!(lines.iter().all(|line| line.contains("trygg::security")), "{lines:?}");
    let failed = of_event(&lines, "sign_in_failed");
    assert_eq!(failed.len(), 5, "every failed sign-in, the unknown account's too: {lines:?}");
    assert_eq!(failed.iter().filter(|line| line.contains("user_id=")).count(), 4, "the unknown one has no id");
    assert_eq!(of_event(&lines, "rate_limited").len(), 1, "{lines:?}");
    assert_eq!(of_event(&lines, "wrong_code").len(), 1, "{lines:?}");
    assert_eq!(of_event(&lines, "cross_origin_refused").len(), 1, "{lines:?}");
    let everything = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    for secret in [typed, PASSWORD, "ghost@example.no"] {
        assert!(!everything.contains(secret), "{secret:?} is in the log");
    }
}
