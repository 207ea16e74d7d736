//! Handing the practice to a new owner, played as the old owner, the new owner and an attacker
//! who was the old owner: nothing is handed over before the new address confirms; afterwards the
//! old owner's sessions, password, two-factor, recovery codes, remembered browsers and earlier
//! links are dead; the new owner must choose a password first and reads a security log that starts
//! at the hand-over. The clean-up step deletes in bulk, keys first, and is recorded.

use app::auth::api::{LogIn, ResetPassword};
use app::profile::api::{ConfirmEmailChange, GetProfile, RequestEmailChange, RevertEmailChange};
use app::security::api::SecurityLog;
use app::transfer::api::{CancelTransfer, CompleteTransfer, ConfirmTransfer, DeleteInBulk, GetTransfer, StartTransfer};
use leptos::server_fn::ServerFn as _;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, browser, error_of, spawn_app, validation};

const OWNER: &str = "kari@example.no";
const NEW_OWNER: &str = "nora.ny@example.no";
const TEMPORARY: &str = "harbour lights over the quiet fjord";
const CONFIRM_SUBJECT: &str = "Confirm your address to take over a practice in Trygg";

async fn token_in(app: &TestApp, to: &str, subject: &str, path: &str) -> String {
    let bodies = app.wait_for_subject(to, subject, 1).await;
    let line = bodies[0].lines().find(|l| l.contains(&format!("{path}?token="))).expect("a link in the mail");
    line.split("token=").nth(1).unwrap().trim().to_string()
}

async fn start(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    let form =
        [("new_name", "Nora Ny"), ("new_email", NEW_OWNER), ("temporary_password", TEMPORARY), ("password", PASSWORD)];
    app.call_with(client, StartTransfer::PATH, &form).await
}

async fn complete(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    let form = [("exported", "on"), ("cleaned_up", "on"), ("told", "on"), ("password", PASSWORD)];
    app.call_with(client, CompleteTransfer::PATH, &form).await
}

async fn overview(app: &TestApp, client: &reqwest::Client) -> Value {
    let response = app.call_with(client, GetTransfer::PATH, &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn log_in_as(app: &TestApp, email: &str, password: &str) -> impl std::future::Future<Output = reqwest::Response> {
    let client = browser(&app.base);
    let (url, form) = (app.url(LogIn::PATH), [("email", email.to_string()), ("password", password.to_string())]);
    async move { client.post(url).form(&form).send().await.unwrap() }
}

#[tokio::test]
async fn the_hand_over_waits_for_the_new_address_and_leaves_nothing_of_the_old_owners_access() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let phone = app.password_step(OWNER).await;
    let code = crate::helpers::totp_code(&app, &two_factor.key, 0);
    let signed_in = app.call_with(&phone, app::auth::api::LogInCode::PATH, &[("code", &code)]).await;
    assert_eq!(signed_in.status(), 200, "a second session, on a phone");
    app.clock.advance(30);

    // An earlier address change leaves the old owner a "this wasn't me" link.
    let changed = app
        .call(
            RequestEmailChange::PATH,
            &[
                ("new_email", "kari.ny@example.no"),
                ("password", PASSWORD),
                ("code", &crate::helpers::totp_code(&app, &two_factor.key, 0)),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    app.clock.advance(30);
    let confirm =
        token_in(&app, "kari.ny@example.no", "Confirm your new sign-in address for Trygg", "/confirm-email").await;
    assert_eq!(app.call(ConfirmEmailChange::PATH, &[("token", &confirm)]).await.status(), 200);
    let revert = token_in(&app, OWNER, "Your Trygg sign-in address was changed", "/revert-email").await;
    let old_owner = "kari.ny@example.no";

    // Bad input is named per field and starts nothing.
    let bad = app
        .call(
            StartTransfer::PATH,
            &[("new_name", " "), ("new_email", "nope"), ("temporary_password", "short"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let mut problems = validation(&error_of(bad).await);
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        problems,
        [
            ("new_email".to_string(), json!("InvalidEmail")),
            ("new_name".to_string(), json!("Required")),
            ("temporary_password".to_string(), json!({"PasswordTooShort": {"min": 15}})),
        ]
    );
    let wrong = app
        .call(
            StartTransfer::PATH,
            &[
                ("new_name", "Nora Ny"),
                ("new_email", NEW_OWNER),
                ("temporary_password", TEMPORARY),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(validation(&error_of(wrong).await), [("password".to_string(), json!("WrongPassword"))]);
    assert_eq!(overview(&app, &app.client).await["pending"], Value::Null);

    assert_eq!(start(&app, &app.client).await.status(), 200);
    assert_eq!(overview(&app, &app.client).await["pending"]["confirmed"], false);
    let token = token_in(&app, NEW_OWNER, CONFIRM_SUBJECT, "/confirm-transfer").await;

    // Not before the new address confirms.
    let early = complete(&app, &app.client).await;
    assert_eq!(early.status(), 409);
    assert_eq!(error_of(early).await, json!({"Conflict": "TransferNotConfirmed"}));
    let unticked = app.call(CompleteTransfer::PATH, &[("password", PASSWORD), ("told", "on")]).await;
    assert_eq!(unticked.status(), 422);
    assert_eq!(crate::helpers::fields(&error_of(unticked).await), ["exported", "cleaned_up"]);

    assert_eq!(app.call_with(&browser(&app.base), ConfirmTransfer::PATH, &[("token", "forged")]).await.status(), 404);
    let confirmed = app.call_with(&browser(&app.base), ConfirmTransfer::PATH, &[("token", &token)]).await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(app.call_with(&browser(&app.base), ConfirmTransfer::PATH, &[("token", &token)]).await.status(), 404);
    assert_eq!(overview(&app, &app.client).await["pending"]["confirmed"], true);

    let done = complete(&app, &app.client).await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.headers()["location"], "/login?reason=transferred");

    // The old owner is out: sessions, password, address, two-factor, device cookies, old links.
    for client in [&app.client, &phone] {
        assert_eq!(app.call_with(client, GetProfile::PATH, &[]).await.status(), 401);
    }
    assert_eq!(log_in_as(&app, old_owner, PASSWORD).await.status(), 401);
    assert_eq!(log_in_as(&app, NEW_OWNER, PASSWORD).await.status(), 401, "the old password is gone");
    assert_eq!(app.count("SELECT COUNT(*) FROM known_devices").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL").await, 0);
    assert_eq!(app.call_with(&browser(&app.base), RevertEmailChange::PATH, &[("token", &revert)]).await.status(), 404);
    let receipt = app.wait_for_subject(old_owner, "Receipt: the practice is handed over", 1).await;
    assert!(receipt[0].contains(NEW_OWNER));
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'transfer.completed'").await, 1);

    // The new owner: no code step, a password of their own first, then a log from the hand-over.
    let first = log_in_as(&app, NEW_OWNER, TEMPORARY).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["location"], "/login?reason=choose_password");
    assert!(first.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("trygg_session=")));
    // The way to a password of one's own goes through the new owner's mailbox only: whoever knows
    // the temporary password (the old owner chose it) gets no link.
    let reset_token = token_in(&app, NEW_OWNER, "Choose your password for Trygg", "/reset-password").await;
    let reset_token = reset_token.trim_end_matches("&first=1");
    assert!(app.mails_to(old_owner).await.iter().all(|mail| !mail.body.contains("/reset-password?token=")));
    let own = "a password of my very own choosing";
    let set =
        app.call_with(&browser(&app.base), ResetPassword::PATH, &[("token", reset_token), ("new_password", own)]).await;
    assert_eq!(set.status(), 200);
    assert_eq!(log_in_as(&app, NEW_OWNER, TEMPORARY).await.status(), 401, "the temporary password is gone");
    let new_owner = browser(&app.base);
    let signed_in = app.call_with(&new_owner, LogIn::PATH, &[("email", NEW_OWNER), ("password", own)]).await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(signed_in.headers()["location"], "/calendar");
    let profile: Value = app.call_with(&new_owner, GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["name"], "Nora Ny");
    assert_eq!(profile["two_factor"], false);
    let log: Vec<Value> = app.call_with(&new_owner, SecurityLog::PATH, &[]).await.json().await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|event| event["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.last(), Some(&"OwnershipTransferred"), "newest first; the chapter starts there: {kinds:?}");
    for old in ["TwoFactorEnabled", "EmailChanged", "EmailChangeRequested"] {
        assert!(!kinds.contains(&old), "the old owner's {old} is not shown: {kinds:?}");
    }
}

#[tokio::test]
async fn the_clean_up_deletes_the_ticked_kinds_keys_first_and_records_each() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let service = crate::cleanup::opening_hours_and_service(&app).await;
    let kept = app.create_client(&app.client, &[("name", "Qzx Beholdt")]).await;
    crate::cleanup::book(&app, &kept, &service).await;
    let form = [("client_id", kept.as_str()), ("date", "2026-01-10"), ("title", "Notat"), ("text", "Qzx-tekst")];
    assert_eq!(app.call(app::journal::api::CreateJournalEntry::PATH, &form).await.status(), 200);
    let other = app.other_practitioner("ola@example.no").await;
    app.create_client(&other, &[("name", "Fremmed")]).await;

    let holdings = &overview(&app, &app.client).await["holdings"];
    assert_eq!((holdings["clients"].as_i64(), holdings["appointments"].as_i64()), (Some(1), Some(1)));
    assert_eq!((holdings["journal_entries"].as_i64(), holdings["services"].as_i64()), (Some(1), Some(1)));

    let nothing = app.call(DeleteInBulk::PATH, &[("password", PASSWORD)]).await;
    assert_eq!(validation(&error_of(nothing).await), [("kinds".to_string(), json!("NothingChosen"))]);
    let wrong = app.call(DeleteInBulk::PATH, &[("password", "not it at all"), ("clients", "on")]).await;
    assert_eq!(validation(&error_of(wrong).await), [("password".to_string(), json!("WrongPassword"))]);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 2, "nothing went");

    let journals = app.call(DeleteInBulk::PATH, &[("password", PASSWORD), ("journal_entries", "on")]).await;
    assert_eq!(journals.status(), 200);
    let left: Value = journals.json().await.unwrap();
    assert_eq!((left["journal_entries"].as_i64(), left["clients"].as_i64()), (Some(0), Some(1)));

    let all = app.call(DeleteInBulk::PATH, &[("password", PASSWORD), ("clients", "on"), ("services", "on")]).await;
    assert_eq!(all.status(), 200);
    let left: Value = all.json().await.unwrap();
    assert_eq!(
        left,
        json!({"clients": 0, "appointments": 0, "journal_entries": 0, "consents": 0, "messages": 0, "files": 0, "services": 0, "bookings": 0})
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1, "the other practice's client stays");
    assert_eq!(app.count("SELECT COUNT(*) FROM client_keys").await, 1, "keys went with their clients");
    for action in ["transfer.journals_deleted", "transfer.clients_deleted", "transfer.services_deleted"] {
        let sql = format!("SELECT COUNT(*) FROM practice_audit WHERE action = '{action}'");
        assert_eq!(app.count(&sql).await, 1, "{action}");
    }
}

#[tokio::test]
async fn a_cancelled_or_replaced_hand_over_cannot_be_confirmed_or_completed() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    assert_eq!(start(&app, &app.client).await.status(), 200);
    let first = token_in(&app, NEW_OWNER, CONFIRM_SUBJECT, "/confirm-transfer").await;
    assert_eq!(app.call(CancelTransfer::PATH, &[]).await.status(), 200);
    assert_eq!(app.call(ConfirmTransfer::PATH, &[("token", &first)]).await.status(), 404);
    let none = complete(&app, &app.client).await;
    assert_eq!(error_of(none).await, json!({"Conflict": "TransferNotStarted"}));

    // Another practice cannot confirm, see or complete this one.
    let other = app.other_practitioner("ola@example.no").await;
    assert_eq!(overview(&app, &other).await["pending"], Value::Null);
    let theirs = complete(&app, &other).await;
    assert_eq!(error_of(theirs).await, json!({"Conflict": "TransferNotStarted"}), "their own, none");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'kari@example.no'").await, 1);
}
