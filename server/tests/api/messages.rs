//! Secure messages, played as the client, the practitioner and an attacker: the mail holds no
//! content; a link opens nothing without the code (or the date of birth); a code is single use,
//! short-lived, limited in tries and throttled; a link reaches one conversation and nothing of
//! another practice; revoked and idle links are dead; files are judged by content and served
//! only as attachments; nothing readable lies in the database; a deleted client takes it all.

use app::clients::api::DeleteClient;
use app::messages::api::{CloseConversation, Conversations, GetLinkPage, GetThread, RevokeLinks, SendCode, Verify};
use leptos::server_fn::ServerFn as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PHONE_SAFARI, TestApp, browser_with_agent, error_of, fields, spawn_app, spawn_app_with};
use crate::sealing::{database_copy, found};

const OWNER: &str = "kari@example.no";
const CLIENT_EMAIL: &str = "ola.klient@example.no";
const BIRTH_DATE: &str = "1985-04-23";
const MESSAGE_SUBJECT: &str = "Secure message from Klinikk Nord";
const CODE_SUBJECT: &str = "Your code for the secure message";
const BODY: &str = "Qzx-hemmelig: Her er notatet fra timen";
const FILE_TEXT: &[u8] = b"%PDF-1.4\nQzx-file-content: diagnose\n%%EOF";
const FILE_NAME: &str = "Qzx-epikrise.pdf";

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"Qzx-photo-bytes");
    bytes
}

/// A signed-in practice with one client who has an email address and a birth date.
pub(crate) async fn practice_with_client(app: &TestApp) -> String {
    app.signed_in_user(OWNER).await;
    let fields = [("name", "Ola Klient"), ("email", CLIENT_EMAIL), ("birth_date", BIRTH_DATE)];
    app.create_client(&app.client, &fields).await
}

/// Sends a message from `browser` with these files; the plain form's answer (a redirect).
pub(crate) async fn send(
    app: &TestApp,
    browser: &reqwest::Client,
    client_id: &str,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
    factor: Option<&str>,
) -> reqwest::Response {
    let mut form = Form::new().text("body", body.to_string());
    if let Some(factor) = factor {
        form = form.text("second_factor", factor.to_string());
    }
    for (name, bytes) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_string()));
    }
    let url = app.url(&format!("/messages/{client_id}/send"));
    browser.post(url).multipart(form).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "a redirect back to the conversation");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The token of the newest message link mailed to the client.
pub(crate) async fn newest_link(app: &TestApp, count: usize) -> String {
    let bodies = app.wait_for_subject(CLIENT_EMAIL, MESSAGE_SUBJECT, count).await;
    let line = bodies[0].lines().find(|l| l.contains("/secure-message?token=")).expect("a link in the mail");
    line.split("token=").nth(1).unwrap().trim().to_string()
}

async fn newest_code(app: &TestApp, count: usize) -> String {
    let bodies = app.wait_for_subject(CLIENT_EMAIL, CODE_SUBJECT, count).await;
    let code = bodies[0].lines().map(str::trim).find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()));
    code.expect("a code in the mail").to_string()
}

fn phone(app: &TestApp) -> reqwest::Client {
    browser_with_agent(&app.base, PHONE_SAFARI)
}

async fn page(app: &TestApp, device: &reqwest::Client, token: &str) -> reqwest::Response {
    app.call_with(device, GetLinkPage::PATH, &[("token", token)]).await
}

async fn try_code(app: &TestApp, device: &reqwest::Client, token: &str, code: &str) -> reqwest::Response {
    app.call_with(device, Verify::PATH, &[("token", token), ("code", code)]).await
}

/// A phone that followed the link, asked for a code (the `codes`-th mailed) and entered it.
pub(crate) async fn verified_phone(app: &TestApp, token: &str, codes: usize) -> reqwest::Client {
    let device = phone(app);
    assert_eq!(app.call_with(&device, SendCode::PATH, &[("token", token)]).await.status(), 200);
    let code = newest_code(app, codes).await;
    let response = try_code(app, &device, token, &code).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    device
}

async fn messages_on(app: &TestApp, device: &reqwest::Client, token: &str) -> Vec<Value> {
    let page: Value = page(app, device, token).await.json().await.unwrap();
    page["access"]["Open"]["messages"].as_array().cloned().unwrap_or_else(|| panic!("not open: {page}"))
}

async fn reply(
    app: &TestApp,
    device: &reqwest::Client,
    token: &str,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = Form::new().text("token", token.to_string()).text("body", body.to_string());
    for (name, bytes) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_string()));
    }
    device.post(app.url("/secure-message/reply")).multipart(form).send().await.unwrap()
}

async fn thread(app: &TestApp, browser: &reqwest::Client, client_id: &str) -> reqwest::Response {
    app.call_with(browser, GetThread::PATH, &[("client_id", client_id)]).await
}

#[tokio::test]
async fn a_message_reaches_the_client_by_link_and_code_and_the_answer_comes_back() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    let sent = send(&app, &app.client, &client_id, BODY, vec![(FILE_NAME, FILE_TEXT.to_vec())], None).await;
    assert_eq!(location(&sent), format!("/messages/{client_id}?sent=1#messages"));

    // The mail names the practice and carries a link: no content, no file, no file name.
    let token = newest_link(&app, 1).await;
    let mail = &app.wait_for_subject(CLIENT_EMAIL, MESSAGE_SUBJECT, 1).await[0];
    for secret in [BODY, FILE_NAME, "Qzx"] {
        assert!(!mail.contains(secret), "the notice mail holds {secret:?}: {mail}");
    }
    assert!(mail.contains("Klinikk Nord"));

    // The link alone shows the code step, and nothing of the message, also as a plain page.
    let device = phone(&app);
    let first: Value = page(&app, &device, &token).await.json().await.unwrap();
    assert_eq!(first["access"], serde_json::json!({ "Verify": "Email" }));
    let html = device.get(app.url(&format!("/secure-message?token={token}"))).send().await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("6-digit code") && !html.contains("Qzx"), "{html}");

    // A wrong code opens nothing; the right one gives a strict, HttpOnly session cookie.
    assert_eq!(app.call_with(&device, SendCode::PATH, &[("token", &token)]).await.status(), 200);
    let code = newest_code(&app, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = try_code(&app, &device, &token, wrong).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(fields(&error_of(refused).await), ["code"]);
    let verified = try_code(&app, &device, &token, &code).await;
    let cookie = crate::helpers::set_cookies(&verified).into_iter().find(|c| c.starts_with("trygg_message=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    // The client reads the message and its file.
    let messages = messages_on(&app, &device, &token).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], BODY);
    assert_eq!(messages[0]["files"][0]["name"], FILE_NAME);
    let file_id = messages[0]["files"][0]["id"].as_i64().unwrap();
    let download = device.get(app.url(&format!("/secure-message/files/{file_id}"))).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), FILE_TEXT);

    // The practitioner sees that it was read; the client answers with a photo.
    let seen: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    assert!(seen["messages"][0]["read"].is_string(), "read receipt: {seen}");
    let answered = reply(&app, &device, &token, "Takk, Qzx-svar", vec![("IMG_0001.HEIC", png())]).await;
    assert_eq!(location(&answered), format!("/secure-message?token={token}&sent=1#reply"));

    // The practitioner is told without content, sees one unread, reads it, and then none.
    let notice = &app.wait_for_subject(OWNER, "A client has answered a secure message", 1).await[0];
    assert!(!notice.contains("Qzx") && !notice.contains("Ola"), "{notice}");
    let list: Vec<Value> = app.call(Conversations::PATH, &[("query", "")]).await.json().await.unwrap();
    assert_eq!((list.len(), list[0]["unread"].as_i64()), (1, Some(1)));
    let read: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    assert_eq!(read["messages"][1]["body"], "Takk, Qzx-svar");
    assert_eq!(read["messages"][1]["from_client"], true);
    let photo = read["messages"][1]["files"][0]["id"].as_i64().unwrap();
    let photo = app.get(&format!("/messages/files/{photo}")).await;
    assert_eq!(photo.headers()["content-type"], "image/png", "a PNG named .HEIC is served as what it is");
    assert_eq!(photo.bytes().await.unwrap().as_ref(), png().as_slice());
    let list: Vec<Value> = app.call(Conversations::PATH, &[("query", "")]).await.json().await.unwrap();
    assert_eq!(list[0]["unread"], 0);
    let found: Vec<Value> = app.call(Conversations::PATH, &[("query", "ola")]).await.json().await.unwrap();
    let none: Vec<Value> = app.call(Conversations::PATH, &[("query", "per")]).await.json().await.unwrap();
    assert_eq!((found.len(), none.len()), (1, 0));

    // Every step is in the audit log, by conversation, without content.
    let actions: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT action, record_id FROM practice_audit WHERE action LIKE 'message%' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    let names: Vec<&str> = actions.iter().map(|(action, _)| action.as_str()).collect();
    for expected in [
        "message.sent",
        "message.code_sent",
        "message.verified",
        "messages.read_by_client",
        "message.file_by_link",
        "messages.read",
        "message.replied",
        "message.file",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let conversation = app.count("SELECT id FROM conversations").await;
    assert!(actions.iter().all(|(_, record)| *record == Some(conversation)));
}

#[tokio::test]
async fn a_code_is_single_use_short_lived_limited_in_tries_and_throttled() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, "Hei", vec![], None).await;
    let token = newest_link(&app, 1).await;
    let device = phone(&app);
    let form = [("token", token.as_str())];
    let ask = || app.call_with(&device, SendCode::PATH, &form);

    // Five wrong tries spend the code: then even the right one is refused.
    assert_eq!(ask().await.status(), 200);
    let code = newest_code(&app, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(try_code(&app, &device, &token, wrong).await.status(), 422);
    }
    let spent = try_code(&app, &device, &token, &code).await;
    assert_eq!(error_of(spent).await["Validation"][0]["problem"], "ConsentCodeSpent");

    // A second code within a minute is refused; after it, a new code works once.
    assert_eq!(ask().await.status(), 429);
    app.clock.advance(61);
    assert_eq!(ask().await.status(), 200);
    let code = newest_code(&app, 2).await;
    assert_eq!(try_code(&app, &device, &token, &code).await.status(), 200);
    let reused = try_code(&app, &phone(&app), &token, &code).await;
    assert_eq!(error_of(reused).await["Validation"][0]["problem"], "ConsentCodeSpent");

    // A code 10 minutes old is dead.
    app.clock.advance(61);
    assert_eq!(ask().await.status(), 200);
    let code = newest_code(&app, 3).await;
    app.clock.advance(601);
    assert_eq!(try_code(&app, &phone(&app), &token, &code).await.status(), 422);

    // The link takes at most 10 wrong answers an hour, whoever sends them; the 11th is throttled.
    // (So far: 5 wrong, 1 spent, 1 reused, 1 expired.)
    for _ in 0..2 {
        assert_eq!(try_code(&app, &phone(&app), &token, wrong).await.status(), 422);
    }
    assert_eq!(try_code(&app, &phone(&app), &token, wrong).await.status(), 429);
    app.clock.advance(3601);
    assert_eq!(try_code(&app, &phone(&app), &token, wrong).await.status(), 422);
}

#[tokio::test]
async fn wrong_answers_are_throttled_per_network_across_links() {
    let app = spawn_app_with(|config| config.session.login_throttle.max_failures_per_ip = 3).await;
    app.signed_in_user(OWNER).await;
    let mut tokens = Vec::new();
    for email in ["a@example.no", "b@example.no"] {
        let id = app.create_client(&app.client, &[("name", email), ("email", email)]).await;
        send(&app, &app.client, &id, "Hei", vec![], None).await;
        let bodies = app.wait_for_subject(email, MESSAGE_SUBJECT, 1).await;
        let line = bodies[0].lines().find(|l| l.contains("token=")).unwrap();
        tokens.push(line.split("token=").nth(1).unwrap().trim().to_string());
    }
    let device = phone(&app);
    for token in [&tokens[0], &tokens[1], &tokens[0]] {
        assert_eq!(try_code(&app, &device, token, "123456").await.status(), 422);
    }
    assert_eq!(try_code(&app, &device, &tokens[1], "123456").await.status(), 429);
}

#[tokio::test]
async fn the_date_of_birth_can_be_the_second_step() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    let without = app.create_client(&app.client, &[("name", "Uten Dato"), ("email", "uten@example.no")]).await;
    let refused = send(&app, &app.client, &without, "Hei", vec![], Some("birth_date")).await;
    assert_eq!(location(&refused), format!("/messages/{without}?error=second_factor.no_birth_date#messages"));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NOT NULL").await, 0, "nothing was sent");
    let kept: Value = thread(&app, &app.client, &without).await.json().await.unwrap();
    assert_eq!(kept["unsent"], "Hei", "the typed text waits in the form");

    send(&app, &app.client, &client_id, BODY, vec![], Some("birth_date")).await;
    let token = newest_link(&app, 1).await;
    let device = phone(&app);
    let first: Value = page(&app, &device, &token).await.json().await.unwrap();
    assert_eq!(first["access"], serde_json::json!({ "Verify": "BirthDate" }));
    assert_eq!(app.call_with(&device, SendCode::PATH, &[("token", &token)]).await.status(), 422, "no code to mail");
    let wrong = app.call_with(&device, Verify::PATH, &[("token", &token), ("birth_date", "1985-04-24")]).await;
    assert_eq!(error_of(wrong).await["Validation"][0]["problem"], "BirthDateWrong");
    let right = app.call_with(&device, Verify::PATH, &[("token", &token), ("birth_date", BIRTH_DATE)]).await;
    assert_eq!(right.status(), 200);
    assert_eq!(messages_on(&app, &device, &token).await[0]["body"], BODY);
}

#[tokio::test]
async fn a_link_reaches_its_own_conversation_and_nothing_of_another_practice() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    let other_client =
        app.create_client(&app.client, &[("name", "Per Annen"), ("email", "per.annen@example.no")]).await;
    send(&app, &app.client, &other_client, "Qzx-til-per", vec![("per.pdf", FILE_TEXT.to_vec())], None).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let token = newest_link(&app, 1).await;
    let per_token = {
        let bodies = app.wait_for_subject("per.annen@example.no", MESSAGE_SUBJECT, 1).await;
        let line = bodies[0].lines().find(|l| l.contains("token=")).unwrap();
        line.split("token=").nth(1).unwrap().trim().to_string()
    };
    let device = verified_phone(&app, &token, 1).await;

    // Ola's verified phone opens Per's link only to the code step, and none of Per's files.
    let per_page: Value = page(&app, &device, &per_token).await.json().await.unwrap();
    assert_eq!(per_page["access"], serde_json::json!({ "Verify": "Email" }));
    let per_file: i64 = app.count("SELECT MIN(id) FROM message_files").await;
    let stolen = device.get(app.url(&format!("/secure-message/files/{per_file}"))).send().await.unwrap();
    assert_eq!(stolen.status(), 404);
    // An answer lands in Ola's conversation, whatever token the form names.
    let answered = reply(&app, &device, &per_token, "Qzx-fra-ola", vec![]).await;
    assert_eq!(answered.status(), 303);
    let per: Value = thread(&app, &app.client, &other_client).await.json().await.unwrap();
    assert_eq!(per["messages"].as_array().unwrap().len(), 1);
    let ola: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    assert_eq!(ola["messages"][1]["body"], "Qzx-fra-ola");

    // Another practice reaches none of it.
    let stranger = app.other_practitioner("mallory@example.no").await;
    assert_eq!(thread(&app, &stranger, &client_id).await.status(), 404);
    let download = stranger.get(app.url(&format!("/messages/files/{per_file}"))).send().await.unwrap();
    assert_eq!(download.status(), 404);
    let pushed = send(&app, &stranger, &client_id, "Qzx-fra-mallory", vec![], None).await;
    assert_eq!(pushed.status(), 404);
    for path in [CloseConversation::PATH, RevokeLinks::PATH] {
        let form = [("client_id", client_id.as_str()), ("closed", "true")];
        assert_eq!(app.call_with(&stranger, path, &form).await.status(), 404, "{path}");
    }
    let theirs: Vec<Value> =
        app.call_with(&stranger, Conversations::PATH, &[("query", "")]).await.json().await.unwrap();
    assert!(theirs.is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NOT NULL").await, 3);
    // Without a session, the client's routes give nothing.
    let anonymous = phone(&app);
    assert_eq!(
        anonymous.get(app.url(&format!("/secure-message/files/{per_file}"))).send().await.unwrap().status(),
        401
    );
    assert_eq!(reply(&app, &anonymous, &token, "x", vec![]).await.status(), 404);
}

#[tokio::test]
async fn revoked_and_idle_links_are_dead_and_sessions_end() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let token = newest_link(&app, 1).await;
    let device = verified_phone(&app, &token, 1).await;
    assert_eq!(messages_on(&app, &device, &token).await.len(), 1);

    // Revoked: the link is dead, the verified phone signed out.
    assert_eq!(app.call(RevokeLinks::PATH, &[("client_id", &client_id)]).await.status(), 200);
    let dead = page(&app, &device, &token).await;
    assert_eq!((dead.status().as_u16(), error_of(dead).await), (404, serde_json::json!({ "Rejected": "InvalidLink" })));
    assert_eq!(reply(&app, &device, &token, "x", vec![]).await.status(), 404);

    // The next message brings a fresh link that works.
    send(&app, &app.client, &client_id, "Ny lenke", vec![], None).await;
    let fresh = newest_link(&app, 2).await;
    let device = verified_phone(&app, &fresh, 2).await;
    assert_eq!(messages_on(&app, &device, &fresh).await.len(), 2);

    // The session ends after 30 idle minutes (the link still shows the code step) …
    app.clock.advance(30 * 60 + 1);
    let idle: Value = page(&app, &device, &fresh).await.json().await.unwrap();
    assert_eq!(idle["access"], serde_json::json!({ "Verify": "Email" }));
    // … and after 12 hours however busy; in between each use keeps it alive.
    app.clock.advance(61);
    let device = verified_phone(&app, &fresh, 3).await;
    for _ in 0..(12 * 3 - 1) {
        app.clock.advance(20 * 60);
        assert_eq!(messages_on(&app, &device, &fresh).await.len(), 2);
    }
    app.clock.advance(20 * 60);
    let ended: Value = page(&app, &device, &fresh).await.json().await.unwrap();
    assert_eq!(ended["access"], serde_json::json!({ "Verify": "Email" }));

    // A link unused for 30 days is dead.
    app.clock.advance(30 * 86_400);
    assert_eq!(page(&app, &phone(&app), &fresh).await.status(), 404);
}

#[tokio::test]
async fn a_closed_conversation_is_read_only_for_the_client() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let token = newest_link(&app, 1).await;
    let device = verified_phone(&app, &token, 1).await;
    let close = [("client_id", client_id.as_str()), ("closed", "true")];
    assert_eq!(app.call(CloseConversation::PATH, &close).await.status(), 200);
    let page: Value = page(&app, &device, &token).await.json().await.unwrap();
    assert_eq!(page["access"]["Open"]["closed"], true);
    assert_eq!(reply(&app, &device, &token, "Qzx-etter", vec![]).await.status(), 409);
    let refused = send(&app, &app.client, &client_id, "Mer", vec![], None).await;
    assert_eq!(location(&refused), format!("/messages/{client_id}?error=form.closed#messages"));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
    let reopen = [("client_id", client_id.as_str()), ("closed", "false")];
    assert_eq!(app.call(CloseConversation::PATH, &reopen).await.status(), 200);
    assert_eq!(reply(&app, &device, &token, "Qzx-etter", vec![]).await.status(), 303);
}

/// A minimal DOCX head: a ZIP whose entries name the Word parts.
fn docx() -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["[Content_Types].xml", "word/document.xml"] {
        bytes.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(name.as_bytes());
    }
    bytes
}

#[tokio::test]
async fn files_are_judged_by_content_and_limited_in_size_and_number() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    let refused = |files: Vec<(&'static str, Vec<u8>)>| {
        let app = &app;
        let client_id = client_id.clone();
        async move { location(&send(app, &app.client, &client_id, "Hei", files, None).await) }
    };
    let type_error = format!("/messages/{client_id}?error=files.type#messages");
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    assert_eq!(refused(vec![("rapport.pdf", html)]).await, type_error);
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    assert_eq!(refused(vec![("bilde.png", svg)]).await, type_error);
    assert_eq!(refused(vec![("ok.pdf", FILE_TEXT.to_vec()), ("virus.exe", b"MZ\x90\x00".to_vec())]).await, type_error);
    let too_large = vec![b'a'; 10 * 1024 * 1024 + 1];
    assert_eq!(
        refused(vec![("stor.txt", too_large)]).await,
        format!("/messages/{client_id}?error=files.too_large#messages")
    );
    let six = (0..6).map(|_| ("notat.txt", b"Hei".to_vec())).collect();
    assert_eq!(refused(six).await, format!("/messages/{client_id}?error=files.too_many#messages"));
    // Nothing of a refused message is sent or kept but its text, which waits in the form.
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NOT NULL").await, 0);
    for table in ["message_files", "message_file_chunks"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
    let kept: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    assert_eq!((kept["messages"].as_array().unwrap().len(), kept["unsent"].as_str()), (0, Some("Hei")));

    // Every allowed kind passes; the largest file comes back whole, chunk by chunk.
    let mut largest = vec![b'x'; 10 * 1024 * 1024];
    largest[..5].copy_from_slice(b"Start");
    let files = vec![
        ("brev.docx", docx()),
        ("notat.txt", "Hei på deg".as_bytes().to_vec()),
        ("skann.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
        ("bilde.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00".to_vec()),
        ("stor.txt", largest.clone()),
    ];
    assert!(location(&send(&app, &app.client, &client_id, "", files, None).await).ends_with("sent=1#messages"));
    let shown: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    let listed = shown["messages"][0]["files"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 5);
    assert_eq!(shown["unsent"], "", "a sent message clears the texts put aside");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NULL").await, 0);
    let big = app.get(&format!("/messages/files/{}", listed[4]["id"])).await;
    assert_eq!(big.headers()["content-length"], (10 * 1024 * 1024).to_string().as_str());
    assert_eq!(big.bytes().await.unwrap().as_ref(), largest.as_slice());
    let word = app.get(&format!("/messages/files/{}", listed[0]["id"])).await;
    assert!(word.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    // A text far over the limit is read only up to a bound, and refused as too long.
    let long = "å".repeat(300_000);
    let too_long = location(&send(&app, &app.client, &client_id, &long, vec![], None).await);
    assert_eq!(too_long, format!("/messages/{client_id}?error=body.too_long#messages"));
    // A message needs a text or a file.
    let empty = location(&send(&app, &app.client, &client_id, "  ", vec![], None).await);
    assert_eq!(empty, format!("/messages/{client_id}?error=body.required#messages"));
}

#[tokio::test]
async fn the_database_holds_nothing_readable_and_a_deleted_client_takes_it_all() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![(FILE_NAME, FILE_TEXT.to_vec())], None).await;
    let token = newest_link(&app, 1).await;
    let device = verified_phone(&app, &token, 1).await;
    reply(&app, &device, &token, "Qzx-svar-fra-klienten", vec![("Qzx-bilde.png", png())]).await;

    let needles: Vec<String> =
        ["Qzx-hemmelig", "Qzx-file-content", "Qzx-epikrise", "Qzx-svar-fra", "Qzx-bilde", "Qzx-photo-bytes"]
            .map(String::from)
            .to_vec();
    let copy = database_copy(&app);
    assert_eq!(found(&copy, &["Klinikk Nord".to_string()]).len(), 1, "the scan reads the copy");
    assert_eq!(found(&copy, &needles), Vec::<String>::new());
    assert_eq!(app.count("SELECT COUNT(*) FROM message_file_chunks").await, 2);

    assert_eq!(app.call(DeleteClient::PATH, &[("id", &client_id)]).await.status(), 200);
    for table in
        ["conversations", "messages", "message_files", "message_file_chunks", "message_links", "message_sessions"]
    {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
    assert_eq!(page(&app, &device, &token).await.status(), 404);
}

#[tokio::test]
async fn a_link_followed_from_a_mail_looks_once_more_for_the_session_it_could_not_carry() {
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let token = newest_link(&app, 1).await;
    let link = app.url(&format!("/secure-message?token={token}"));
    let refresh = "http-equiv=\"refresh\"";

    // From a mail the browser sends no `SameSite=Strict` cookie: the page loads itself once more,
    // from this site, and that load does not do it again.
    let from_mail = phone(&app).get(&link).send().await.unwrap().text().await.unwrap();
    assert!(from_mail.contains(refresh) && from_mail.contains("resumed=1"), "{from_mail}");
    let again = phone(&app).get(format!("{link}&resumed=1")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(refresh) && again.contains("6-digit code"));

    // A verified device that sends its cookie gets the conversation at once.
    let device = verified_phone(&app, &token, 1).await;
    let open = device.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(open.contains(BODY) && !open.contains(refresh));
}

#[tokio::test]
async fn an_answer_whose_upload_outlasts_the_closing_is_refused_and_its_text_kept() {
    use app::messages::service::{self, ClientSession};
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let conversation =
        app::messages::store::of_client(&app.state.db, app::ids::PracticeId(1), client_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
    // The client's answer begins (its files would be arriving now) …
    let draft = service::begin_reply(&app.state, ClientSession { session_id: 0, conversation }).await.unwrap();
    // … the practitioner closes the conversation meanwhile …
    let close = [("client_id", client_id.as_str()), ("closed", "true")];
    assert_eq!(app.call(CloseConversation::PATH, &close).await.status(), 200);
    // … and the answer is refused when it would be sent.
    let refused = service::send_reply(&app.state, draft, "Qzx-for-sent", app::i18n::Lang::En).await;
    assert_eq!(refused, Err(app::error::AppError::Conflict(app::error::Problem::ConversationClosed)));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NOT NULL").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE sent_at IS NULL AND body_sealed IS NOT NULL").await, 1);
}

#[tokio::test]
async fn files_of_two_messages_uploading_at_once_each_stay_with_their_message() {
    use app::messages::kind::FileKind;
    use app::messages::service::{self, ClientSession, Typed};
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let db = &app.state.db;
    let conversation = || async {
        app::messages::store::of_client(db, app::ids::PracticeId(1), client_id.parse().unwrap()).await.unwrap().unwrap()
    };
    // The client's answer begins first, the practitioner's message second; the practitioner's
    // file is stored first, the client's second.
    let mut answer =
        service::begin_reply(&app.state, ClientSession { session_id: 0, conversation: conversation().await })
            .await
            .unwrap();
    let user_id = app.count(&format!("SELECT id FROM users WHERE email = '{OWNER}'")).await;
    let user = app::server::sessions::CurrentUser {
        user_id: app::ids::UserId(user_id),
        practice_id: app::ids::PracticeId(1),
        email: OWNER.into(),
        name: "Kari Nordmann".into(),
        practice_name: "Klinikk Nord".into(),
        session_id: 0,
        password_confirmed_at: 0,
        idle_timeout_secs: 3600,
        role: app::server::sessions::Role::Practitioner,
    };
    let mut message = service::begin_message(&app.state, &user, client_id.parse().unwrap()).await.unwrap();
    for (draft, name) in [(&mut message.0, "fra-praksis.txt"), (&mut answer, "fra-klient.txt")] {
        let mut file = draft.begin_file(db, FileKind::Text).await.unwrap();
        draft.write(db, &mut file, name.as_bytes()).await.unwrap();
        draft.finish_file(db, file, name).await.unwrap();
    }
    service::send_reply(&app.state, answer, "Svar", app::i18n::Lang::En).await.unwrap();
    let typed = Typed { body: "Melding", second_factor: None };
    service::send_message(&app.state, &user, message, typed, app::i18n::Lang::En).await.unwrap();

    let shown: Value = thread(&app, &app.client, &client_id).await.json().await.unwrap();
    let files = |n: usize| {
        shown["messages"][n]["files"].as_array().unwrap().iter().map(|f| f["name"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(files(1), ["fra-klient.txt"]);
    assert_eq!(files(2), ["fra-praksis.txt"]);
}

#[tokio::test]
async fn answers_mail_the_practitioner_once_until_read_and_are_limited_per_hour() {
    use app::messages::service::{self, ClientSession};
    let app = spawn_app().await;
    let client_id = practice_with_client(&app).await;
    send(&app, &app.client, &client_id, BODY, vec![], None).await;
    let token = newest_link(&app, 1).await;
    let device = verified_phone(&app, &token, 1).await;
    let notice = "A client has answered a secure message";
    let notices = || async { app.mails_to(OWNER).await.into_iter().filter(|m| m.subject == notice).count() };

    // Two answers before the practitioner reads: one mail. After reading, the next one mails again.
    for answer in ["Første svar", "Andre svar"] {
        assert_eq!(reply(&app, &device, &token, answer, vec![]).await.status(), 303);
    }
    app.wait_for_subject(OWNER, notice, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(notices().await, 1);
    assert_eq!(thread(&app, &app.client, &client_id).await.status(), 200);
    assert_eq!(reply(&app, &device, &token, "Tredje svar", vec![]).await.status(), 303);
    app.wait_for_subject(OWNER, notice, 2).await;

    // 30 answers an hour per conversation (3 sent above); the 31st is refused, and an hour later
    // answering works again.
    let conversation = || async {
        app::messages::store::of_client(&app.state.db, app::ids::PracticeId(1), client_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    for _ in 3..30 {
        let draft =
            service::begin_reply(&app.state, ClientSession { session_id: 0, conversation: conversation().await });
        draft.await.unwrap().refuse(&app.state.db, "").await;
    }
    assert_eq!(reply(&app, &device, &token, "For mange", vec![]).await.status(), 429);
    app.clock.advance(3601);
    let device = verified_phone(&app, &token, 2).await;
    assert_eq!(reply(&app, &device, &token, "En time senere", vec![]).await.status(), 303);
}
