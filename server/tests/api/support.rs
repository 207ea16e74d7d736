//! Support staff and the lost-2FA process: who reaches what, the request with its evidence, and
//! the decisions with their audit trail.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, browser, error_of, spawn_app, totp_code};

const OWNER: &str = "kari@example.no";
const STAFF: &str = "siri@trygg.example";
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00FACE-WITH-PASSPORT-7731\xFF\xD9";
const BILL: &[u8] = b"%PDF-1.4\nKARI NORDMANN POWER BILL 4410\n%%EOF";

/// A support person, signed in (password and code) in their own browser.
async fn signed_in_staff(app: &TestApp) -> reqwest::Client {
    let account = app::support::service::add_staff(&app.state, STAFF, "Siri Support").await.unwrap();
    let client = browser(&app.base);
    let password = app.call_with(&client, "log_in", &[("email", STAFF), ("password", &account.password)]).await;
    assert_eq!(password.headers()["location"], "/login/code", "support always gives a code");
    let code = app.call_with(&client, "log_in_code", &[("code", &totp_code(app, &account.totp_key, 0))]).await;
    assert_eq!(code.headers()["location"], "/support");
    client
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

async fn staff_call(app: &TestApp, staff: &reqwest::Client, function: &str, form: &[(&str, &str)]) -> Value {
    let response = app.call_with(staff, function, form).await;
    assert_eq!(response.status(), 200, "{function}");
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
        "security/sessions",
        "security/log",
        "security/settings",
        "security/revoke_others",
        "two_factor/status",
        "two_factor/begin",
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
        ("support/queue", vec![]),
        ("support/audit", vec![]),
        ("support/request", vec![("id", "1")]),
        ("support/decide", vec![("id", "1"), ("decision", "approve"), ("reason", "")]),
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
    let queue = staff_call(&app, &staff, "support/queue", &[]).await;
    assert_eq!(queue[0]["email"], OWNER);
    assert_eq!(queue[0]["status"], "Pending");
    let id = queue[0]["id"].as_i64().unwrap().to_string();
    let detail = staff_call(&app, &staff, "support/request", &[("id", &id)]).await;
    assert_eq!(detail["card_last4"], "4242");
    let photo_url = detail["evidence"].as_array().unwrap().iter().find(|e| e["kind"] == "photo_id").unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = staff.get(app.url(&photo_url)).send().await.unwrap();
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(photo.bytes().await.unwrap().as_ref(), PHOTO);
    let bill = staff.get(app.url(&format!("/support/evidence/{id}/bill"))).send().await.unwrap();
    assert!(bill.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"), "PDFs download");
    assert_eq!(bill.bytes().await.unwrap().as_ref(), BILL);
    assert_eq!(app.get(&photo_url).await.status(), 303, "the owner's own (signed-out) browser cannot");

    let approved =
        app.call_with(&staff, "support/decide", &[("id", &id), ("decision", "approve"), ("reason", "")]).await;
    assert_eq!(approved.status(), 200);

    // Two-factor is off, every session ended, the evidence gone, the owner told.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL AND role = 'practitioner'").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_requests WHERE card_last4 IS NOT NULL").await, 0);
    assert_eq!(app.get("/calendar").await.status(), 303, "the owner's earlier session is signed out");
    app.wait_for_subject(OWNER, "Two-factor security is off for your Trygg account", 1).await;
    let status = owner.get(app.url(&status_link)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("Approved"));
    assert_eq!(staff.get(app.url(&photo_url)).send().await.unwrap().status(), 404);

    // Every step is audited with the support person's identity, and on the owner's log.
    let audit = staff_call(&app, &staff, "support/audit", &[]).await;
    let actions: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()))
        .collect();
    for action in [
        "lost_2fa.viewed",
        "lost_2fa.evidence_viewed.photo_id",
        "lost_2fa.evidence_viewed.bill",
        "lost_2fa.approved",
        "lost_2fa.evidence_deleted",
    ] {
        assert!(actions.contains(&(STAFF.to_string(), action.to_string())), "{action} in {actions:?}");
    }
    assert!(actions.contains(&(OWNER.to_string(), "lost_2fa.submitted".to_string())));

    let fresh = browser(&app.base);
    let login = app.call_with(&fresh, "log_in", &[("email", OWNER), ("password", PASSWORD)]).await;
    assert_eq!(login.headers()["location"], "/calendar", "the owner signs in without a code");
    let log: Vec<Value> = app.call_with(&fresh, "security/log", &[]).await.json().await.unwrap();
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
    let id = staff_call(&app, &staff, "support/queue", &[]).await[0]["id"].as_i64().unwrap().to_string();

    let no_reason =
        app.call_with(&staff, "support/decide", &[("id", &id), ("decision", "reject"), ("reason", " ")]).await;
    assert_eq!(no_reason.status(), 422);
    assert_eq!(error_of(no_reason).await["Validation"][0]["field"], "reason");
    assert_eq!(app.count("SELECT COUNT(*) FROM lost_2fa_evidence").await, 2, "nothing changes");

    let reason = "The name on the bill does not match the account.";
    let rejected =
        app.call_with(&staff, "support/decide", &[("id", &id), ("decision", "reject"), ("reason", reason)]).await;
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

    let twice = app.call_with(&staff, "support/decide", &[("id", &id), ("decision", "approve"), ("reason", "")]).await;
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
