//! Settings → Security: sessions and the security log, each only ever the caller's own.

use app::auth::api::{ConfirmPassword, LogOut};
use app::security::api::{
    AccountSecurity, ChangePassword, ListSessions, NotMe, RevokeOtherSessions, RevokeSession, SecurityLog,
    SetIdleTimeout,
};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::helpers::{PHONE_SAFARI, TestApp, error_of, spawn_app};

async fn sessions(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let response = app.call_with(client, ListSessions::PATH, &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn event_kinds(app: &TestApp, client: &reqwest::Client) -> Vec<String> {
    let events: Vec<Value> = app.call_with(client, SecurityLog::PATH, &[]).await.json().await.unwrap();
    events.iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_owner_sees_each_session_with_device_ip_and_times() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let _phone = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    app.clock.advance(5 * 60);

    let list = sessions(&app, &app.client).await;
    assert_eq!(list.len(), 2);
    let mine: Vec<&Value> = list.iter().filter(|s| s["this_device"] == true).collect();
    assert_eq!(mine.len(), 1, "exactly one session is this device");
    assert_eq!(mine[0]["device"]["browser"], "Chrome");
    assert_eq!(mine[0]["device"]["os"], "Linux");
    assert_eq!(mine[0]["device"]["kind"], "Computer");
    let phone = list.iter().find(|s| s["this_device"] == false).unwrap();
    assert_eq!(phone["device"]["kind"], "Phone");
    assert_eq!(phone["device"]["browser"], "Safari");
    assert_eq!(phone["ip"], "127.0.0.1");
    assert!(phone["active_secs_ago"].as_i64().unwrap() >= 300);

    let page = app.get("/settings/security").await.text().await.unwrap();
    assert!(page.contains("Safari on iPhone") && page.contains("This device"), "{page}");
    assert!(page.contains("Sign out all other sessions"));
    app.call(RevokeOtherSessions::PATH, &[]).await;
    let alone = app.get("/settings/security").await.text().await.unwrap();
    assert!(!alone.contains("Sign out all other sessions"), "offered only when there are others");
}

#[tokio::test]
async fn signing_out_another_session_ends_it_on_its_very_next_request() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let tablet = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    assert_eq!(tablet.get(app.url("/calendar")).send().await.unwrap().status(), 200);

    let other = sessions(&app, &app.client).await.into_iter().find(|s| s["this_device"] == false).unwrap();
    let id = other["id"].as_i64().unwrap().to_string();
    assert_eq!(app.call(RevokeSession::PATH, &[("id", &id)]).await.status(), 200);

    let next = tablet.get(app.url("/calendar")).send().await.unwrap();
    assert_eq!(next.status(), 303, "the signed-out browser loses access at once");
    assert_eq!(app.get("/calendar").await.status(), 200, "this browser stays signed in");
    assert!(event_kinds(&app, &app.client).await.contains(&"SessionRevoked".to_string()));
}

#[tokio::test]
async fn sign_out_all_others_keeps_only_this_session() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let a = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    let b = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    assert_eq!(app.call(RevokeOtherSessions::PATH, &[]).await.status(), 200);
    let list = sessions(&app, &app.client).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["this_device"], true);
    for other in [a, b] {
        assert_eq!(other.get(app.url("/calendar")).send().await.unwrap().status(), 303);
    }
}

#[tokio::test]
async fn this_was_not_me_signs_out_records_and_leads_to_the_password() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let intruder = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    let other = sessions(&app, &app.client).await.into_iter().find(|s| s["this_device"] == false).unwrap();
    let id = other["id"].as_i64().unwrap().to_string();
    let response = app.call(NotMe::PATH, &[("id", &id)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["location"], "/settings/security?not_me=1#password");
    assert_eq!(intruder.get(app.url("/calendar")).send().await.unwrap().status(), 303);
    assert_eq!(event_kinds(&app, &app.client).await[0], "NotMe");
}

#[tokio::test]
async fn one_owner_can_neither_see_nor_end_another_owners_sessions() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    app.verified_user("ola@example.no").await;
    let ola = app.another_browser("ola@example.no", PHONE_SAFARI).await;
    let ola_session = sessions(&app, &ola).await[0]["id"].as_i64().unwrap().to_string();

    let kari_sees = sessions(&app, &app.client).await;
    assert_eq!(kari_sees.len(), 1, "Kari sees only her own session");
    assert!(kari_sees.iter().all(|s| s["id"].as_i64().unwrap().to_string() != ola_session));

    for function in [RevokeSession::PATH, NotMe::PATH] {
        let response = app.call(function, &[("id", &ola_session)]).await;
        assert_eq!(response.status(), 404, "{function}");
        assert_eq!(error_of(response).await, serde_json::json!("NotFound"));
    }
    app.call(RevokeOtherSessions::PATH, &[]).await;
    assert_eq!(ola.get(app.url("/calendar")).send().await.unwrap().status(), 200, "Ola is still signed in");
    assert!(!event_kinds(&app, &app.client).await.is_empty());
    let ola_log = event_kinds(&app, &ola).await;
    assert_eq!(ola_log, ["SignIn"], "Ola's log holds only Ola's events");
}

#[tokio::test]
async fn signed_out_callers_get_nothing() {
    let app = spawn_app().await;
    for function in [ListSessions::PATH, SecurityLog::PATH, RevokeOtherSessions::PATH] {
        let response = app.call(function, &[]).await;
        assert_eq!(response.status(), 401, "{function}");
    }
    assert_eq!(app.call(RevokeSession::PATH, &[("id", "1")]).await.status(), 401);
}

#[tokio::test]
async fn the_log_records_sign_ins_failures_and_sign_outs() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    app.log_in("kari@example.no", "not the password at all").await;
    let phone = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    app.call_with(&phone, LogOut::PATH, &[]).await;
    let kinds = event_kinds(&app, &app.client).await;
    assert_eq!(kinds, ["SignOut", "SignIn", "SignInFailed", "SignIn"]);
    let page = app.get("/settings/security").await.text().await.unwrap();
    assert!(page.contains("Failed sign-in") && page.contains("Recent security activity"));
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_mailed_to_the_owner() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'New sign-in%'").await,
        0,
        "not for the first"
    );
    app.log_in("kari@example.no", crate::helpers::PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'New sign-in%'").await, 0, "a known device");
    app.another_browser("kari@example.no", PHONE_SAFARI).await;
    let mails = app.wait_for_mail("kari@example.no", 2).await;
    let (subject, body) = &mails[0];
    assert_eq!(subject, "New sign-in to your Trygg account");
    assert!(body.contains("Safari on iPhone") && body.contains("127.0.0.1"), "{body}");
}

#[tokio::test]
async fn changing_the_logout_setting_needs_a_fresh_password() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let settings: Value = app.call(AccountSecurity::PATH, &[]).await.json().await.unwrap();
    assert_eq!(settings, serde_json::json!({"idle_timeout_minutes": 1440, "fresh": true}), "24 hours by default");

    // Just after login the password is fresh.
    assert_eq!(app.call(SetIdleTimeout::PATH, &[("minutes", "60")]).await.status(), 200);
    // Ten minutes later it is not.
    app.clock.advance(10 * 60 + 1);
    let stale = app.call(SetIdleTimeout::PATH, &[("minutes", "30")]).await;
    assert_eq!(stale.status(), 401);
    assert_eq!(error_of(stale).await, serde_json::json!({"Rejected": "FreshSignInRequired"}));
    assert_eq!(app.count("SELECT idle_timeout_secs FROM users").await, 3600, "nothing changed");

    let wrong = app.call(ConfirmPassword::PATH, &[("password", "not my password at all")]).await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(error_of(wrong).await["Validation"][0]["problem"], "WrongPassword");
    assert_eq!(app.call(ConfirmPassword::PATH, &[("password", crate::helpers::PASSWORD)]).await.status(), 200);
    assert_eq!(app.call(SetIdleTimeout::PATH, &[("minutes", "30")]).await.status(), 200);
    assert_eq!(app.count("SELECT idle_timeout_secs FROM users").await, 1800);
    assert_eq!(event_kinds(&app, &app.client).await[0], "LogoutSettingChanged");
}

#[tokio::test]
async fn only_the_offered_idle_times_are_accepted() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    for bad in ["0", "5", "45", "100000", "-15", "soon", ""] {
        let response = app.call(SetIdleTimeout::PATH, &[("minutes", bad)]).await;
        assert_eq!(response.status(), 422, "{bad}");
        assert_eq!(error_of(response).await["Validation"][0]["field"], "minutes");
    }
    assert_eq!(app.count("SELECT idle_timeout_secs FROM users").await, 86400);
}

#[tokio::test]
async fn the_chosen_idle_time_ends_every_session_of_the_account_only() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let phone = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    app.verified_user("ola@example.no").await;
    let ola = app.another_browser("ola@example.no", PHONE_SAFARI).await;
    assert_eq!(app.call(SetIdleTimeout::PATH, &[("minutes", "15")]).await.status(), 200);

    app.clock.advance(14 * 60);
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 200);
    app.clock.advance(15 * 60);
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 303, "idle past 15 minutes");
    assert_eq!(app.get("/calendar").await.headers()["location"], "/login?reason=idle");
    assert_eq!(ola.get(app.url("/calendar")).send().await.unwrap().status(), 200, "another account keeps 24 hours");
}

#[tokio::test]
async fn confirming_the_password_counts_toward_the_throttle() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    for _ in 0..5 {
        assert_eq!(app.call(ConfirmPassword::PATH, &[("password", "guess guess guess guess")]).await.status(), 422);
    }
    let locked = app.call(ConfirmPassword::PATH, &[("password", crate::helpers::PASSWORD)]).await;
    assert_eq!(locked.status(), 429);
}

#[tokio::test]
async fn changing_the_password_signs_out_the_others_mails_and_logs() {
    let app = spawn_app().await;
    app.signed_in_user("kari@example.no").await;
    let phone = app.another_browser("kari@example.no", PHONE_SAFARI).await;
    let new_password = "seven quiet herons by the fjord";

    let wrong = app
        .call(ChangePassword::PATH, &[("current_password", "not it at all at all"), ("new_password", new_password)])
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        error_of(wrong).await["Validation"][0],
        serde_json::json!({"field": "current_password", "problem": "WrongPassword"})
    );

    for (bad, problem) in [
        ("too short", serde_json::json!({"PasswordTooShort": {"min": 15}})),
        ("kari@example.no is my password", serde_json::json!("PasswordContainsAccountDetails")),
        ("000webhost4ever", serde_json::json!("PasswordTooCommon")),
    ] {
        let response = app
            .call(ChangePassword::PATH, &[("current_password", crate::helpers::PASSWORD), ("new_password", bad)])
            .await;
        assert_eq!(response.status(), 422, "{bad}");
        let error = error_of(response).await;
        assert_eq!(error["Validation"][0]["field"], "new_password");
        assert_eq!(error["Validation"][0]["problem"], problem);
    }
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 200, "nothing changed yet");

    let ok = app
        .call(ChangePassword::PATH, &[("current_password", crate::helpers::PASSWORD), ("new_password", new_password)])
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["location"], "/settings/security?changed=password#password");
    assert_eq!(phone.get(app.url("/calendar")).send().await.unwrap().status(), 303, "other sessions are signed out");
    assert_eq!(app.get("/calendar").await.status(), 200, "this session stays");
    assert_eq!(app.log_in("kari@example.no", crate::helpers::PASSWORD).await.status(), 401, "the old password is gone");
    assert_eq!(app.log_in("kari@example.no", new_password).await.status(), 200);
    let notice = app.wait_for_subject("kari@example.no", "Your Trygg password was changed", 1).await;
    assert!(notice[0].contains("Chrome on Linux"), "{notice:?}");
    assert!(event_kinds(&app, &app.client).await.contains(&"PasswordChanged".to_string()));
}

#[tokio::test]
async fn signed_out_callers_cannot_change_a_password() {
    let app = spawn_app().await;
    app.verified_user("kari@example.no").await;
    let response = app
        .call(
            ChangePassword::PATH,
            &[("current_password", crate::helpers::PASSWORD), ("new_password", "x".repeat(20).as_str())],
        )
        .await;
    assert_eq!(response.status(), 401);
}
