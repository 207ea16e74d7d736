//! Settings → Your profile: the account holder's name and sign-in address (changed only through a
//! link to the new address, undone by a link to the old one), the practice's details, checked per
//! field, and the data processing agreement made from them as a PDF.

use app::auth::api::ResetPassword;
use app::profile::api::{
    CancelEmailChange, ConfirmEmailChange, GetProfile, RequestEmailChange, RevertEmailChange, UpdateName,
    UpdatePractice,
};
use app::server::pdf::text_of;
use leptos::server_fn::ServerFn as _;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, browser, error_of, spawn_app, spawn_app_with, totp_code, validation};

const OWNER: &str = "kari@example.no";

async fn agreement(app: &TestApp, client: &reqwest::Client, lang: &str) -> reqwest::Response {
    client.get(app.url(&format!("/settings/profile/agreement.pdf?lang={lang}"))).send().await.unwrap()
}

#[tokio::test]
async fn practice_details_are_checked_saved_and_fill_the_agreement() {
    let app = spawn_app_with(|config| {
        config.operator.name = "Trygg Drift AS".into();
        config.operator.address = "Driftsveien 2, 7010 Trondheim".into();
        config.operator.org_number = "974760673".into();
        config.operator.email = "personvern@trygg.example".into();
    })
    .await;
    app.signed_in_user(OWNER).await;

    let bad = app
        .call(UpdatePractice::PATH, &[("name", " "), ("address", "Storgata 1"), ("org_number", "923 609 017")])
        .await;
    assert_eq!(bad.status(), 422);
    let error = error_of(bad).await;
    assert_eq!(
        validation(&error),
        [("name".to_string(), json!("Required")), ("org_number".to_string(), json!("InvalidOrgNumber"))]
    );
    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["practice"]["address"], "", "nothing changed");

    let saved = app
        .call(
            UpdatePractice::PATH,
            &[("name", "Klinikk Blåbær (Øst)"), ("address", "Storgata 1\n0155 Oslo"), ("org_number", "923 609 016")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["agreement_ready"], true);
    assert_eq!(profile["practice"]["name"], "Klinikk Blåbær (Øst)");
    assert_eq!(profile["practice"]["org_number"], "923609016");
    assert_eq!(profile["email"], OWNER);

    for (lang, title, file) in [
        ("nb", "Databehandleravtale", "databehandleravtale-trygg.pdf"),
        ("en", "Data processing agreement", "data-processing-agreement-trygg.pdf"),
    ] {
        let response = agreement(&app, &app.client, lang).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains(file));
        let pdf = response.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = text_of(&pdf);
        assert!(text.starts_with(&format!("{title}\n")), "{text}");
        for detail in [
            "Klinikk Blåbær (Øst)\n",
            "Storgata 1\n",
            "0155 Oslo\n",
            "923609016\n",
            "Trygg Drift AS\n",
            "Driftsveien 2, 7010 Trondheim\n",
            "974760673\n",
            "personvern@trygg.example\n",
        ] {
            assert!(text.contains(detail), "{lang}: {detail:?} missing");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'dpa.downloaded'").await, 2);

    // Another practice gets its own agreement, and a stranger none.
    let other = app.other_practitioner("per@example.no").await;
    let theirs = text_of(&agreement(&app, &other, "nb").await.bytes().await.unwrap());
    assert!(!theirs.contains("Blåbær") && !theirs.contains("923609016"));
    let stranger = crate::helpers::browser(&app.base);
    let refused = agreement(&app, &stranger, "nb").await;
    assert!(refused.status().is_redirection() || refused.status() == 401, "{}", refused.status());
    assert!(!refused.bytes().await.unwrap().starts_with(b"%PDF"));
}

/// Without the operator's address, organisation number and contact address the agreement would
/// name its processor with blanks: none is issued, and the profile page says why.
#[tokio::test]
async fn no_agreement_is_issued_while_the_operator_is_not_fully_configured() {
    let app = spawn_app_with(|config| {
        config.operator.name = "Trygg Drift AS".into();
        config.operator.org_number = "974760673".into();
        config.operator.email = "personvern@trygg.example".into();
    })
    .await;
    app.signed_in_user(OWNER).await;
    let saved = app
        .call(
            UpdatePractice::PATH,
            &[("name", "Klinikk Fjord"), ("address", "Storgata 1"), ("org_number", "923609016")],
        )
        .await;
    assert_eq!(saved.status(), 200);

    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["agreement_ready"], false);
    for (lang, texts) in [("en", &app::i18n::EN), ("nb", &app::i18n::NB)] {
        let refused = agreement(&app, &app.client, lang).await;
        assert_eq!(refused.status(), 409);
        assert_eq!(refused.text().await.unwrap(), texts.dpa_not_ready);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'dpa.downloaded'").await, 0);

    let page = app.client.get(app.url("/settings/profile")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(app::i18n::EN.dpa_not_ready), "the page says why");
    assert!(!html.contains("agreement.pdf"), "and offers no download");
}

const NEW: &str = "kari.ny@example.no";
const CONFIRM_SUBJECT: &str = "Confirm your new sign-in address for Trygg";
const CHANGED_SUBJECT: &str = "Your Trygg sign-in address was changed";

/// The token of the newest link to `path` in mail titled `subject` to `to`.
async fn link_token(app: &TestApp, to: &str, subject: &str, path: &str) -> String {
    let bodies = app.wait_for_subject(to, subject, 1).await;
    let line = bodies[0].lines().find(|l| l.contains(&format!("{path}?token="))).expect("a link in the mail");
    line.split("token=").nth(1).unwrap().trim().to_string()
}

async fn ask_for(app: &TestApp, client: &reqwest::Client, new_email: &str, password: &str) -> reqwest::Response {
    app.call_with(client, RequestEmailChange::PATH, &[("new_email", new_email), ("password", password)]).await
}

async fn profile_of(app: &TestApp, client: &reqwest::Client) -> Value {
    let response = app.call_with(client, GetProfile::PATH, &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn events(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM security_events WHERE kind = '{kind}'")).await
}

/// Asks for OWNER → `to` in `client` and follows the link in a browser of its own; returns the
/// token of the "this wasn't me" link mailed to the old address.
async fn change_address(app: &TestApp, client: &reqwest::Client, from: &str, to: &str) -> String {
    assert_eq!(ask_for(app, client, to, PASSWORD).await.status(), 200);
    let token = link_token(app, to, CONFIRM_SUBJECT, "/confirm-email").await;
    let confirmed = app.call_with(&browser(&app.base), ConfirmEmailChange::PATH, &[("token", &token)]).await;
    assert_eq!(confirmed.status(), 200);
    link_token(app, from, CHANGED_SUBJECT, "/revert-email").await
}

#[tokio::test]
async fn the_name_is_checked_and_saved() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let empty = app.call(UpdateName::PATH, &[("name", "  ")]).await;
    assert_eq!(empty.status(), 422);
    assert_eq!(validation(&error_of(empty).await), [("name".to_string(), json!("Required"))]);
    let long = "n".repeat(101);
    let too_long = app.call(UpdateName::PATH, &[("name", long.as_str())]).await;
    assert_eq!(validation(&error_of(too_long).await), [("name".to_string(), json!({"TooLong": {"max": 100}}))]);
    assert_eq!(profile_of(&app, &app.client).await["name"], "Kari Nordmann", "nothing changed");

    let saved = app.call(UpdateName::PATH, &[("name", " Kari Nordmann-Berg ")]).await;
    assert_eq!(saved.status(), 200);
    assert_eq!(profile_of(&app, &app.client).await["name"], "Kari Nordmann-Berg");
}

#[tokio::test]
async fn a_new_address_needs_the_password_and_takes_effect_only_through_its_link() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;

    for (new_email, password, field, problem) in [
        ("not an address", PASSWORD, "new_email", json!("InvalidEmail")),
        ("", PASSWORD, "new_email", json!("Required")),
        (" KARI@example.no ", PASSWORD, "new_email", json!("SameEmail")),
        (NEW, "a wrong password entirely", "password", json!("WrongPassword")),
    ] {
        let refused = ask_for(&app, &app.client, new_email, password).await;
        assert_eq!(refused.status(), 422, "{new_email:?}");
        assert_eq!(validation(&error_of(refused).await), [(field.to_string(), problem)]);
    }
    assert_eq!(profile_of(&app, &app.client).await["pending_email"], Value::Null, "nothing was asked for");
    assert!(app.mails_to(NEW).await.is_empty());

    assert_eq!(ask_for(&app, &app.client, NEW, PASSWORD).await.status(), 200);
    let profile = profile_of(&app, &app.client).await;
    assert_eq!(profile["email"], OWNER, "not changed before the link is followed");
    assert_eq!(profile["pending_email"], NEW);
    assert_eq!(app.log_in(NEW, PASSWORD).await.status(), 401);
    let token = link_token(&app, NEW, CONFIRM_SUBJECT, "/confirm-email").await;
    assert!(app.mails_to(OWNER).await.iter().all(|mail| mail.subject != CHANGED_SUBJECT));

    // A mail scanner that opens the page changes nothing: only the button does.
    let page = app.get(&format!("/confirm-email?token={token}")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(profile_of(&app, &app.client).await["email"], OWNER);

    let stranger = browser(&app.base);
    let confirmed = app.call_with(&stranger, ConfirmEmailChange::PATH, &[("token", &token)]).await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.headers()["location"], "/login?reason=email_changed");
    let profile = profile_of(&app, &app.client).await;
    assert_eq!(profile["email"], NEW, "this session goes on under the new address");
    assert_eq!(profile["pending_email"], Value::Null);
    let notice = app.wait_for_subject(OWNER, CHANGED_SUBJECT, 1).await;
    assert!(notice[0].contains(NEW) && notice[0].contains("/revert-email?token="));

    let again = app.call_with(&stranger, ConfirmEmailChange::PATH, &[("token", &token)]).await;
    assert_eq!(again.status(), 404, "the link works once");
    assert_eq!(app.call_with(&stranger, ConfirmEmailChange::PATH, &[("token", "forged")]).await.status(), 404);

    let fresh = browser(&app.base);
    assert_eq!(
        app.call_with(&fresh, app::auth::api::LogIn::PATH, &[("email", OWNER), ("password", PASSWORD)]).await.status(),
        401
    );
    assert_eq!(
        app.call_with(&fresh, app::auth::api::LogIn::PATH, &[("email", NEW), ("password", PASSWORD)]).await.status(),
        200
    );
    assert_eq!(events(&app, "email_change_requested").await, 1);
    assert_eq!(events(&app, "email_changed").await, 1);
}

#[tokio::test]
async fn a_confirmation_link_dies_with_a_newer_request_a_cancel_or_after_a_day_and_works_once_in_parallel() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;

    assert_eq!(ask_for(&app, &app.client, "first@example.no", PASSWORD).await.status(), 200);
    let first = link_token(&app, "first@example.no", CONFIRM_SUBJECT, "/confirm-email").await;
    assert_eq!(ask_for(&app, &app.client, "second@example.no", PASSWORD).await.status(), 200);
    let second = link_token(&app, "second@example.no", CONFIRM_SUBJECT, "/confirm-email").await;
    assert_eq!(app.call(ConfirmEmailChange::PATH, &[("token", &first)]).await.status(), 404, "replaced");
    assert_eq!(app.call(CancelEmailChange::PATH, &[]).await.status(), 200);
    assert_eq!(profile_of(&app, &app.client).await["pending_email"], Value::Null);
    assert_eq!(app.call(ConfirmEmailChange::PATH, &[("token", &second)]).await.status(), 404, "cancelled");

    assert_eq!(ask_for(&app, &app.client, "third@example.no", PASSWORD).await.status(), 200);
    let third = link_token(&app, "third@example.no", CONFIRM_SUBJECT, "/confirm-email").await;
    app.clock.advance(24 * 3600);
    assert_eq!(app.call(ConfirmEmailChange::PATH, &[("token", &third)]).await.status(), 404, "run out");
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200, "the address is the same");

    assert_eq!(ask_for(&app, &app.client, NEW, PASSWORD).await.status(), 200);
    let token = link_token(&app, NEW, CONFIRM_SUBJECT, "/confirm-email").await;
    let tries = (0..6).map(|_| {
        let client = browser(&app.base);
        let token = token.clone();
        let app = &app;
        async move { app.call_with(&client, ConfirmEmailChange::PATH, &[("token", &token)]).await.status().as_u16() }
    });
    let mut statuses = futures::future::join_all(tries).await;
    statuses.sort();
    assert_eq!(statuses, [200, 404, 404, 404, 404, 404]);
    assert_eq!(app.wait_for_subject(OWNER, CHANGED_SUBJECT, 1).await.len(), 1);
    assert_eq!(events(&app, "email_changed").await, 1);
}

#[tokio::test]
async fn an_address_with_an_account_gets_a_notice_and_cannot_be_taken() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let other = "ola@example.no";
    app.other_practitioner(other).await;
    let answer = ask_for(&app, &app.client, other, PASSWORD).await;
    assert_eq!(answer.status(), 200, "the same answer as for a free address");
    let notice = app.wait_for_subject(other, "Someone tried to move a Trygg account to your address", 1).await;
    assert!(!notice[0].contains("token="), "no link to take the address");
    assert!(app.mails_to(other).await.iter().all(|mail| mail.subject != CONFIRM_SUBJECT));

    // A free address taken by a new account before its link is followed stays with that account.
    assert_eq!(ask_for(&app, &app.client, NEW, PASSWORD).await.status(), 200);
    let token = link_token(&app, NEW, CONFIRM_SUBJECT, "/confirm-email").await;
    app.other_practitioner(NEW).await;
    let taken = app.call(ConfirmEmailChange::PATH, &[("token", &token)]).await;
    assert_eq!(taken.status(), 409);
    assert_eq!(error_of(taken).await, json!({"Conflict": "EmailTaken"}));
    assert_eq!(profile_of(&app, &app.client).await["email"], OWNER);
}

#[tokio::test]
async fn with_two_factor_a_new_address_needs_a_code_too() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let without = ask_for(&app, &app.client, NEW, PASSWORD).await;
    assert_eq!(without.status(), 422);
    assert_eq!(fields_of(without).await, ["code"]);
    let wrong =
        app.call(RequestEmailChange::PATH, &[("new_email", NEW), ("password", PASSWORD), ("code", "000000")]).await;
    assert_eq!(validation(&error_of(wrong).await), [("code".to_string(), json!("WrongCode"))]);
    assert!(app.mails_to(NEW).await.is_empty());
    let code = totp_code(&app, &two_factor.key, 0);
    let right =
        app.call(RequestEmailChange::PATH, &[("new_email", NEW), ("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(right.status(), 200);
    assert_eq!(profile_of(&app, &app.client).await["pending_email"], NEW);
}

async fn fields_of(response: reqwest::Response) -> Vec<String> {
    crate::helpers::fields(&error_of(response).await)
}

#[tokio::test]
async fn this_wasnt_me_restores_the_address_once_within_seven_days_and_signs_everyone_out() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;

    // Too late: 7 days after the change the link no longer works.
    let late = change_address(&app, &app.client, OWNER, NEW).await;
    app.clock.advance(7 * 24 * 3600);
    assert_eq!(app.call(RevertEmailChange::PATH, &[("token", &late)]).await.status(), 404);
    let owner = browser(&app.base);
    assert_eq!(
        app.call_with(&owner, app::auth::api::LogIn::PATH, &[("email", NEW), ("password", PASSWORD)]).await.status(),
        200
    );

    // In time: signed in twice under the new address, then the old address says "not me".
    const THIRD: &str = "angriper@example.net";
    let revert = change_address(&app, &owner, NEW, THIRD).await;
    app.clock.advance(6 * 24 * 3600);
    let log_in = app::auth::api::LogIn::PATH;
    assert_eq!(app.call_with(&owner, log_in, &[("email", THIRD), ("password", PASSWORD)]).await.status(), 200);
    let second = app.another_browser(THIRD, crate::helpers::PHONE_SAFARI).await;
    let outsider = browser(&app.base);
    let reverted = app.call_with(&outsider, RevertEmailChange::PATH, &[("token", &revert)]).await;
    assert_eq!(reverted.status(), 200);
    assert_eq!(reverted.headers()["location"], "/login?reason=email_reverted");
    for client in [&owner, &second] {
        assert_eq!(app.call_with(client, GetProfile::PATH, &[]).await.status(), 401, "every session has ended");
    }
    for email in [NEW, THIRD] {
        let fresh = browser(&app.base);
        let login =
            app.call_with(&fresh, app::auth::api::LogIn::PATH, &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(login.status(), 401, "{email}: the old password no longer signs in");
    }
    assert_eq!(app.call_with(&outsider, RevertEmailChange::PATH, &[("token", &revert)]).await.status(), 404, "once");
    assert_eq!(events(&app, "email_change_reverted").await, 1);

    // The restored address sets a new password and signs in with it.
    let token = link_token(&app, NEW, "Your Trygg account is back at this address", "/reset-password").await;
    let new_password = "seven quiet lanterns over the harbour";
    let reset =
        app.call_with(&outsider, ResetPassword::PATH, &[("token", &token), ("new_password", new_password)]).await;
    assert_eq!(reset.status(), 200);
    let fresh = browser(&app.base);
    let login = app.call_with(&fresh, app::auth::api::LogIn::PATH, &[("email", NEW), ("password", new_password)]).await;
    assert_eq!(login.status(), 200);
}
