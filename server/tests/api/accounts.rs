//! Sign-up, email verification, login, throttling.

use app::auth::api::{LogIn, RequestPasswordReset, ResetPassword, SignUp, VerifyEmail};
use app::components::layout::SetLanguage;
use app::security::api::SecurityLog;
use leptos::server_fn::ServerFn as _;
use std::time::Instant;

use crate::helpers::{PASSWORD, error_of, fields, spawn_app, spawn_app_with};

#[tokio::test]
async fn sign_up_verify_and_log_in() {
    let app = spawn_app().await;
    let response = app.sign_up("Kari@Example.no").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("serverfnredirect"));
    assert_eq!(response.headers()["location"], "/signup/sent");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'kari@example.no'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM practices WHERE name = 'Klinikk Nord'").await, 1);

    // Not verified yet: the right password is not enough. The link just sent is not sent again...
    let early = app.log_in("kari@example.no", PASSWORD).await;
    assert_eq!(early.status(), 401);
    assert_eq!(error_of(early).await, serde_json::json!({"Rejected": "EmailNotVerified"}));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1, "no mail flood from repeated logins");
    // ...but once it is a while old, a login sends a fresh one.
    app.clock.advance(11 * 60);
    assert_eq!(app.log_in("kari@example.no", PASSWORD).await.status(), 401);
    app.wait_for_mail("kari@example.no", 2).await;

    let token = app.verification_token("kari@example.no").await;
    let verified = app.call(VerifyEmail::PATH, &[("token", &token)]).await;
    assert_eq!(verified.status(), 200);
    assert_eq!(verified.headers()["location"], "/login?reason=verified");
    // A used link does not work twice.
    let again = app.call(VerifyEmail::PATH, &[("token", &token)]).await;
    assert_eq!(error_of(again).await, serde_json::json!({"Rejected": "InvalidLink"}));

    let login = app.log_in("KARI@example.no ", PASSWORD).await;
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["location"], "/calendar");

    let page = app.get("/calendar").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Klinikk Nord"), "the shell names the practice");
    assert!(html.contains("Kari Nordmann"));
}

#[tokio::test]
async fn expired_verification_link_is_refused() {
    let app = spawn_app().await;
    app.sign_up("late@example.no").await;
    let token = app.verification_token("late@example.no").await;
    app.clock.advance(24 * 3600 + 1);
    let response = app.call(VerifyEmail::PATH, &[("token", &token)]).await;
    assert_eq!(error_of(response).await, serde_json::json!({"Rejected": "InvalidLink"}));
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL").await, 0);
}

#[tokio::test]
async fn bad_sign_up_input_names_each_field_and_changes_nothing() {
    let app = spawn_app().await;
    let response = app
        .call(
            SignUp::PATH,
            &[("practice_name", "  "), ("name", "Kari"), ("email", "not-an-email"), ("password", "short")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let error = error_of(response).await;
    assert_eq!(fields(&error), ["practice_name", "email", "password"]);
    assert_eq!(error["Validation"][2]["problem"], serde_json::json!({"PasswordTooShort": {"min": 15}}));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM practices").await, 0);

    // A password built on the account's own details is refused next to the password field.
    let personal = app
        .call(
            SignUp::PATH,
            &[
                ("practice_name", "Klinikk Nord"),
                ("name", "Kari"),
                ("email", "kari@example.no"),
                ("password", "klinikk nord forever and ever"),
            ],
        )
        .await;
    assert_eq!(personal.status(), 422);
    assert_eq!(
        error_of(personal).await["Validation"][0],
        serde_json::json!({"field": "password", "problem": "PasswordContainsAccountDetails"})
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    // So is a common or breached password.
    let common = app
        .call(
            SignUp::PATH,
            &[
                ("practice_name", "Klinikk"),
                ("name", "Kari"),
                ("email", "kari@example.no"),
                ("password", "aaaaaaaaaaaaaaa"),
            ],
        )
        .await;
    assert_eq!(
        error_of(common).await["Validation"][0],
        serde_json::json!({"field": "password", "problem": "PasswordTooCommon"})
    );

    // A missing field is a clear refusal too, not a 500.
    let missing = app.call(SignUp::PATH, &[("name", "Kari")]).await;
    assert_eq!(missing.status(), 422);
    assert_eq!(error_of(missing).await, serde_json::json!({"Rejected": "MalformedRequest"}));
}

#[tokio::test]
async fn signing_up_with_a_taken_email_answers_alike_and_tells_the_owner() {
    let app = spawn_app().await;
    let first = app.sign_up("taken@example.no").await;
    let second = app.sign_up("taken@example.no").await;
    assert_eq!(first.status(), second.status());
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(first.text().await.unwrap(), second.text().await.unwrap());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM practices").await, 1, "the second practice was rolled back");
    let mails = app.wait_for_mail("taken@example.no", 2).await;
    assert!(mails.iter().any(|(subject, _)| subject.contains("tried to create")), "{mails:?}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer_in_similar_time() {
    let app = spawn_app_with(|c| c.session.login_throttle.max_failures_per_account = 100).await;
    app.signed_in_user("owner@example.no").await;

    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..5 {
        let started = Instant::now();
        let response = app.log_in("owner@example.no", "not the password at all").await;
        wrong.push(started.elapsed());
        assert_eq!(response.status(), 401);
        assert_eq!(error_of(response).await, serde_json::json!({"Rejected": "WrongCredentials"}));

        let started = Instant::now();
        let response = app.log_in(&format!("nobody{round}@example.no"), "not the password at all").await;
        unknown.push(started.elapsed());
        assert_eq!(response.status(), 401);
        assert_eq!(error_of(response).await, serde_json::json!({"Rejected": "WrongCredentials"}));
    }
    wrong.sort();
    unknown.sort();
    let (wrong, unknown) = (wrong[2].as_secs_f64(), unknown[2].as_secs_f64());
    let ratio = wrong / unknown;
    assert!((0.5..2.0).contains(&ratio), "median wrong password {wrong:.4}s vs unknown email {unknown:.4}s");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account() {
    let app = spawn_app().await;
    app.signed_in_user("victim@example.no").await;
    app.signed_in_user("other@example.no").await;
    for _ in 0..5 {
        assert_eq!(app.log_in("victim@example.no", "guess guess guess guess").await.status(), 401);
    }
    // Now even the right password waits: the attacker learns nothing from further guesses.
    let locked = app.log_in("victim@example.no", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let error = error_of(locked).await;
    assert!(error["RateLimited"]["retry_after_secs"].as_i64().unwrap() > 0);
    // Another account from the same address is not affected.
    assert_eq!(app.log_in("other@example.no", PASSWORD).await.status(), 200);
    // The window passes.
    app.clock.advance(15 * 60 + 1);
    assert_eq!(app.log_in("victim@example.no", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn unknown_emails_are_throttled_like_real_ones() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(app.log_in("ghost@example.no", "guess guess guess guess").await.status(), 401);
    }
    assert_eq!(app.log_in("ghost@example.no", "guess guess guess guess").await.status(), 429);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_ip_and_forwarded_for_cannot_dodge_it() {
    let app = spawn_app_with(|c| c.session.login_throttle.max_failures_per_ip = 3).await;
    app.signed_in_user("someone@example.no").await;
    for i in 0..3 {
        let (forwarded, email) = (format!("198.51.100.{i}"), format!("spray{i}@example.no"));
        let response = app.log_in_forwarded(&forwarded, &email, "guess guess guess guess").await;
        assert_eq!(response.status(), 401);
    }
    // A browser that never signed in to the account (the test's own one did, and is known).
    let spoofed = crate::helpers::browser(&app.base)
        .post(app.url(LogIn::PATH))
        .header("x-forwarded-for", "203.0.113.99")
        .form(&[("email", "someone@example.no"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 429, "the socket address is the client without a trusted proxy");
    let scope = app.state.throttle.stored_scope("net:127.0.0.1");
    let recorded: i64 = app.count(&format!("SELECT COUNT(*) FROM login_attempts WHERE scope = '{scope}'")).await;
    assert_eq!(recorded, 3, "three failures count; the refused attempt does not");
}

#[tokio::test]
async fn a_trusted_proxy_forwards_the_client_address() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    app.signed_in_user("proxied@example.no").await;
    let response = app.log_in_forwarded("198.51.100.23", "proxied@example.no", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let ips: Vec<String> =
        sqlx::query_scalar("SELECT ip FROM sessions ORDER BY created_at").fetch_all(&app.state.db).await.unwrap();
    assert!(ips.contains(&"198.51.100.23".to_string()), "{ips:?}");
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let app = spawn_app().await;
    let login_page = app.url("/login");
    // A plain HTML form post: the browser asks for HTML and sends the page as Referer.
    let failed = app
        .client
        .post(app.url(LogIn::PATH))
        .header("accept", "text/html")
        .header("referer", &login_page)
        .form(&[("email", "nobody@example.no"), ("password", "wrong wrong wrong wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 302);
    let back = failed.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&login_page) && back.contains("__err="), "{back}");
    let page = app.client.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Wrong email or password.") || page.contains("Feil e-post eller passord."), "{page}");

    app.signed_in_user("nojs@example.no").await;
    let fresh = crate::helpers::browser(&app.base);
    let ok = fresh
        .post(app.url(LogIn::PATH))
        .header("accept", "text/html")
        .header("referer", &login_page)
        .form(&[("email", "nojs@example.no"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 302);
    assert_eq!(ok.headers()["location"], "/calendar");
    let calendar = fresh.get(app.url("/calendar")).send().await.unwrap();
    assert_eq!(calendar.status(), 200);
}

#[tokio::test]
async fn pages_follow_the_browser_language_and_the_switch() {
    let app = spawn_app().await;
    let norwegian = app.client.get(app.url("/login")).header("accept-language", "nb-NO,nb;q=0.9,en;q=0.5").send().await;
    let html = norwegian.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"nb\""), "{html}");
    assert!(html.contains("Logg inn"));

    let english = app.client.get(app.url("/login")).header("accept-language", "en-GB").send().await;
    assert!(english.unwrap().text().await.unwrap().contains("Log in"));

    let switched = app.call(SetLanguage::PATH, &[("lang", "nb")]).await;
    assert_eq!(switched.status(), 200);
    let html = app.client.get(app.url("/login")).header("accept-language", "en-GB").send().await.unwrap();
    assert!(html.text().await.unwrap().contains("<html lang=\"nb\""));

    let bad = app.call(SetLanguage::PATH, &[("lang", "xx")]).await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_cannot_outrun_the_throttle() {
    let app = spawn_app().await;
    app.verified_user("burst@example.no").await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (app.client.clone(), app.url(LogIn::PATH));
        requests.spawn(async move {
            let form = [("email", "burst@example.no"), ("password", "guess guess guess guess")];
            client.post(url).form(&form).send().await.unwrap().status().as_u16()
        });
    }
    let statuses = requests.join_all().await;
    let checked = statuses.iter().filter(|s| **s != 429).count();
    assert_eq!(checked, 5, "exactly the account's first 5 attempts reach the password check: {statuses:?}");
}

#[tokio::test]
async fn sign_ups_are_limited_per_network() {
    let app = spawn_app_with(|c| c.session.login_throttle.max_mail_requests_per_ip = 3).await;
    for i in 0..3 {
        assert_eq!(app.sign_up(&format!("flood{i}@example.no")).await.status(), 200);
    }
    let refused = app.sign_up("flood3@example.no").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
    // Bad input is answered without using up an attempt.
    assert_eq!(
        app.call(SignUp::PATH, &[("practice_name", ""), ("name", ""), ("email", ""), ("password", "")]).await.status(),
        422
    );
    app.clock.advance(15 * 60 + 1);
    assert_eq!(app.sign_up("flood3@example.no").await.status(), 200);
}

/// The token of the `nth` (1-based) reset link mailed to this address.
async fn reset_link_token(app: &crate::helpers::TestApp, email: &str, nth: usize) -> String {
    let bodies = app.wait_for_subject(email, "Set a new Trygg password", nth).await;
    let link = bodies[0].lines().find(|l| l.contains("/reset-password?token=")).expect("reset link");
    link.split("token=").nth(1).unwrap().trim().to_string()
}

#[tokio::test]
async fn forgot_password_answers_alike_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    app.verified_user("kari@example.no").await;
    let known = app.call(RequestPasswordReset::PATH, &[("email", "kari@example.no")]).await;
    let unknown = app.call(RequestPasswordReset::PATH, &[("email", "nobody@example.no")]).await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.headers()["location"], "/forgot-password/sent");
    assert_eq!(unknown.headers()["location"], "/forgot-password/sent");
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    reset_link_token(&app, "kari@example.no", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'nobody@example.no'").await, 0);
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT token_hash FROM password_resets").fetch_all(&app.state.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32, "only the SHA-256 of the token is kept");

    let bad = app.call(RequestPasswordReset::PATH, &[("email", "not an email")]).await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn a_reset_link_works_once_and_signs_out_every_session() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let phone = app.another_browser("kari@example.no", crate::helpers::PHONE_SAFARI).await;
    app.call(RequestPasswordReset::PATH, &[("email", "kari@example.no")]).await;
    let token = reset_link_token(&app, "kari@example.no", 1).await;

    // A refused password leaves the link working.
    let weak = app.call(ResetPassword::PATH, &[("token", &token), ("new_password", "short")]).await;
    assert_eq!(weak.status(), 422);
    assert_eq!(error_of(weak).await["Validation"][0]["field"], "new_password");

    let new_password = "seven quiet herons by the fjord";
    let ok = app.call(ResetPassword::PATH, &[("token", &token), ("new_password", new_password)]).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["location"], "/login?reason=password_reset");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0, "every session ends");
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 303);

    let again =
        app.call(ResetPassword::PATH, &[("token", &token), ("new_password", "another long new password")]).await;
    assert_eq!(error_of(again).await, serde_json::json!({"Rejected": "InvalidLink"}));
    assert_eq!(app.log_in("kari@example.no", PASSWORD).await.status(), 401);
    assert_eq!(app.log_in("kari@example.no", new_password).await.status(), 200);
    let log: Vec<serde_json::Value> = app.call(SecurityLog::PATH, &[]).await.json().await.unwrap();
    assert!(log.iter().any(|e| e["kind"] == "PasswordReset"), "{log:?}");
    let notice = app.wait_for_subject("kari@example.no", "Your Trygg password was changed", 1).await;
    assert!(notice[0].contains("127.0.0.1"), "{notice:?}");
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour_and_a_newer_one_replaces_it() {
    let app = spawn_app().await;
    app.verified_user("kari@example.no").await;
    app.call(RequestPasswordReset::PATH, &[("email", "kari@example.no")]).await;
    let first = reset_link_token(&app, "kari@example.no", 1).await;
    app.call(RequestPasswordReset::PATH, &[("email", "kari@example.no")]).await;
    let second = reset_link_token(&app, "kari@example.no", 2).await;
    let replaced =
        app.call(ResetPassword::PATH, &[("token", &first), ("new_password", "seven quiet herons by the fjord")]).await;
    assert_eq!(error_of(replaced).await, serde_json::json!({"Rejected": "InvalidLink"}));
    app.clock.advance(3600);
    let expired =
        app.call(ResetPassword::PATH, &[("token", &second), ("new_password", "seven quiet herons by the fjord")]).await;
    assert_eq!(error_of(expired).await, serde_json::json!({"Rejected": "InvalidLink"}));
    assert_eq!(app.log_in("kari@example.no", PASSWORD).await.status(), 200, "the password is unchanged");
}

#[tokio::test]
async fn a_reset_through_the_mailbox_also_proves_the_address() {
    let app = spawn_app().await;
    app.sign_up("unverified@example.no").await;
    app.wait_for_mail("unverified@example.no", 1).await;
    app.call(RequestPasswordReset::PATH, &[("email", "unverified@example.no")]).await;
    let token = reset_link_token(&app, "unverified@example.no", 1).await;
    let new_password = "seven quiet herons by the fjord";
    assert_eq!(app.call(ResetPassword::PATH, &[("token", &token), ("new_password", new_password)]).await.status(), 200);
    assert_eq!(app.log_in("unverified@example.no", new_password).await.status(), 200);
}
