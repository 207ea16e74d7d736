//! Consent: declarations with versions, and the link a client answers once. Tokens: single use,
//! expiry, revocation, wrong or guessed; one link never reaches another request; the evidence
//! is sealed with the client's key and its hash matches the text signed.

use app::consent::service::{open_evidence, shown_text};
use app::consent::store::request_by_token;
use app::consent::types::Template;
use app::server::crypto::token_hash;
use app::server::envelope;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{
    PASSWORD, TestApp, error_of, mime_attachment, quoted_printable, smtp_mail, smtp_sink, spawn_app, spawn_app_with,
};

const OWNER: &str = "kari@example.no";
const SUBJECT: &str = "Klinikk Nord asks for your consent";

async fn new_client(app: &TestApp, client: &reqwest::Client, name: &str, email: &str) -> String {
    let form = [("name", name), ("email", email), ("phone", ""), ("birth_date", ""), ("address", ""), ("notes", "")];
    let response = app.call_with(client, "clients/create", &form).await;
    assert_eq!(response.status(), 200);
    response.headers()["location"].to_str().unwrap().strip_prefix("/clients/").unwrap().to_string()
}

async fn templates(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    app.call_with(client, "consent/templates", &[]).await.json().await.unwrap()
}

/// Sends the first declaration to the client and returns the link's token from the mail.
async fn send(app: &TestApp, client_id: &str, email: &str, count: usize) -> String {
    let template = templates(app, &app.client).await[0]["id"].to_string();
    let sent = app.call("consent/send", &[("client_id", client_id), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let bodies = app.wait_for_subject(email, SUBJECT, count).await;
    let link = bodies[0].lines().find(|l| l.contains("/consent?token=")).expect("a link in the mail");
    link.split("token=").nth(1).unwrap().trim().to_string()
}

async fn page(app: &TestApp, token: &str) -> reqwest::Response {
    app.call_with(&crate::helpers::browser(&app.base), "consent/page", &[("token", token)]).await
}

async fn sign(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);
    app.call_with(&phone, "consent/sign", &[("token", token), ("agree", "yes"), ("name", name)]).await
}

async fn status_of(app: &TestApp, client_id: &str) -> Value {
    let list: Vec<Value> = app.call("consent/requests", &[("client_id", client_id)]).await.json().await.unwrap();
    list.first().map(|r| r["status"].clone()).unwrap_or(Value::Null)
}

#[tokio::test]
async fn declarations_start_with_the_default_and_an_edit_makes_a_version() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let list = templates(&app, &app.client).await;
    let titles: Vec<&str> = list.iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Samtykke til behandling av helseopplysninger", "Consent to the processing of health data"]);
    assert!(list[1]["body"].as_str().unwrap().contains("Article 9"));

    let id = list[0]["id"].to_string();
    let bad = app.call("consent/save_template", &[("id", &id), ("title", ""), ("body", " ")]).await;
    let fields: Vec<String> = error_of(bad).await["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().into())
        .collect();
    assert_eq!(fields, ["title", "body"]);
    let saved = app.call("consent/save_template", &[("id", &id), ("title", "Samtykke"), ("body", "Ny tekst.")]).await;
    assert_eq!(saved.status(), 200);
    let list = templates(&app, &app.client).await;
    assert_eq!((list[0]["version"].as_i64(), list[0]["title"].as_str()), (Some(2), Some("Samtykke")));
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_template_versions").await, 3, "version 1 is kept");

    let other = app.other_practitioner("per@example.no").await;
    let theirs = templates(&app, &other).await;
    assert!(theirs.iter().all(|t| t["id"] != list[0]["id"] && t["id"] != list[1]["id"]));
    let taken = app.call_with(&other, "consent/save_template", &[("id", &id), ("title", "x"), ("body", "y")]).await;
    assert_eq!(taken.status(), 404);
    assert_eq!(templates(&app, &app.client).await[0]["version"], 2);
}

#[tokio::test]
async fn a_link_is_opened_and_signed_once_with_sealed_evidence() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    assert_eq!(status_of(&app, &id).await, Value::Null);
    let token = send(&app, &id, "ola@example.no", 1).await;
    assert!(token.len() >= 43, "256 bits, base64url");
    let mail = &app.wait_for_subject("ola@example.no", SUBJECT, 1).await[0];
    assert!(
        !mail.contains("helseopplysninger") && !mail.contains("Samtykke til"),
        "the mail does not name the content"
    );
    let stored: i64 = app.count("SELECT COUNT(*) FROM consent_requests WHERE token_hash IS NOT NULL").await;
    assert_eq!(stored, 1);
    let request = request_by_token(&app.state.db, &token_hash(&token)).await.unwrap().unwrap();
    assert_eq!(request.status, "sent");
    assert!(request_by_token(&app.state.db, token.as_bytes()).await.unwrap().is_none(), "only the hash is stored");
    assert_eq!(status_of(&app, &id).await, "Sent");

    let opened: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!((opened["practice"].as_str(), opened["status"].as_str()), (Some("Klinikk Nord"), Some("Opened")));
    assert_eq!(opened["title"], "Samtykke til behandling av helseopplysninger");
    assert_eq!(status_of(&app, &id).await, "Opened");

    let phone = crate::helpers::browser(&app.base);
    let unticked = app.call_with(&phone, "consent/sign", &[("token", &token), ("name", " ")]).await;
    let problems: Vec<String> = error_of(unticked).await["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["problem"].as_str().unwrap().into())
        .collect();
    assert_eq!(problems, ["ConsentNotTicked", "Required"]);
    assert_eq!(status_of(&app, &id).await, "Opened", "nothing changed");

    let signed = sign(&app, &token, "Ola Nordmann").await;
    assert_eq!(signed.status(), 200);
    for again in
        [sign(&app, &token, "Someone Else").await, app.call_with(&phone, "consent/decline", &[("token", &token)]).await]
    {
        assert_eq!(again.status(), 409);
        assert_eq!(error_of(again).await["Rejected"], "ConsentAnswered");
    }
    let receipt: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(receipt["status"], "Signed");
    assert_eq!(status_of(&app, &id).await, "Signed");
    let list: Vec<Value> = app.call("clients/list", &[("query", "")]).await.json().await.unwrap();
    assert_eq!(list[0]["consent"], "Signed");

    // The evidence: sealed with the client's key, nothing readable in the row.
    let request = request_by_token(&app.state.db, &token_hash(&token)).await.unwrap().unwrap();
    let sealed = request.evidence.clone().unwrap();
    assert!(envelope::is_client_sealed(&sealed));
    for plain in ["Ola Nordmann", "127.0.0.1", "iPhone"] {
        assert!(!sealed.windows(plain.len()).any(|w| w == plain.as_bytes()), "{plain} in the raw row");
    }
    let keys = envelope::existing(&app.state.db, &app.state.master_key, request.practice_id, request.client_id)
        .await
        .unwrap()
        .unwrap();
    let evidence = open_evidence(&keys, &request).unwrap();
    assert_eq!(evidence.typed_name.as_deref(), Some("Ola Nordmann"));
    let shown = Template {
        id: 0,
        version: 1,
        title: opened["title"].as_str().unwrap().into(),
        body: opened["body"].as_str().unwrap().into(),
    };
    let hash: String = Sha256::digest(shown_text(&shown).as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(evidence.text_sha256, hash, "the hash of exactly the text shown");
    let trail: Vec<(&str, &str)> = evidence.events.iter().map(|e| (e.what.as_str(), e.ip.as_str())).collect();
    assert_eq!(trail, [("opened", "127.0.0.1"), ("signed", "127.0.0.1")]);
    assert!(evidence.events[1].user_agent.contains("iPhone"));

    // A receipt for the client, with the link to read and withdraw.
    let receipt = &app.wait_for_subject("ola@example.no", "Your consent to Klinikk Nord is recorded", 1).await[0];
    assert!(receipt.contains(&format!("/consent?token={token}")));
    // The signed copy with its trail, for this practice only.
    let copy_path = format!("/clients/{id}/consent/{}/copy.pdf", request.id);
    let copy = app.get(&copy_path).await;
    assert_eq!(copy.headers()["content-type"], "application/pdf");
    let text = app::server::pdf::text_of(&copy.bytes().await.unwrap());
    for expected in
        ["Samtykke til behandling av helseopplysninger", "Ola Nordmann", &hash, "127.0.0.1", "Signed", "Opened"]
    {
        assert!(text.contains(expected), "{expected:?} missing from the copy");
    }
    let other = app.other_practitioner("per@example.no").await;
    assert_eq!(other.get(app.url(&copy_path)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_signed_consent_is_withdrawn_through_its_link_and_the_practice_is_told() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let token = send(&app, &id, "ola@example.no", 1).await;
    let phone = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&phone, "consent/withdraw", &[("token", &token)]).await.status(), 409, "not signed yet");
    assert_eq!(sign(&app, &token, "Ola Nordmann").await.status(), 200);
    app.clock.advance(30 * 86_400);
    // Withdrawal works after the link's signing window has closed.
    assert_eq!(app.call_with(&phone, "consent/withdraw", &[("token", &token)]).await.status(), 200);
    assert_eq!(app.call_with(&phone, "consent/withdraw", &[("token", &token)]).await.status(), 409, "once");
    assert_eq!(page(&app, &token).await.json::<Value>().await.unwrap()["status"], "Withdrawn");
    let notice = &app.wait_for_subject(OWNER, "A client has withdrawn a consent", 1).await[0];
    assert!(notice.contains("Samtykke til behandling av helseopplysninger") && !notice.contains("Ola"));
    let request = request_by_token(&app.state.db, &token_hash(&token)).await.unwrap().unwrap();
    let keys = envelope::existing(&app.state.db, &app.state.master_key, request.practice_id, request.client_id)
        .await
        .unwrap()
        .unwrap();
    let trail: Vec<String> = open_evidence(&keys, &request).unwrap().events.into_iter().map(|e| e.what).collect();
    assert_eq!(trail, ["signed", "withdrawn"].map(String::from), "signed straight from the mail, then withdrawn");
}

#[tokio::test]
async fn expired_revoked_wrong_and_guessed_links_do_nothing() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let first = send(&app, &id, "ola@example.no", 1).await;
    app.clock.advance(14 * 86_400 + 1);
    assert_eq!(page(&app, &first).await.json::<Value>().await.unwrap()["status"], "Expired");
    assert_eq!(sign(&app, &first, "Ola Nordmann").await.status(), 409);
    // Two weeks on, the practitioner signs in again.
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Expired");

    let second = send(&app, &id, "ola@example.no", 2).await;
    assert_ne!(first, second);
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &id)]).await.json().await.unwrap();
    let newest = requests[0]["id"].to_string();
    assert_eq!(app.call("consent/revoke", &[("client_id", &id), ("id", &newest)]).await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Expired", "a revoked request does not count");

    let mut answers = Vec::new();
    for token in [second.as_str(), "not-a-token", &first[..42], &"A".repeat(43), ""] {
        let opened = page(&app, token).await;
        assert_eq!(opened.status(), 401, "{token}");
        answers.push(opened.text().await.unwrap());
        assert_eq!(sign(&app, token, "Ola Nordmann").await.status(), 401, "{token}");
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "revoked, wrong and guessed answer alike");
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_requests WHERE status = 'signed'").await, 0);
}

#[tokio::test]
async fn a_link_reaches_only_its_own_request_and_other_practices_reach_none() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let ola = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let siri = new_client(&app, &app.client, "Siri Hansen", "siri@example.no").await;
    let ola_token = send(&app, &ola, "ola@example.no", 1).await;
    send(&app, &siri, "siri@example.no", 1).await;
    assert_eq!(sign(&app, &ola_token, "Ola Nordmann").await.status(), 200);
    assert_eq!(status_of(&app, &ola).await, "Signed");
    assert_eq!(status_of(&app, &siri).await, "Sent", "Ola's link changed only Ola's request");

    let other = app.other_practitioner("per@example.no").await;
    let template = templates(&app, &app.client).await[0]["id"].to_string();
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &siri)]).await.json().await.unwrap();
    let siri_request = requests[0]["id"].to_string();
    assert_eq!(app.call_with(&other, "consent/requests", &[("client_id", &ola)]).await.status(), 404);
    assert_eq!(
        app.call_with(&other, "consent/send", &[("client_id", &siri), ("template_id", &template)]).await.status(),
        404
    );
    assert_eq!(
        app.call_with(&other, "consent/revoke", &[("client_id", &siri), ("id", &siri_request)]).await.status(),
        404
    );
    // Their own client cannot be sent another practice's declaration.
    let own = new_client(&app, &other, "Per sin klient", "klient@example.no").await;
    let refused = app.call_with(&other, "consent/send", &[("client_id", &own), ("template_id", &template)]).await;
    assert_eq!(error_of(refused).await["Validation"][0]["field"], "template_id");
    assert_eq!(status_of(&app, &siri).await, "Sent");

    let no_email = new_client(&app, &app.client, "Uten E-post", "").await;
    let refused = app.call("consent/send", &[("client_id", &no_email), ("template_id", &template)]).await;
    assert_eq!(error_of(refused).await["Rejected"], "ClientHasNoEmail");
    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, "consent/requests", &[("client_id", &ola)]).await.status(), 401);
}

#[tokio::test]
async fn a_new_version_leaves_the_signed_text_as_it_was() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let token = send(&app, &id, "ola@example.no", 1).await;
    let shown: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(sign(&app, &token, "Ola Nordmann").await.status(), 200);
    let template = templates(&app, &app.client).await[0]["id"].to_string();
    let edit = [("id", template.as_str()), ("title", "Samtykke, ny versjon"), ("body", "Helt ny tekst.")];
    assert_eq!(app.call("consent/save_template", &edit).await.status(), 200);

    let receipt: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!((receipt["title"].clone(), receipt["body"].clone()), (shown["title"].clone(), shown["body"].clone()));
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!((requests[0]["version"].as_i64(), requests[0]["status"].as_str()), (Some(1), Some("Signed")));
}

#[tokio::test]
async fn a_reminder_renews_the_link_and_a_new_version_asks_the_signers_again() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let first = send(&app, &id, "ola@example.no", 1).await;
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &id)]).await.json().await.unwrap();
    let request = requests[0]["id"].to_string();

    let other = app.other_practitioner("per@example.no").await;
    assert_eq!(app.call_with(&other, "consent/remind", &[("client_id", &id), ("id", &request)]).await.status(), 404);
    assert_eq!(app.call("consent/remind", &[("client_id", &id), ("id", &request)]).await.status(), 200);
    let reminder = &app.wait_for_subject("ola@example.no", "Reminder: Klinikk Nord asks for your consent", 1).await[0];
    let renewed =
        reminder.lines().find(|l| l.contains("/consent?token=")).unwrap().split("token=").nth(1).unwrap().trim();
    assert_ne!(renewed, first);
    assert_eq!(page(&app, &first).await.status(), 401, "the old link stops working");
    assert_eq!(sign(&app, renewed, "Ola Nordmann").await.status(), 200);
    assert_eq!(app.call("consent/remind", &[("client_id", &id), ("id", &request)]).await.status(), 404, "answered");

    let template = templates(&app, &app.client).await[0]["id"].to_string();
    let declarations: Vec<Value> = app.call("consent/declarations", &[]).await.json().await.unwrap();
    assert_eq!(declarations[0][1], 0, "nobody signed an older version yet");
    let edit = [("id", template.as_str()), ("title", "Samtykke, versjon 2"), ("body", "Ny tekst.")];
    assert_eq!(app.call("consent/save_template", &edit).await.status(), 200);
    let declarations: Vec<Value> = app.call("consent/declarations", &[]).await.json().await.unwrap();
    assert_eq!(declarations[0][1], 1);

    assert_eq!(app.call_with(&other, "consent/ask_again", &[("template_id", &template)]).await.status(), 404);
    let asked: Value = app.call("consent/ask_again", &[("template_id", &template)]).await.json().await.unwrap();
    assert_eq!(asked, 1);
    app.wait_for_subject("ola@example.no", SUBJECT, 2).await;
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!((requests[0]["status"].as_str(), requests[0]["version"].as_i64()), (Some("Sent"), Some(2)));
    assert_eq!((requests[1]["status"].as_str(), requests[1]["version"].as_i64()), (Some("Signed"), Some(1)));
    let declarations: Vec<Value> = app.call("consent/declarations", &[]).await.json().await.unwrap();
    assert_eq!(declarations[0][1], 0, "asked already");
}

#[tokio::test]
async fn a_drawn_signature_is_sealed_drawn_in_the_copy_and_the_receipt_carries_the_copy_over_smtp() {
    let (port, received) = smtp_sink().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.dev_outbox = false;
    })
    .await;
    assert_eq!(app.sign_up(OWNER).await.status(), 200);
    let verify = quoted_printable(&smtp_mail(&received, OWNER, "Subject: Confirm your email").await);
    let verify = verify.split("token=").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    assert_eq!(app.call("verify_email", &[("token", &verify)]).await.status(), 200);
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let template = templates(&app, &app.client).await[0]["id"].to_string();
    assert_eq!(app.call("consent/send", &[("client_id", &id), ("template_id", &template)]).await.status(), 200);
    let link = quoted_printable(&smtp_mail(&received, "ola@example.no", SUBJECT).await);
    let token = link.split("/consent?token=").nth(1).unwrap().lines().next().unwrap().trim().to_string();

    // A drawing off the grid is refused next to its field, and nothing changes.
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);
    let signing = |drawn: &'static str| {
        let (app, phone, token) = (&app, phone.clone(), token.clone());
        async move {
            let form = [("token", token.as_str()), ("agree", "yes"), ("name", "Ola Nordmann"), ("signature", drawn)];
            app.call_with(&phone, "consent/sign", &form).await
        }
    };
    let own_copy = |token: String| {
        let phone = phone.clone();
        let url = app.url(&format!("/consent/copy.pdf?token={token}"));
        async move { phone.get(url).send().await.unwrap() }
    };
    assert_eq!(own_copy(token.clone()).await.status(), 404, "nothing signed yet");
    let refused = error_of(signing("10,10 900,900").await).await;
    assert_eq!(refused["Validation"][0]["field"], "signature");
    assert_eq!(refused["Validation"][0]["problem"], "SignatureUnreadable");
    assert_eq!(status_of(&app, &id).await, "Sent");

    let drawn = "20,30 200,150 400,40;300,100";
    assert_eq!(signing(drawn).await.status(), 200);
    let request = request_by_token(&app.state.db, &token_hash(&token)).await.unwrap().unwrap();
    let sealed = String::from_utf8_lossy(request.evidence.as_ref().unwrap()).to_string();
    assert!(!sealed.contains("200,150") && !sealed.contains("Ola"), "the drawing is sealed");
    let keys = envelope::existing(&app.state.db, &app.state.master_key, request.practice_id, request.client_id)
        .await
        .unwrap()
        .unwrap();
    let evidence = open_evidence(&keys, &request).unwrap();
    assert_eq!(evidence.drawn_signature.as_deref(), Some(drawn));
    assert_eq!(evidence.typed_name.as_deref(), Some("Ola Nordmann"));

    // The receipt, over SMTP, carries the signed copy as a PDF with the drawing in it.
    let receipt = smtp_mail(&received, "ola@example.no", "Subject: Your consent to Klinikk Nord is recorded").await;
    let text = quoted_printable(receipt.split("Content-Type: application/pdf").next().unwrap());
    assert!(text.contains(&format!("/consent?token={token}")), "the link to read and withdraw");
    let (name, pdf) = mime_attachment(&receipt, "application/pdf").expect("a PDF attached to the receipt");
    assert_eq!(name, "signed-consent.pdf");
    let practitioner_copy =
        app.get(&format!("/clients/{id}/consent/{}/copy.pdf", request.id)).await.bytes().await.unwrap().to_vec();
    // The client's own copy, through the link, on the receipt page.
    let mine = own_copy(token.clone()).await;
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.headers()["content-type"], "application/pdf");
    assert_eq!(mine.headers()["cache-control"], "no-store");
    let mine = mine.bytes().await.unwrap().to_vec();
    for wrong in [String::new(), "x".into(), token[..40].to_string()] {
        assert_eq!(own_copy(wrong).await.status(), 404);
    }
    for copy in [&pdf, &practitioner_copy, &mine] {
        assert!(copy.starts_with(b"%PDF-"));
        let text = app::server::pdf::text_of(copy);
        for expected in ["Samtykke til behandling av helseopplysninger", "Ola Nordmann", "Drawn signature"] {
            assert!(text.contains(expected), "{expected:?} missing from the copy");
        }
        assert!(text.contains(&evidence.text_sha256));
        // Two strokes: moved to twice, and three lines drawn (two, and the dot).
        let raw = String::from_utf8_lossy(copy);
        assert_eq!(raw.lines().filter(|l| l.ends_with(" m")).count(), 2);
        assert_eq!(raw.lines().filter(|l| l.ends_with(" l")).count(), 3);
    }
}

#[tokio::test]
async fn sending_again_replaces_the_unanswered_link() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let first = send(&app, &id, "ola@example.no", 1).await;
    assert_eq!(page(&app, &first).await.status(), 200);
    let second = send(&app, &id, "ola@example.no", 2).await;
    assert_eq!(page(&app, &first).await.status(), 401, "the first link stopped working");
    assert_eq!(sign(&app, &first, "Ola Nordmann").await.status(), 401);
    let requests: Vec<Value> = app.call("consent/requests", &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!(requests.len(), 1, "the replaced request is not listed");
    assert_eq!(sign(&app, &second, "Ola Nordmann").await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Signed");
    // A signed request is kept when another declaration, or the same one, is sent later.
    send(&app, &id, "ola@example.no", 3).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_requests WHERE status = 'signed'").await, 1);
}
