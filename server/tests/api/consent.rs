//! Consent: declarations with versions, and the link a client answers once. Tokens: single use,
//! expiry, revocation, wrong or guessed; one link never reaches another request; the evidence
//! is sealed with the client's key and its hash matches the text signed.

use app::auth::api::VerifyEmail;
use app::clients::api::{ListClients, UpdateClient};
use app::consent::api::{
    AskAgain, ConsentDeclarations, ConsentOpened, ConsentRequests, ConsentTemplates, DeclineConsent, GetConsentPage,
    RemindConsent, RevokeConsent, SaveTemplate, SendConsent, SendWithdrawalCode, SignConsent, WithdrawConsent,
};
use app::consent::service::{open_evidence, shown_text};
use app::consent::store::request_by_token;
use app::consent::types::Template;
use app::server::crypto::token_hash;
use app::server::envelope;
use leptos::server_fn::ServerFn as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{
    PASSWORD, TestApp, error_of, fields, mime_attachment, quoted_printable, smtp_mail, smtp_sink, spawn_app,
    spawn_app_with, validation,
};

const OWNER: &str = "kari@example.no";
/// The first declaration is the Norwegian default: the mails about it are in Norwegian, whatever
/// the language of the practitioner's or the client's browser.
const SUBJECT: &str = "Klinikk Nord ber om ditt samtykke";

async fn new_client(app: &TestApp, client: &reqwest::Client, name: &str, email: &str) -> String {
    app.create_client(client, &[("name", name), ("email", email)]).await
}

pub(crate) async fn templates(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    app.call_with(client, ConsentTemplates::PATH, &[]).await.json().await.unwrap()
}

/// Sends the first declaration to the client and returns the link's token from the mail.
pub(crate) async fn send(app: &TestApp, client_id: &str, email: &str, count: usize) -> String {
    let template = templates(app, &app.client).await[0]["id"].to_string();
    let sent = app.call(SendConsent::PATH, &[("client_id", client_id), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let bodies = app.wait_for_subject(email, SUBJECT, count).await;
    let link = bodies[0].lines().find(|l| l.contains("/consent?token=")).expect("a link in the mail");
    link.split("token=").nth(1).unwrap().trim().to_string()
}

async fn page(app: &TestApp, token: &str) -> reqwest::Response {
    app.call_with(&crate::helpers::browser(&app.base), GetConsentPage::PATH, &[("token", token)]).await
}

/// What the page sends once the client uses it.
async fn opened(app: &TestApp, token: &str) -> reqwest::Response {
    app.call_with(&crate::helpers::browser(&app.base), ConsentOpened::PATH, &[("token", token)]).await
}

pub(crate) async fn sign(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);
    app.call_with(&phone, SignConsent::PATH, &[("token", token), ("agree", "yes"), ("name", name)]).await
}

/// The client's consent status as the practitioner sees it (signing in again when the clock
/// moved past the session).
async fn status_of(app: &TestApp, client_id: &str) -> Value {
    let mut response = app.call(ConsentRequests::PATH, &[("client_id", client_id)]).await;
    if response.status() == 401 {
        assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
        response = app.call(ConsentRequests::PATH, &[("client_id", client_id)]).await;
    }
    let list: Vec<Value> = response.json().await.unwrap();
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
    let bad = app.call(SaveTemplate::PATH, &[("id", &id), ("title", ""), ("body", " "), ("lang", "nb")]).await;
    assert_eq!(fields(&error_of(bad).await), ["title", "body"]);
    let saved = app
        .call(SaveTemplate::PATH, &[("id", &id), ("title", "Samtykke"), ("body", "Ny tekst."), ("lang", "nb")])
        .await;
    assert_eq!(saved.status(), 200);
    let list = templates(&app, &app.client).await;
    assert_eq!((list[0]["version"].as_i64(), list[0]["title"].as_str()), (Some(2), Some("Samtykke")));
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_template_versions").await, 3, "version 1 is kept");

    let other = app.other_practitioner("per@example.no").await;
    let theirs = templates(&app, &other).await;
    assert!(theirs.iter().all(|t| t["id"] != list[0]["id"] && t["id"] != list[1]["id"]));
    let taken =
        app.call_with(&other, SaveTemplate::PATH, &[("id", &id), ("title", "x"), ("body", "y"), ("lang", "nb")]).await;
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
    assert_eq!(request.status, app::consent::types::RequestStatus::Sent);
    assert!(request_by_token(&app.state.db, token.as_bytes()).await.unwrap().is_none(), "only the hash is stored");
    assert_eq!(status_of(&app, &id).await, "Sent");

    let shown: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(shown["status"], "Sent", "reading the link changes nothing");
    assert_eq!(opened(&app, &token).await.status(), 200);
    let opened: Value = page(&app, &token).await.json().await.unwrap();
    let declaration = &opened["declaration"];
    assert_eq!((declaration["practice"].as_str(), opened["status"].as_str()), (Some("Klinikk Nord"), Some("Opened")));
    assert_eq!(declaration["title"], "Samtykke til behandling av helseopplysninger");
    assert_eq!(status_of(&app, &id).await, "Opened");

    let phone = crate::helpers::browser(&app.base);
    let unticked = app.call_with(&phone, SignConsent::PATH, &[("token", &token), ("name", " ")]).await;
    let problems: Vec<Value> = validation(&error_of(unticked).await).into_iter().map(|(_, problem)| problem).collect();
    assert_eq!(problems, ["ConsentNotTicked", "Required"]);
    assert_eq!(status_of(&app, &id).await, "Opened", "nothing changed");

    let signed = sign(&app, &token, "Ola Nordmann").await;
    assert_eq!(signed.status(), 200);
    for again in [
        sign(&app, &token, "Someone Else").await,
        app.call_with(&phone, DeclineConsent::PATH, &[("token", &token)]).await,
    ] {
        assert_eq!(again.status(), 409);
        assert_eq!(error_of(again).await["Conflict"], "ConsentAnswered");
    }
    let receipt: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(receipt["status"], "Signed");
    assert_eq!(status_of(&app, &id).await, "Signed");
    let list: Vec<Value> = app.call(ListClients::PATH, &[("query", "")]).await.json().await.unwrap();
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
        title: declaration["title"].as_str().unwrap().into(),
        body: declaration["body"].as_str().unwrap().into(),
        lang: None,
    };
    let hash: String = Sha256::digest(shown_text(&shown).as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(evidence.text_sha256, hash, "the hash of exactly the text shown");
    let trail: Vec<(&str, &str)> = evidence.events.iter().map(|e| (e.what.as_str(), e.ip.as_str())).collect();
    assert_eq!(trail, [("opened", "127.0.0.1"), ("signed", "127.0.0.1")]);
    assert!(evidence.events[1].user_agent.contains("iPhone"));

    // A receipt for the client, with the link to read and withdraw.
    let receipt = &app.wait_for_subject("ola@example.no", "Samtykket ditt til Klinikk Nord er registrert", 1).await[0];
    assert!(receipt.contains(&format!("/consent?token={token}")));
    // The signed copy with its trail, for this practice only.
    let copy_path = format!("/clients/{id}/consent/{}/copy.pdf", request.id);
    let copy = app.get(&copy_path).await;
    assert_eq!(copy.headers()["content-type"], "application/pdf");
    let text = app::server::pdf::text_of(&copy.bytes().await.unwrap());
    for expected in
        ["Samtykke til behandling av helseopplysninger", "Ola Nordmann", &hash, "127.0.0.1", "Signert", "Signatur og"]
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
    assert_eq!(
        app.call_with(&phone, WithdrawConsent::PATH, &[("token", &token)]).await.status(),
        409,
        "not signed yet"
    );
    assert_eq!(sign(&app, &token, "Ola Nordmann").await.status(), 200);
    app.clock.advance(29 * 86_400);
    // Withdrawal works after the link's signing window has closed, and within the 30 days after
    // the signature it needs nothing but the link.
    assert_eq!(app.call_with(&phone, WithdrawConsent::PATH, &[("token", &token)]).await.status(), 200);
    assert_eq!(app.call_with(&phone, WithdrawConsent::PATH, &[("token", &token)]).await.status(), 409, "once");
    assert_eq!(page(&app, &token).await.json::<Value>().await.unwrap()["status"], "Withdrawn");
    let notice = &app.wait_for_subject(OWNER, "A client has withdrawn a consent", 1).await[0];
    assert!(notice.contains("Samtykke til behandling av helseopplysninger") && !notice.contains("Ola"));
    let request = request_by_token(&app.state.db, &token_hash(&token)).await.unwrap().unwrap();
    let keys = envelope::existing(&app.state.db, &app.state.master_key, request.practice_id, request.client_id)
        .await
        .unwrap()
        .unwrap();
    let trail: Vec<String> = open_evidence(&keys, &request).unwrap().events.into_iter().map(|e| e.what).collect();
    assert_eq!(
        trail,
        ["opened", "signed", "withdrawn"].map(String::from),
        "signed straight from the mail (which opens it), then withdrawn"
    );
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
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    let newest = requests[0]["id"].to_string();
    assert_eq!(app.call(RevokeConsent::PATH, &[("client_id", &id), ("id", &newest)]).await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Expired", "a revoked request does not count");

    let mut answers = Vec::new();
    for token in [second.as_str(), "not-a-token", &first[..42], &"A".repeat(43), ""] {
        let opened = page(&app, token).await;
        assert_eq!(opened.status(), 404, "{token}");
        answers.push(opened.text().await.unwrap());
        assert_eq!(sign(&app, token, "Ola Nordmann").await.status(), 404, "{token}");
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
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &siri)]).await.json().await.unwrap();
    let siri_request = requests[0]["id"].to_string();
    assert_eq!(app.call_with(&other, ConsentRequests::PATH, &[("client_id", &ola)]).await.status(), 404);
    assert_eq!(
        app.call_with(&other, SendConsent::PATH, &[("client_id", &siri), ("template_id", &template)]).await.status(),
        404
    );
    assert_eq!(
        app.call_with(&other, RevokeConsent::PATH, &[("client_id", &siri), ("id", &siri_request)]).await.status(),
        404
    );
    // Their own client cannot be sent another practice's declaration.
    let own = new_client(&app, &other, "Per sin klient", "klient@example.no").await;
    let refused = app.call_with(&other, SendConsent::PATH, &[("client_id", &own), ("template_id", &template)]).await;
    assert_eq!(error_of(refused).await["Validation"][0]["field"], "template_id");
    assert_eq!(status_of(&app, &siri).await, "Sent");

    let no_email = new_client(&app, &app.client, "Uten E-post", "").await;
    let refused = app.call(SendConsent::PATH, &[("client_id", &no_email), ("template_id", &template)]).await;
    assert_eq!(error_of(refused).await["Rejected"], "ClientHasNoEmail");
    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, ConsentRequests::PATH, &[("client_id", &ola)]).await.status(), 401);
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
    let edit =
        [("id", template.as_str()), ("title", "Samtykke, ny versjon"), ("body", "Helt ny tekst."), ("lang", "nb")];
    assert_eq!(app.call(SaveTemplate::PATH, &edit).await.status(), 200);

    let receipt: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(receipt["declaration"], shown["declaration"]);
    assert_eq!(receipt["declaration"]["title"], "Samtykke til behandling av helseopplysninger");
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!((requests[0]["version"].as_i64(), requests[0]["status"].as_str()), (Some(1), Some("Signed")));
}

#[tokio::test]
async fn a_reminder_renews_the_link_and_a_new_version_asks_the_signers_again() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let first = send(&app, &id, "ola@example.no", 1).await;
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    let request = requests[0]["id"].to_string();

    let other = app.other_practitioner("per@example.no").await;
    assert_eq!(app.call_with(&other, RemindConsent::PATH, &[("client_id", &id), ("id", &request)]).await.status(), 404);
    assert_eq!(app.call(RemindConsent::PATH, &[("client_id", &id), ("id", &request)]).await.status(), 200);
    let reminder = &app.wait_for_subject("ola@example.no", "Påminnelse: Klinikk Nord ber om ditt samtykke", 1).await[0];
    let renewed =
        reminder.lines().find(|l| l.contains("/consent?token=")).unwrap().split("token=").nth(1).unwrap().trim();
    assert_ne!(renewed, first);
    assert_eq!(page(&app, &first).await.status(), 404, "the old link stops working");
    assert_eq!(sign(&app, renewed, "Ola Nordmann").await.status(), 200);
    assert_eq!(app.call(RemindConsent::PATH, &[("client_id", &id), ("id", &request)]).await.status(), 404, "answered");

    let template = templates(&app, &app.client).await[0]["id"].to_string();
    let declarations: Vec<Value> = app.call(ConsentDeclarations::PATH, &[]).await.json().await.unwrap();
    assert_eq!(declarations[0][1], 0, "nobody signed an older version yet");
    let edit = [("id", template.as_str()), ("title", "Samtykke, versjon 2"), ("body", "Ny tekst."), ("lang", "nb")];
    assert_eq!(app.call(SaveTemplate::PATH, &edit).await.status(), 200);
    let declarations: Vec<Value> = app.call(ConsentDeclarations::PATH, &[]).await.json().await.unwrap();
    assert_eq!(declarations[0][1], 1);

    assert_eq!(app.call_with(&other, AskAgain::PATH, &[("template_id", &template)]).await.status(), 404);
    let asked: Value = app.call(AskAgain::PATH, &[("template_id", &template)]).await.json().await.unwrap();
    assert_eq!(asked, 1);
    app.wait_for_subject("ola@example.no", SUBJECT, 2).await;
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!((requests[0]["status"].as_str(), requests[0]["version"].as_i64()), (Some("Sent"), Some(2)));
    assert_eq!((requests[1]["status"].as_str(), requests[1]["version"].as_i64()), (Some("Signed"), Some(1)));
    let declarations: Vec<Value> = app.call(ConsentDeclarations::PATH, &[]).await.json().await.unwrap();
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
    assert_eq!(app.call(VerifyEmail::PATH, &[("token", &verify)]).await.status(), 200);
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let template = templates(&app, &app.client).await[0]["id"].to_string();
    assert_eq!(app.call(SendConsent::PATH, &[("client_id", &id), ("template_id", &template)]).await.status(), 200);
    let link = quoted_printable(&smtp_mail(&received, "ola@example.no", SUBJECT).await);
    let token = link.split("/consent?token=").nth(1).unwrap().lines().next().unwrap().trim().to_string();

    // A drawing off the grid is refused next to its field, and nothing changes.
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);
    let signing = |drawn: &'static str| {
        let (app, phone, token) = (&app, phone.clone(), token.clone());
        async move {
            let form = [("token", token.as_str()), ("agree", "yes"), ("name", "Ola Nordmann"), ("signature", drawn)];
            app.call_with(&phone, SignConsent::PATH, &form).await
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
    assert_eq!(status_of(&app, &id).await, "Opened", "not signed; a person did open it");

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
    let receipt =
        smtp_mail(&received, "ola@example.no", "Subject: Samtykket ditt til Klinikk Nord er registrert").await;
    let text = quoted_printable(receipt.split("Content-Type: application/pdf").next().unwrap());
    assert!(text.contains(&format!("/consent?token={token}")), "the link to read and withdraw");
    let (name, pdf) = mime_attachment(&receipt, "application/pdf").expect("a PDF attached to the receipt");
    assert_eq!(name, "signert-samtykke.pdf");
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
        for expected in ["Samtykke til behandling av helseopplysninger", "Ola Nordmann", "Tegnet signatur"] {
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
    assert_eq!(page(&app, &first).await.status(), 404, "the first link stopped working");
    assert_eq!(sign(&app, &first, "Ola Nordmann").await.status(), 404);
    let requests: Vec<Value> = app.call(ConsentRequests::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    assert_eq!(requests.len(), 1, "the replaced request is not listed");
    assert_eq!(sign(&app, &second, "Ola Nordmann").await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Signed");
    // A signed request is kept when another declaration, or the same one, is sent later.
    send(&app, &id, "ola@example.no", 3).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_requests WHERE status = 'signed'").await, 1);
}

/// The request's status, when it was opened, and its trail of evidence, straight from the row.
async fn stored(app: &TestApp, token: &str) -> (String, Option<i64>, Vec<String>) {
    let request = request_by_token(&app.state.db, &token_hash(token)).await.unwrap().unwrap();
    let opened_at: Option<i64> = sqlx::query_scalar("SELECT opened_at FROM consent_requests WHERE id = $1")
        .bind(request.id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let trail = match envelope::existing(&app.state.db, &app.state.master_key, request.practice_id, request.client_id)
        .await
        .unwrap()
    {
        Some(keys) => open_evidence(&keys, &request).unwrap().events.into_iter().map(|e| e.what).collect(),
        None => Vec::new(),
    };
    (request.status.as_str().into(), opened_at, trail)
}

#[tokio::test]
async fn a_link_scanner_that_fetches_the_link_never_opens_the_request() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let token = send(&app, &id, "ola@example.no", 1).await;
    let link = app.url(&format!("/consent?token={token}"));
    // Scanners in mail clients: no cookies, their own User-Agent, some follow redirects.
    let agent = "Mozilla/5.0 (compatible; SafeLinks-Scanner/1.0)";
    let following = reqwest::Client::builder().user_agent(agent).build().unwrap();
    let not_following =
        reqwest::Client::builder().user_agent(agent).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for scanner in [&following, &not_following] {
        let fetched = scanner.get(&link).send().await.unwrap();
        assert_eq!(fetched.status(), 200);
        assert!(fetched.text().await.unwrap().contains("Samtykke til behandling av helseopplysninger"), "it is served");
        assert_eq!(scanner.head(&link).send().await.unwrap().status(), 200);
        for path in ["/consent/copy.pdf", "/consent/copy.pdf?token=", "/consent"] {
            scanner.get(app.url(path)).send().await.unwrap();
        }
        let copy = app.url(&format!("/consent/copy.pdf?token={token}"));
        assert_eq!(scanner.get(&copy).send().await.unwrap().status(), 404, "nothing signed yet");
    }
    // Also with the page's own script run by a headless renderer that never uses the page: the
    // server function that reads the page changes nothing either.
    assert_eq!(page(&app, &token).await.status(), 200);
    assert_eq!(stored(&app, &token).await, ("sent".into(), None, Vec::new()));
    assert_eq!(status_of(&app, &id).await, "Sent");
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'consent.opened'").await, 0);

    // A person uses the page: it says so, once.
    for _ in 0..3 {
        assert_eq!(opened(&app, &token).await.status(), 200);
    }
    let (status, opened_at, trail) = stored(&app, &token).await;
    assert_eq!((status.as_str(), opened_at, trail), ("opened", Some(app.clock.now()), vec!["opened".to_string()]));
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'consent.opened'").await, 1);
    assert_eq!(opened(&app, "not-a-token").await.status(), 404);
    // A cross-site page cannot open it for the client.
    let foreign = reqwest::Client::new()
        .post(app.url(ConsentOpened::PATH))
        .header("origin", "https://evil.example")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
}

#[tokio::test]
async fn without_javascript_the_first_form_sent_opens_the_request() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let token = send(&app, &id, "ola@example.no", 1).await;
    // The box left unticked: refused, and yet a person sent it.
    let phone = crate::helpers::browser(&app.base);
    let refused = app.call_with(&phone, SignConsent::PATH, &[("token", &token), ("name", "Ola Nordmann")]).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(stored(&app, &token).await.2, ["opened"]);
    assert_eq!(status_of(&app, &id).await, "Opened");
    assert_eq!(sign(&app, &token, "Ola Nordmann").await.status(), 200);
    assert_eq!(stored(&app, &token).await.2, ["opened", "signed"], "opened once");

    // A decline straight from the mail opens and declines at once.
    let second = new_client(&app, &app.client, "Siri Hansen", "siri@example.no").await;
    let token = send(&app, &second, "siri@example.no", 1).await;
    assert_eq!(app.call_with(&phone, DeclineConsent::PATH, &[("token", &token)]).await.status(), 200);
    let (status, opened_at, trail) = stored(&app, &token).await;
    assert_eq!(
        (status.as_str(), opened_at.is_some(), trail),
        ("declined", true, vec!["opened".into(), "declined".into()])
    );
}

const CODE_SUBJECT: &str = "Koden din for å trekke tilbake samtykket";

/// A client who signed, and the link's token.
async fn signed_client(app: &TestApp, email: &str) -> (String, String) {
    let id = new_client(app, &app.client, "Ola Nordmann", email).await;
    let token = send(app, &id, email, 1).await;
    assert_eq!(sign(app, &token, "Ola Nordmann").await.status(), 200);
    (id, token)
}

/// The six digits of the newest code mail (waiting for the `count`th).
async fn mailed_code(app: &TestApp, email: &str, count: usize) -> String {
    let body = app.wait_for_subject(email, CODE_SUBJECT, count).await.remove(0);
    let code = body.lines().map(str::trim).find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()));
    code.expect("six digits in the mail").to_string()
}

async fn ask_code(app: &TestApp, token: &str) -> reqwest::Response {
    app.call_with(&crate::helpers::browser(&app.base), SendWithdrawalCode::PATH, &[("token", token)]).await
}

async fn withdraw_with(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);
    app.call_with(&phone, WithdrawConsent::PATH, &[("token", token), ("code", code)]).await
}

async fn code_problem(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    let error = error_of(response).await;
    assert_eq!(error["Validation"][0]["field"], "code", "{error}");
    error["Validation"][0]["problem"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn after_thirty_days_the_link_serves_no_copy_and_withdrawal_needs_a_mailed_code() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (id, token) = signed_client(&app, "ola@example.no").await;
    let copy = app.url(&format!("/consent/copy.pdf?token={token}"));
    let link = app.url(&format!("/consent?token={token}"));
    let phone = crate::helpers::browser_with_agent(&app.base, crate::helpers::PHONE_SAFARI);

    app.clock.advance(30 * 86_400 - 60);
    let shown: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(shown["declaration"]["title"], "Samtykke til behandling av helseopplysninger");
    assert!(shown["copy_until"].is_string() && shown["withdraw_needs_code"] == false);
    assert_eq!(phone.get(&copy).send().await.unwrap().status(), 200, "the copy, for 30 days");
    let html = phone.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Last ned det du signerte (PDF)"), "in the declaration's language");

    app.clock.advance(60);
    let shown: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!(shown["status"], "Signed");
    assert!(shown["declaration"].is_null() && shown["copy_until"].is_null());
    assert_eq!(shown["withdraw_needs_code"], true);
    assert_eq!(phone.get(&copy).send().await.unwrap().status(), 404, "no copy with IPs and signature any more");
    let html = phone.get(&link).send().await.unwrap().text().await.unwrap();
    for gone in ["Samtykke til behandling", "Klinikk Nord", "copy.pdf", "Ola Nordmann"] {
        assert!(!html.contains(gone), "{gone:?} still on the page");
    }
    assert!(html.contains("Trekk tilbake samtykket ditt") && html.contains("Send meg en kode på e-post"));
    assert!(html.contains(r#"autocomplete="one-time-code""#) && html.contains(r#"inputmode="numeric""#));

    // The link alone no longer withdraws.
    assert_eq!(
        code_problem(app.call_with(&phone, WithdrawConsent::PATH, &[("token", &token)]).await).await,
        "Required"
    );
    assert_eq!(code_problem(withdraw_with(&app, &token, "123456").await).await, "ConsentCodeSpent", "none sent yet");
    assert_eq!(code_problem(withdraw_with(&app, &token, "12345").await).await, "ConsentCodeFormat");
    assert_eq!(status_of(&app, &id).await, "Signed");

    let asked = ask_code(&app, &token).await;
    assert_eq!(asked.headers()["location"], format!("/consent?token={token}&code=sent"));
    let code = mailed_code(&app, "ola@example.no", 1).await;
    let mail = &app.wait_for_subject("ola@example.no", CODE_SUBJECT, 1).await[0];
    assert!(
        mail.contains("Klinikk Nord") && !mail.contains("helseopplysninger"),
        "names the practice, not the content"
    );
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(code_problem(withdraw_with(&app, &token, wrong).await).await, "ConsentCodeWrong");
    assert_eq!(status_of(&app, &id).await, "Signed");
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    assert_eq!(withdraw_with(&app, &token, &spaced).await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Withdrawn");
    app.wait_for_subject(OWNER, "A client has withdrawn a consent", 1).await;
    let again = withdraw_with(&app, &token, &code).await;
    assert_eq!(error_of(again).await["Conflict"], "ConsentAnswered", "once");
    let shown: Value = page(&app, &token).await.json().await.unwrap();
    assert_eq!((shown["status"].as_str(), shown["declaration"].is_null()), (Some("Withdrawn"), true));
    assert_eq!(ask_code(&app, &token).await.status(), 409, "no codes for a withdrawn consent");
    // The practice's audit log has the client's steps, with no one named.
    for action in ["consent.code_sent", "consent.withdrawn"] {
        let sql = format!("SELECT COUNT(*) FROM practice_audit WHERE action = '{action}' AND actor_id IS NULL");
        assert_eq!(app.count(&sql).await, 1, "{action}");
    }
}

#[tokio::test]
async fn a_withdrawal_code_is_kept_hashed_used_once_and_only_for_ten_minutes() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (id, token) = signed_client(&app, "ola@example.no").await;
    app.clock.advance(31 * 86_400);
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let code = mailed_code(&app, "ola@example.no", 1).await;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT code_hash FROM consent_withdrawal_codes").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!stored.windows(6).any(|w| w == code.as_bytes()), "no plaintext code");
    assert_ne!(stored, Sha256::digest(code.as_bytes()).to_vec(), "not a bare hash of six digits");

    // Ten minutes on it has expired, right as it is.
    app.clock.advance(10 * 60);
    assert_eq!(code_problem(withdraw_with(&app, &token, &code).await).await, "ConsentCodeSpent");
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let first = mailed_code(&app, "ola@example.no", 2).await;
    // A newer code replaces it.
    app.clock.advance(61);
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let newest = mailed_code(&app, "ola@example.no", 3).await;
    if first != newest {
        assert_eq!(code_problem(withdraw_with(&app, &token, &first).await).await, "ConsentCodeWrong");
    }
    // Another request's link cannot use this client's code.
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    let (_, other) = signed_client(&app, "siri@example.no").await;
    app.clock.advance(31 * 86_400);
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let code = mailed_code(&app, "ola@example.no", 4).await;
    assert_eq!(code_problem(withdraw_with(&app, &other, &code).await).await, "ConsentCodeSpent");
    assert_eq!(withdraw_with(&app, &token, &code).await.status(), 200);
    assert_eq!(status_of(&app, &id).await, "Withdrawn");
}

#[tokio::test]
async fn wrong_tries_use_up_a_code_even_all_at_once() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (id, token) = signed_client(&app, "ola@example.no").await;
    app.clock.advance(31 * 86_400);
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let code = mailed_code(&app, "ola@example.no", 1).await;
    let wrong: Vec<String> =
        (0..20).map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000)).collect();
    let guesses = wrong.iter().map(|guess| withdraw_with(&app, &token, guess));
    let answers = futures::future::join_all(guesses).await;
    let mut problems = Vec::new();
    for answer in answers {
        problems.push(code_problem(answer).await);
    }
    assert_eq!(problems.iter().filter(|p| *p == "ConsentCodeWrong").count(), 5, "{problems:?}");
    assert_eq!(problems.iter().filter(|p| *p == "ConsentCodeSpent").count(), 15);
    assert_eq!(app.count("SELECT tries FROM consent_withdrawal_codes").await, 5);
    // Now even the right code is refused: a new one is needed.
    assert_eq!(code_problem(withdraw_with(&app, &token, &code).await).await, "ConsentCodeSpent");
    assert_eq!(status_of(&app, &id).await, "Signed");
    app.clock.advance(61);
    assert_eq!(ask_code(&app, &token).await.status(), 200);
    let fresh = mailed_code(&app, "ola@example.no", 2).await;
    assert_eq!(withdraw_with(&app, &token, &fresh).await.status(), 200);
}

#[tokio::test]
async fn code_mails_are_limited_so_the_link_cannot_flood_the_clients_mailbox() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (_, token) = signed_client(&app, "ola@example.no").await;
    app.clock.advance(31 * 86_400);
    // Many at once: one mail.
    let answers = futures::future::join_all((0..8).map(|_| ask_code(&app, &token))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429));
    let limited = ask_code(&app, &token).await;
    assert_eq!(limited.status(), 429);
    assert!(error_of(limited).await["RateLimited"]["retry_after_secs"].as_i64().unwrap() <= 60);
    for _ in 0..4 {
        app.clock.advance(61);
        assert_eq!(ask_code(&app, &token).await.status(), 200);
    }
    app.clock.advance(3_600);
    let limited = ask_code(&app, &token).await;
    assert_eq!(limited.status(), 429, "five a day");
    let wait = error_of(limited).await["RateLimited"]["retry_after_secs"].as_i64().unwrap();
    assert!(wait > 3_600 && wait <= 86_400, "{wait}");
    app.wait_for_subject("ola@example.no", CODE_SUBJECT, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = app.state.mailer.outbox().await.unwrap().into_iter().filter(|m| m.subject == CODE_SUBJECT).count();
    assert_eq!(mails, 5);
    app.clock.advance(wait);
    assert_eq!(ask_code(&app, &token).await.status(), 200, "the next day");
}

#[tokio::test]
async fn no_code_without_an_address_and_none_for_an_unsigned_link() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (id, token) = signed_client(&app, "ola@example.no").await;
    let unsigned =
        send(&app, &new_client(&app, &app.client, "Siri", "siri@example.no").await, "siri@example.no", 1).await;
    assert_eq!(error_of(ask_code(&app, &unsigned).await).await["Conflict"], "ConsentAnswered");
    assert_eq!(ask_code(&app, "not-a-token").await.status(), 404);
    let form = [
        ("id", id.as_str()),
        ("name", "Ola Nordmann"),
        ("email", ""),
        ("phone", ""),
        ("birth_date", ""),
        ("address", ""),
        ("notes", ""),
    ];
    assert_eq!(app.call(UpdateClient::PATH, &form).await.status(), 200);
    app.clock.advance(31 * 86_400);
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    let refused = ask_code(&app, &token).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(error_of(refused).await["Rejected"], "ConsentNoAddress");
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_withdrawal_codes").await, 0);
}

#[tokio::test]
async fn the_default_declarations_are_added_once_even_when_first_read_in_parallel() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let readings = futures::future::join_all((0..20).map(|_| templates(&app, &app.client))).await;
    assert!(readings.iter().all(|list| list.len() == 2), "{readings:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_templates").await, 2);
    assert_eq!(templates(&app, &app.client).await, readings[0]);
}

/// The link's page, the signed copy's labels and the mails follow the declaration's language, not
/// the browser's; the client may choose the other language for their own copy.
#[tokio::test]
async fn a_declaration_speaks_its_own_language_on_the_page_in_the_copy_and_in_the_mails() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let list = templates(&app, &app.client).await;
    assert_eq!((list[0]["lang"].as_str(), list[1]["lang"].as_str()), (Some("Nb"), Some("En")));

    // A declaration is saved in one of the two languages, and nothing else.
    let id = list[1]["id"].to_string();
    for bad in ["", "de", "EN"] {
        let form = [("id", id.as_str()), ("title", "Consent"), ("body", "Text."), ("lang", bad)];
        let refused = error_of(app.call(SaveTemplate::PATH, &form).await).await;
        assert_eq!(refused["Validation"][0]["field"], "lang", "{bad:?}");
    }
    assert_eq!(templates(&app, &app.client).await[1]["version"], 1, "a refused language changes nothing");
    let new = [("title", "Samtykke til bilder"), ("body", "Jeg samtykker i at bilder tas."), ("lang", "nb")];
    assert_eq!(app.call(SaveTemplate::PATH, &new).await.status(), 200);
    let list = templates(&app, &app.client).await;
    assert_eq!((list[2]["title"].as_str(), list[2]["lang"].as_str()), (Some("Samtykke til bilder"), Some("Nb")));

    // The English declaration, sent by a practitioner and opened by a client whose browsers ask
    // for Norwegian.
    let client_id = new_client(&app, &app.client, "Ola Nordmann", "ola@example.no").await;
    let template = list[1]["id"].to_string();
    let sent = app.call(SendConsent::PATH, &[("client_id", client_id.as_str()), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200);
    let mail = &app.wait_for_subject("ola@example.no", "Klinikk Nord asks for your consent", 1).await[0];
    let token = mail.lines().find(|l| l.contains("/consent?token=")).unwrap().split("token=").nth(1).unwrap().trim();
    let norwegian = || {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", app.base.parse().unwrap());
        headers.insert("accept-language", "nb-NO,nb;q=0.9".parse().unwrap());
        headers.insert("user-agent", crate::helpers::PHONE_SAFARI.parse().unwrap());
        reqwest::Client::builder().default_headers(headers).build().unwrap()
    };
    let page: Value =
        app.call_with(&norwegian(), GetConsentPage::PATH, &[("token", token)]).await.json().await.unwrap();
    assert_eq!(page["lang"], "En");
    let form = [("token", token), ("agree", "yes"), ("name", "Ola Nordmann")];
    assert_eq!(app.call_with(&norwegian(), SignConsent::PATH, &form).await.status(), 200);
    app.wait_for_subject("ola@example.no", "Your consent to Klinikk Nord is recorded", 1).await;

    // The practitioner's copy is labelled in English, the declaration's language.
    let requests: Vec<Value> =
        app.call(ConsentRequests::PATH, &[("client_id", &client_id)]).await.json().await.unwrap();
    let path = format!("/clients/{client_id}/consent/{}/copy.pdf", requests[0]["id"]);
    let copy = app.client.get(app.url(&path)).header("accept-language", "nb").send().await.unwrap();
    let text = app::server::pdf::text_of(&copy.bytes().await.unwrap());
    for label in ["Consent to the processing of health data", "Signature and trail", "Name typed", "Signed"] {
        assert!(text.contains(label), "{label:?} missing from the copy");
    }
    assert!(!text.contains("Signatur og historikk") && !text.contains("Navn skrevet inn"));
    // Its trail dated in the English form (25 Nov 2026), not as stored (2026-11-25).
    let today = app::local_time::moment_text(app::local_time::zone("Europe/Oslo"), app.state.clock.now());
    let today = today.split_once(' ').unwrap().0;
    assert!(text.contains(&app::dates::long_date_of(app::i18n::Lang::En, today)), "{today} in {text}");

    // The client's own copy: English by default, Norwegian when they chose Norwegian on the page.
    let own = |lang: &str| {
        let url = app.url(&format!("/consent/copy.pdf?token={token}{lang}"));
        let client = norwegian();
        async move { client.get(url).send().await.unwrap() }
    };
    let english = own("").await;
    assert!(english.headers()["content-disposition"].to_str().unwrap().contains("signed-consent.pdf"));
    assert!(app::server::pdf::text_of(&english.bytes().await.unwrap()).contains("Name typed"));
    let chosen = own("&lang=nb").await;
    assert!(chosen.headers()["content-disposition"].to_str().unwrap().contains("signert-samtykke.pdf"));
    let text = app::server::pdf::text_of(&chosen.bytes().await.unwrap());
    assert!(text.contains("Navn skrevet inn") && text.contains("Consent to the processing of health data"));
}

/// A consent link that leads nowhere answers 404, as the page the client opens and as the copy,
/// and the page says why in the client's words.
#[tokio::test]
async fn a_consent_link_that_leads_nowhere_is_a_404() {
    let app = spawn_app().await;
    let phone = crate::helpers::browser(&app.base);
    for token in ["not-a-token", ""] {
        let page = phone.get(app.url(&format!("/consent?token={token}"))).send().await.unwrap();
        assert_eq!(page.status(), 404, "{token:?}");
        assert!(page.text().await.unwrap().contains(app::i18n::EN.err_invalid_link), "{token:?}");
        let copy = phone.get(app.url(&format!("/consent/copy.pdf?token={token}"))).send().await.unwrap();
        assert_eq!(copy.status(), 404, "{token:?}");
        assert_eq!(copy.text().await.unwrap(), app::i18n::EN.err_invalid_link);
    }
}
