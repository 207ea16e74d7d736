//! Support staff and the lost-2FA process: who reaches what, the request with its evidence, and
//! the decisions with their audit trail.

use app::auth::api::{LogIn, LogInCode, ResetPassword};
use app::security::api::{AccountSecurity, ChangePassword, ListSessions, RevokeOtherSessions, SecurityLog};
use app::support::api::{DecideRequest, SupportAudit, SupportQueue, SupportRequest};
use app::two_factor::api::{BeginTwoFactor, TwoFactorState};
use leptos::server_fn::ServerFn as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, browser, error_of, spawn_app, totp_code};

const OWNER: &str = "kari@example.no";
const STAFF: &str = "siri@trygg.example";
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00FACE-WITH-PASSPORT-7731\xFF\xD9";
const BILL: &[u8] = b"%PDF-1.4\nKARI NORDMANN POWER BILL 4410\n%%EOF";

/// A support person, signed in (password and code) in their own browser.
struct Staff {
    client: reqwest::Client,
    password: String,
    totp_key: String,
}

impl std::ops::Deref for Staff {
    type Target = reqwest::Client;

    fn deref(&self) -> &reqwest::Client {
        &self.client
    }
}

async fn signed_in_staff(app: &TestApp) -> Staff {
    signed_in_staff_as(app, STAFF).await
}

async fn signed_in_staff_as(app: &TestApp, email: &str) -> Staff {
    let account = app::support::service::add_staff(&app.state, email, "Siri Support").await.unwrap();
    let client = browser(&app.base);
    let password = app.call_with(&client, LogIn::PATH, &[("email", email), ("password", &account.password)]).await;
    assert_eq!(password.headers()["location"], "/login/code", "support always gives a code");
    let code = app.call_with(&client, LogInCode::PATH, &[("code", &totp_code(app, &account.totp_key, 0))]).await;
    assert_eq!(code.headers()["location"], "/support");
    let set_cookie = crate::helpers::set_cookies(&code).join("\n");
    assert!(set_cookie.contains("trygg_session=") && !set_cookie.contains("trygg_session=; "));
    let session = set_cookie.lines().find(|c| c.starts_with("trygg_session=")).unwrap();
    assert!(!session.contains("Max-Age"), "a support session dies with the browser: {session}");
    Staff { client, password: account.password, totp_key: account.totp_key }
}

/// Approval as the support person gives it: their password and a fresh code again.
async fn approve(app: &TestApp, staff: &Staff, id: &str) -> reqwest::Response {
    app.clock.advance(30);
    let code = totp_code(app, &staff.totp_key, 0);
    let form = [("id", id), ("decision", "approve"), ("reason", ""), ("password", &staff.password), ("code", &code)];
    app.call_with(staff, DecideRequest::PATH, &form).await
}

/// Opens each piece of evidence the way the page's links do.
async fn open_evidence(app: &TestApp, staff: &Staff, id: &str, kinds: &[&str]) {
    for kind in kinds {
        let response = staff.get(app.url(&format!("/support/evidence/{id}/{kind}"))).send().await.unwrap();
        assert_eq!(response.status(), 200, "{kind}");
    }
}

fn evidence_form(photo: &[u8], bill: &[u8], card: &str) -> Form {
    Form::new()
        .part("photo_id", Part::bytes(photo.to_vec()).file_name("me.jpg").mime_str("image/jpeg").unwrap())
        .part("bill", Part::bytes(bill.to_vec()).file_name("bill.pdf").mime_str("application/pdf").unwrap())
        .text("card_last4", card.to_string())
}

async fn send_request(app: &TestApp, client: &reqwest::Client, form: Form) -> reqwest::Response {
    client.post(app.url("/api/lost_2fa")).multipart(form).send().await.unwrap()
}

/// An owner with two-factor who has lost the phone: past the password, a request filed.
/// Returns the owner's browser (holding only the login challenge) and the status link.
async fn filed_request(app: &TestApp) -> (reqwest::Client, String) {
    app.signed_in_user(OWNER).await;
    app.enable_two_factor().await;
    let client = app.password_step(OWNER).await;
    let sent = send_request(app, &client, evidence_form(PHOTO, BILL, "4242")).await;
    assert_eq!(sent.status(), 303);
    let status_link = sent.headers()["location"].to_str().unwrap().to_string();
    assert!(status_link.starts_with("/login/lost-2fa/status?token="), "{status_link}");
    (client, status_link)
}

async fn staff_call(app: &TestApp, staff: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> Value {
    let response = app.call_with(staff, path, form).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn support_reaches_only_the_support_area() {
    let app = spawn_app().await;
    let staff = signed_in_staff(&app).await;
    assert_eq!(staff.get(app.url("/support")).send().await.unwrap().status(), 200);
    for page in ["/calendar", "/clients", "/settings/security", "/"] {
        let response = staff.get(app.url(page)).send().await.unwrap();
        assert_eq!(response.headers()["location"], "/support", "{page}");
    }
    for function in [
        ListSessions::PATH,
        SecurityLog::PATH,
        AccountSecurity::PATH,
        RevokeOtherSessions::PATH,
        TwoFactorState::PATH,
        BeginTwoFactor::PATH,
    ] {
        let response = app.call_with(&staff, function, &[]).await;
        assert_eq!(response.status(), 403, "{function}");
        assert_eq!(error_of(response).await, "Forbidden");
    }
}

#[tokio::test]
async fn a_practitioner_or_a_stranger_cannot_reach_support() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    assert_eq!(app.get("/support").await.headers()["location"], "/calendar");
    assert_eq!(app.get("/support/audit").await.headers()["location"], "/calendar");
    for (function, form) in [
        (SupportQueue::PATH, vec![]),
        (SupportAudit::PATH, vec![]),
        (SupportRequest::PATH, vec![("id", "1")]),
        (DecideRequest::PATH, vec![("id", "1"), ("decision", "approve"), ("reason", "")]),
    ] {
        assert_eq!(app.call(function, &form).await.status(), 403, "{function}");
        let stranger = browser(&app.base);
        assert_eq!(app.call_with(&stranger, function, &form).await.status(), 401, "{function}");
    }
    assert_eq!(app.get("/support/evidence/1/photo_id").await.status(), 303);
    assert_eq!(browser(&app.base).get(app.url("/support")).send().await.unwrap().headers()["location"], "/login");
}

#[tokio::test]
async fn a_lost_2fa_request_goes_through_support_approval_to_a_login_without_a_code() {
    let app = spawn_app().await;
    let (owner, status_link) = filed_request(&app).await;
    app.wait_for_subject(OWNER, "We received your request to turn off two-factor security", 1).await;
    let status = owner.get(app.url(&status_link)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("Being reviewed"), "{status}");

    // At rest, nothing readable: not the files, not the card digits.
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM lost_2fa_evidence").fetch_all(&app.state.db).await.unwrap();
    assert_eq!(stored.len(), 2);
    for data in &stored {
        assert!(!data.windows(10).any(|w| w == b"FACE-WITH-" || w == b"KARI NORDM"));
    }
    let card: Vec<u8> =
        sqlx::query_scalar("SELECT card_last4 FROM lost_2fa_requests").fetch_one(&app.state.db).await.unwrap();
    assert!(!card.windows(4).any(|w| w == b"4242"));

    let staff = signed_in_staff(&app).await;
    let queue = staff_call(&app, &staff, SupportQueue::PATH, &[]).await;
    assert_eq!(queue[0]["email"], OWNER);
    assert_eq!(queue[0]["status"], "Pending");
    let id = queue[0]["id"].as_i64().unwrap().to_string();
    let detail = staff_call(&app, &staff, SupportRequest::PATH, &[("id", &id)]).await;
    assert_eq!(detail["card_last4"], "4242");
    let photo_url = detail["evidence"].as_array().unwrap().iter().find(|e| e["kind"] == "photo_id").unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = staff.get(app.url(&photo_url)).send().await.unwrap();
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let policy = photo.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("sandbox") && policy.contains("default-src 'none'"), "{policy}");
    assert_eq!(photo.bytes().await.unwrap().as_ref(), PHOTO);
    let bill = staff.get(app.url(&format!("/support/evidence/{id}/bill"))).send().await.unwrap();
    assert!(bill.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"), "PDFs download");
    assert_eq!(bill.bytes().await.unwrap().as_ref(), BILL);
    assert_eq!(app.get(&photo_url).await.status(), 303, "the owner's own (signed-out) browser cannot");

    let approved = approve(&app, &staff, &id).await;
    assert_eq!(approved.status(), 200);

    // Two-factor is off, every session ended, the evidence gone, the owner told.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL AND role = 'practitioner'").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests WHERE card_last4 IS NOT NULL").await, 0);
    assert_eq!(app.get("/calendar").await.status(), 303, "the owner's earlier session is signed out");
    let mail = app.wait_for_subject(OWNER, "Two-factor security is off for your Trygg account", 1).await;
    let status = owner.get(app.url(&status_link)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("Approved"));
    assert_eq!(staff.get(app.url(&photo_url)).send().await.unwrap().status(), 404);

    // Every step is audited with the support person's identity, and on the owner's log.
    let audit = staff_call(&app, &staff, SupportAudit::PATH, &[]).await;
    let actions: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()))
        .collect();
    for action in ["Opened", "OpenedPhoto", "OpenedBill", "Approved", "EvidenceDeleted"] {
        assert!(actions.contains(&(STAFF.to_string(), action.to_string())), "{action} in {actions:?}");
    }
    assert!(actions.contains(&(OWNER.to_string(), "Submitted".to_string())));
    let page = staff.get(app.url("/support/audit")).send().await.unwrap().text().await.unwrap();
    for words in ["Opened the bill", "Approved: two-factor turned off", &format!("request {id}")] {
        assert!(page.contains(words), "the audit log reads {words:?}");
    }
    assert!(!page.contains("lost_2fa."), "no codes on the page");

    // The old password is no factor any more: the mail carries a link to set a new one.
    let fresh = browser(&app.base);
    let old = app.call_with(&fresh, LogIn::PATH, &[("email", OWNER), ("password", PASSWORD)]).await;
    assert_eq!(old.status(), 401, "whoever asked knew the old password");
    let token = mail[0].split("reset-password?token=").nth(1).expect("a reset link").split_whitespace().next().unwrap();
    let new_password = "seven quiet herons by the fjord";
    let reset = app.call_with(&fresh, ResetPassword::PATH, &[("token", token), ("new_password", new_password)]).await;
    assert_eq!(reset.status(), 200);
    let login = app.call_with(&fresh, LogIn::PATH, &[("email", OWNER), ("password", new_password)]).await;
    assert_eq!(login.headers()["location"], "/calendar", "the owner signs in without a code");
    let log: Vec<Value> = app.call_with(&fresh, SecurityLog::PATH, &[]).await.json().await.unwrap();
    let approved = log.iter().find(|e| e["kind"] == "LostTwoFactorApproved").expect("on the owner's log");
    assert_eq!(approved["by"], "Siri Support");
    assert!(log.iter().any(|e| e["kind"] == "LostTwoFactorRequested"));
    assert!(log.iter().any(|e| e["kind"] == "LostTwoFactorEvidenceViewed"));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_keeps_two_factor_and_deletes_the_evidence() {
    let app = spawn_app().await;
    let (owner, status_link) = filed_request(&app).await;
    let staff = signed_in_staff(&app).await;
    let id = staff_call(&app, &staff, SupportQueue::PATH, &[]).await[0]["id"].as_i64().unwrap().to_string();

    let no_reason =
        app.call_with(&staff, DecideRequest::PATH, &[("id", &id), ("decision", "reject"), ("reason", " ")]).await;
    assert_eq!(no_reason.status(), 422);
    assert_eq!(error_of(no_reason).await["Validation"][0]["field"], "reason");
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 2, "nothing changes");

    let reason = "The name on the bill does not match the account.";
    let rejected =
        app.call_with(&staff, DecideRequest::PATH, &[("id", &id), ("decision", "reject"), ("reason", reason)]).await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL AND role = 'practitioner'").await,
        1
    );
    let mail = app.wait_for_subject(OWNER, "Your request to turn off two-factor security was rejected", 1).await;
    assert!(mail[0].contains(reason));
    let status = owner.get(app.url(&status_link)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("Rejected") && status.contains(reason));

    let twice = approve(&app, &staff, &id).await;
    assert_eq!(twice.status(), 409);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL AND role = 'practitioner'").await,
        1
    );
}

#[tokio::test]
async fn the_request_form_checks_every_part_and_needs_the_password_step() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    app.enable_two_factor().await;

    let stranger = browser(&app.base);
    let refused = send_request(&app, &stranger, evidence_form(PHOTO, BILL, "4242")).await;
    assert_eq!(refused.headers()["location"], "/login?reason=code_expired", "no password step, no request");

    let client = app.password_step(OWNER).await;
    let script = b"#!/bin/sh\necho not a photo";
    let bad = send_request(&app, &client, evidence_form(script, PHOTO, "42a")).await;
    assert_eq!(bad.status(), 303);
    let back = bad.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/login/lost-2fa?error="), "{back}");
    assert!(back.contains("photo_id.type") && back.contains("card_last4.digits"), "{back}");
    assert!(!back.contains("bill."), "a photo is a fine bill: {back}");
    let pdf_as_photo = send_request(&app, &client, evidence_form(BILL, BILL, "4242")).await;
    assert!(pdf_as_photo.headers()["location"].to_str().unwrap().contains("photo_id.type"));
    let too_large = vec![0xFF; 8 * 1024 * 1024 + 1];
    let large = send_request(&app, &client, evidence_form(PHOTO, &too_large, "4242")).await;
    assert!(large.headers()["location"].to_str().unwrap().contains("bill.too_large"));
    let missing = send_request(&app, &client, Form::new().text("card_last4", "4242")).await;
    let location = missing.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("photo_id.missing") && location.contains("bill.missing"), "{location}");
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests").await, 0, "nothing is stored");

    let page = client.get(app.url(&back)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Choose a photo (JPEG, PNG, WebP or HEIC)."), "the message is next to the field");
    assert!(page.contains("Enter exactly 4 digits."));

    assert_eq!(send_request(&app, &client, evidence_form(PHOTO, BILL, "4242")).await.status(), 303);
    let second = send_request(&app, &client, evidence_form(PHOTO, BILL, "4242")).await;
    assert!(second.headers()["location"].to_str().unwrap().contains("form.pending"), "one pending request at a time");
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests").await, 1);
}

#[tokio::test]
async fn cross_origin_requests_cannot_file_a_request() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    app.enable_two_factor().await;
    let client = app.password_step(OWNER).await;
    let response = client
        .post(app.url("/api/lost_2fa"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .multipart(evidence_form(PHOTO, BILL, "4242"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests").await, 0);
}

#[tokio::test]
async fn approval_needs_every_piece_opened_by_the_approver_and_their_password_and_code() {
    let app = spawn_app().await;
    let (_owner, _status) = filed_request(&app).await;
    let staff = signed_in_staff(&app).await;
    let colleague = signed_in_staff_as(&app, "ola@trygg.example").await;
    let id = staff_call(&app, &staff, SupportQueue::PATH, &[]).await[0]["id"].as_i64().unwrap().to_string();

    // The bill was never opened: refused, as today's review showed it must be.
    open_evidence(&app, &staff, &id, &["photo_id"]).await;
    let detail = staff_call(&app, &staff, SupportRequest::PATH, &[("id", &id)]).await;
    let opened: Vec<(String, bool)> = detail["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["viewed"].as_bool().unwrap()))
        .collect();
    assert_eq!(opened, [("photo_id".to_string(), true), ("bill".to_string(), false)]);
    let early = approve(&app, &staff, &id).await;
    assert_eq!(early.status(), 409);
    assert_eq!(error_of(early).await["Conflict"], "EvidenceNotOpened");
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 2, "nothing changes");

    // A colleague's opening does not count for the approver.
    open_evidence(&app, &colleague, &id, &["bill"]).await;
    assert_eq!(error_of(approve(&app, &staff, &id).await).await["Conflict"], "EvidenceNotOpened");

    // Opening it again is recorded once: the route stays a safe GET.
    open_evidence(&app, &staff, &id, &["bill", "bill"]).await;
    let openings = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'lost_2fa.evidence_viewed.bill' AND request_id = {id}"
        ))
        .await;
    assert_eq!(openings, 2, "once by each support person");

    // Now the approver's own password and code are asked again.
    app.clock.advance(30);
    let code = totp_code(&app, &staff.totp_key, 0);
    for (password, code, field) in [
        ("", code.as_str(), "password"),
        ("not my password at all", code.as_str(), "password"),
        (staff.password.as_str(), "", "code"),
        (staff.password.as_str(), if code == "111111" { "222222" } else { "111111" }, "code"),
    ] {
        let form =
            [("id", id.as_str()), ("decision", "approve"), ("reason", ""), ("password", password), ("code", code)];
        let refused = app.call_with(&staff, DecideRequest::PATH, &form).await;
        assert_eq!(refused.status(), 422, "{field}");
        assert_eq!(error_of(refused).await["Validation"][0]["field"], field);
        assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 2, "nothing changes");
    }
    assert_eq!(approve(&app, &staff, &id).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 0);
}

#[tokio::test]
async fn a_changed_password_ends_a_pending_request_and_deletes_its_evidence() {
    let app = spawn_app().await;
    let (owner, status_link) = filed_request(&app).await;
    let new_password = "seven quiet herons by the fjord";
    let changed =
        app.call(ChangePassword::PATH, &[("current_password", PASSWORD), ("new_password", new_password)]).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests WHERE status = 'cancelled'").await, 1);
    let status = owner.get(app.url(&status_link)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("Ended") && status.contains("password was changed"), "{status}");
    let staff = signed_in_staff(&app).await;
    let queue = staff_call(&app, &staff, SupportQueue::PATH, &[]).await;
    assert_eq!(queue[0]["status"], "Cancelled");
    let audit = staff_call(&app, &staff, SupportAudit::PATH, &[]).await;
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "Cancelled"));
}

#[tokio::test]
async fn support_sessions_end_after_15_minutes_idle_and_12_hours_in_all() {
    let app = spawn_app().await;
    let staff = signed_in_staff(&app).await;
    sqlx::query("UPDATE users SET idle_timeout_secs = 86400 WHERE role = 'support'")
        .execute(&app.state.db)
        .await
        .unwrap();
    app.clock.advance(14 * 60);
    assert_eq!(staff.get(app.url("/support")).send().await.unwrap().status(), 200);
    app.clock.advance(15 * 60 + 1);
    let idle = staff.get(app.url("/support")).send().await.unwrap();
    assert_eq!(idle.headers()["location"], "/login?reason=idle", "15 minutes, whatever the account's setting");

    let busy = signed_in_staff_as(&app, "busy@trygg.example").await;
    for _ in 0..(12 * 60 / 14) {
        app.clock.advance(14 * 60);
        assert_eq!(busy.get(app.url("/support")).send().await.unwrap().status(), 200);
    }
    app.clock.advance(14 * 60);
    let over = busy.get(app.url("/support")).send().await.unwrap();
    assert_eq!(over.headers()["location"], "/login?reason=expired", "12 hours in all, however active");
}
